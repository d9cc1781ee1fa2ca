"""What a station's page shows of the loop: its open concerns and action points, the points
verified there and the concerns closed, and how many of each status it has had. The page is
composed in ``partnership.dashboard``, which calls ``station_loop``; every list is bounded and
links to the full list, so the page keeps its size and its number of queries however long the
station's history grows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from partnership import disclosure
from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernStatus,
)
from partnership.actions.services.action_points import action_point_options
from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.permissions import sees_concern_summaries

# Each list shows at most this many; the page links to the full, filtered list.
STATION_LOOP_SHOWN = 10
# Points still waiting for someone: to act, or (marked done) to verify.
_WAITING_POINTS = [*OPEN_ACTION_STATUSES, ActionStatus.DONE]
_CLOSED_CONCERNS = [ConcernStatus.RESOLVED, ConcernStatus.CLOSED_UNRESOLVED]


@dataclass
class StationLoop:
    open_points: list[ActionPoint]
    verified_points: list[ActionPoint]
    # None for readers who may not see concern summaries (viewers).
    open_concerns: list[Concern] | None
    closed_concerns: list[Concern] | None
    # How many points (and concerns, for readers who see them) the station has had per status.
    point_counts: dict[ActionStatus, int] = field(default_factory=dict)
    concern_counts: dict[ConcernStatus, int] = field(default_factory=dict)
    # Whether the reader may see these counts: small counts are withheld from officers and
    # viewers, and a per-status count beside the page's protected tiles could give a "<5"
    # away, so they get the links to each status's list without the numbers.
    counts_shown: bool = True

    @property
    def open_points_total(self) -> int:
        return sum(self.point_counts.get(s, 0) for s in _WAITING_POINTS)

    @property
    def verified_total(self) -> int:
        return self.point_counts.get(ActionStatus.VERIFIED, 0)

    @property
    def open_concerns_total(self) -> int:
        return sum(self.concern_counts.get(s, 0) for s in OPEN_CONCERN_STATUSES)

    @property
    def closed_concerns_total(self) -> int:
        return sum(self.concern_counts.get(s, 0) for s in _CLOSED_CONCERNS)

    @property
    def points_total(self) -> int:
        return sum(self.point_counts.values())

    @property
    def concerns_total(self) -> int:
        return sum(self.concern_counts.values())


def _point_counts(station_id: int) -> dict[ActionStatus, int]:
    rows = db.session.execute(
        select(ActionPoint.status, func.count(ActionPoint.id))
        .where(ActionPoint.station_id == station_id)
        .group_by(ActionPoint.status)
    )
    return dict(rows.tuples().all())


def _concern_counts(station_id: int) -> dict[ConcernStatus, int]:
    rows = db.session.execute(
        select(Concern.status, func.count(Concern.id))
        .where(Concern.station_id == station_id)
        .group_by(Concern.status)
    )
    return dict(rows.tuples().all())


def station_loop(station: Organisation, user: User) -> StationLoop:
    """The station's loop as ``user`` may see it. The caller has checked that the user may see
    the station (an officer only ever opens their own); viewers get no concern summaries. Six
    queries at most, whatever the station's history."""
    points = select(ActionPoint).options(*action_point_options())
    points = points.where(ActionPoint.station_id == station.id)
    loop = StationLoop(
        open_points=list(
            db.session.scalars(
                points.where(ActionPoint.status.in_(_WAITING_POINTS))
                .order_by(ActionPoint.due_on, ActionPoint.id)
                .limit(STATION_LOOP_SHOWN)
            )
        ),
        verified_points=list(
            db.session.scalars(
                points.where(ActionPoint.status == ActionStatus.VERIFIED)
                .order_by(
                    func.coalesce(ActionPoint.verified_at, ActionPoint.updated_at).desc(),
                    ActionPoint.id.desc(),
                )
                .limit(STATION_LOOP_SHOWN)
            )
        ),
        open_concerns=None,
        closed_concerns=None,
        point_counts=_point_counts(station.id),
        counts_shown=not disclosure.applies_to(user),
    )
    if sees_concern_summaries(user):
        concerns = select(Concern).options(joinedload(Concern.station))
        concerns = concerns.where(Concern.station_id == station.id)
        loop.open_concerns = list(
            db.session.scalars(
                concerns.where(Concern.status.in_(list(OPEN_CONCERN_STATUSES)))
                .order_by(Concern.occurred_on, Concern.id)
                .limit(STATION_LOOP_SHOWN)
            )
        )
        loop.closed_concerns = list(
            db.session.scalars(
                concerns.where(Concern.status.in_(_CLOSED_CONCERNS))
                .order_by(
                    func.coalesce(Concern.status_changed_at, Concern.created_at).desc(),
                    Concern.id.desc(),
                )
                .limit(STATION_LOOP_SHOWN)
            )
        )
        loop.concern_counts = _concern_counts(station.id)
    return loop


# ---- as the loop stood at a moment (a held meeting's agenda) ------------------------------------


def _concerns_open_during(station_ids: list[int], starts_at: datetime, ends_at: datetime):  # noqa: ANN202
    """Concerns of the stations that were open while a meeting took place: logged before it
    ended, and open now or closed only after it began."""
    return select(Concern).where(
        Concern.station_id.in_(station_ids),
        Concern.created_at < ends_at,
        or_(
            Concern.status.in_(list(OPEN_CONCERN_STATUSES)),
            func.coalesce(Concern.status_changed_at, Concern.updated_at) >= starts_at,
        ),
    )


def _points_open_during(station_ids: list[int], starts_at: datetime, ends_at: datetime):  # noqa: ANN202
    """Action points of the stations still waiting while a meeting took place: agreed before it
    ended, and waiting now or settled (verified, dropped) only after it began."""
    return select(ActionPoint).where(
        ActionPoint.station_id.in_(station_ids),
        ActionPoint.created_at < ends_at,
        or_(
            ActionPoint.status.in_(_WAITING_POINTS),
            func.coalesce(ActionPoint.verified_at, ActionPoint.updated_at) >= starts_at,
        ),
    )


def concerns_open_during(
    station_ids: list[int], starts_at: datetime, ends_at: datetime, limit: int | None = None
) -> list[Concern]:
    """The concerns a held meeting had on its agenda, the oldest first (not those logged
    after it, nor those closed before it)."""
    if not station_ids:
        return []
    stmt = _concerns_open_during(station_ids, starts_at, ends_at)
    stmt = stmt.options(joinedload(Concern.station)).order_by(Concern.occurred_on, Concern.id)
    return list(db.session.scalars(stmt.limit(limit)))


def count_concerns_open_during(
    station_ids: list[int], starts_at: datetime, ends_at: datetime
) -> int:
    if not station_ids:
        return 0
    stmt = _concerns_open_during(station_ids, starts_at, ends_at)
    return db.session.scalar(stmt.with_only_columns(func.count(Concern.id))) or 0


def points_open_during(
    station_ids: list[int], starts_at: datetime, ends_at: datetime, limit: int | None = None
) -> list[ActionPoint]:
    """The action points a held meeting carried forward, the earliest due first."""
    if not station_ids:
        return []
    stmt = _points_open_during(station_ids, starts_at, ends_at)
    stmt = stmt.options(*action_point_options()).order_by(ActionPoint.due_on, ActionPoint.id)
    return list(db.session.scalars(stmt.limit(limit)))


def count_points_open_during(station_ids: list[int], starts_at: datetime, ends_at: datetime) -> int:
    if not station_ids:
        return 0
    stmt = _points_open_during(station_ids, starts_at, ends_at)
    return db.session.scalar(stmt.with_only_columns(func.count(ActionPoint.id))) or 0
