"""Aggregates of the problem-solving loop, computed in SQL (GROUP BY, window functions) that
runs the same on SQLite and PostgreSQL: measures per station and side, concerns by category and
month, and the one-page station brief."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionPointCount,
    ActionStatus,
    Concern,
    ConcernCategory,
    FollowUp,
    Side,
)
from partnership.actions.services.concerns import today
from partnership.disclosure import Figure, applies_to, as_figure, figure, protect_table
from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.permissions import station_scope


def shown(count: Figure | int | None, suppress: bool) -> str:
    """A count as shown to the user (see ``partnership.disclosure``)."""
    return str(as_figure(count, suppress))


@dataclass
class StationMeasure:
    """Counts as the user may see them (already suppressed for officers and viewers)."""

    station_id: int
    station: str
    side: Side
    open: Figure
    overdue: Figure
    done_on_time: Figure
    done: Figure
    median_days_to_verification: float | None = None


def action_point_measures(user: User) -> list[StationMeasure]:
    """Per station and owner side (a point with owners on both sides counts for both). Counted
    from the action points summary (``partnership.actions.summary``: a few rows per station,
    the median days to verification kept on its verified row), not from every point: overdue
    as the open points less those not yet due, the only points read."""
    scope = station_scope(user)
    suppress = applies_to(user)
    counts = ActionPointCount
    is_open = counts.status.in_(list(OPEN_ACTION_STATUSES))
    finished = counts.status.in_([ActionStatus.DONE, ActionStatus.VERIFIED])
    totals_of = select(
        counts.station_id.label("station_id"),
        counts.side.label("side"),
        func.sum(case((is_open, counts.points), else_=0)).label("open"),
        func.sum(case((finished, counts.on_time), else_=0)).label("on_time"),
        func.sum(case((finished, counts.points), else_=0)).label("done"),
        # Only the verified row has one.
        func.max(counts.median_days).label("median"),
    ).group_by(counts.station_id, counts.side)
    if scope is not None:
        totals_of = totals_of.where(counts.station_id.in_(scope))
    # Grouped first, then the stations' names joined to the groups (not to every row).
    t = totals_of.subquery()
    stmt = select(
        t.c.station_id, Organisation.name, t.c.side, t.c.open, t.c.on_time, t.c.done, t.c.median
    ).join(Organisation, Organisation.id == t.c.station_id)
    totals = {
        (station_id, Side(side).value): (name, int(open_), int(on_time), int(done), median)
        for station_id, name, side, open_, on_time, done, median in db.session.execute(stmt)
    }
    # Open points not yet due, by the status and due date index: overdue is the rest.
    police = ActionPoint.police_owner_id.is_not(None)
    ngo = ActionPoint.ngo_owner_id.is_not(None)
    not_due = select(
        ActionPoint.station_id,
        func.sum(case((police, 1), else_=0)),
        func.sum(case((ngo, 1), else_=0)),
    ).where(ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)), ActionPoint.due_on >= today())
    if scope is not None:
        not_due = not_due.where(ActionPoint.station_id.in_(scope))
    later = {}
    for station_id, by_police, by_ngo in db.session.execute(
        not_due.group_by(ActionPoint.station_id)
    ):
        later[(station_id, Side.POLICE.value)] = int(by_police or 0)
        later[(station_id, Side.NGO.value)] = int(by_ngo or 0)
    rows: list[StationMeasure] = []
    for (station_id, side), (name, open_, on_time, done, median) in totals.items():
        overdue = open_ - later.get((station_id, side), 0)
        # A median over fewer than five points would describe them one by one.
        if median is not None and not (suppress and figure(done, suppress).withheld):
            median = float(median)
        else:
            median = None
        rows.append(
            StationMeasure(
                station_id,
                name,
                Side(side),
                figure(open_, suppress),
                figure(overdue, suppress),
                figure(on_time, suppress),
                figure(done, suppress),
                median,
            )
        )
    return sorted(rows, key=lambda r: (r.station, r.side.value))


@dataclass
class CategoryMonths:
    """Concerns per category and month with each month's total, as the user may see them: a
    month with one category withheld next to its shown total has a second one withheld too."""

    months: list[str]
    counts: dict[ConcernCategory, dict[str, Figure]]
    totals: dict[str, Figure]

    @property
    def shown_months(self) -> list[str]:
        """Months with at least one concern (a withheld total counts as one): an empty month
        says nothing a reader needs, and the page stays short on a phone."""
        return [m for m in self.months if self.totals[m]]

    @staticmethod
    def label(month_key: str) -> str:
        """A month key such as 2026-01 as the user's language writes a short month (Jan 26)."""
        from flask_babel import format_date

        year, month = (int(part) for part in month_key.split("-"))
        return format_date(date(year, month, 1), "MMM yy")

    @property
    def shown_categories(self) -> list[ConcernCategory]:
        return [c for c, by_month in self.counts.items() if any(by_month.values())]


def concerns_by_category_month(user: User, months: int = 12, station_id: int | None = None):  # noqa: ANN201
    now = today()
    first = date(now.year, now.month, 1)
    keys = []
    year, month = first.year, first.month
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    keys.reverse()
    stmt = (
        select(Concern.category, Concern.occurred_month, func.count(Concern.id))
        .where(Concern.occurred_month >= keys[0])
        .group_by(Concern.category, Concern.occurred_month)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Concern.station_id.in_(scope))
    if station_id:
        stmt = stmt.where(Concern.station_id == station_id)
    cells = {
        (category, month_key): count for category, month_key, count in db.session.execute(stmt)
    }
    table = protect_table(cells, list(ConcernCategory), keys, applies_to(user), col_totals=True)
    counts = {c: {m: table.cell(c, m) for m in keys} for c in ConcernCategory}
    return CategoryMonths(keys, counts, table.col_totals)


# ---- the station brief -------------------------------------------------------------------------


@dataclass
class Brief:
    station: Organisation
    since: date
    since_meeting: object | None
    concerns_by_category: list[tuple[ConcernCategory, Figure]]
    # status, police, ngo, no owner: already suppressed for the user (no total is shown beside
    # them, and a point with owners on both sides counts in both columns)
    points_by_status: list[tuple[ActionStatus, Figure, Figure, Figure]]
    overdue: list[ActionPoint]
    new_concerns: list[Concern]
    concern_changes: list[Concern]
    new_points: list[ActionPoint]
    follow_ups: list[FollowUp] = field(default_factory=list)
    suppress: bool = False


def station_brief(
    station: Organisation,
    user: User,
    since: date | None = None,
    since_meeting=None,  # noqa: ANN001 - the station's last held meeting, from the meetings domain
) -> Brief:
    """What changed at the station since ``since``, or else since ``since_meeting`` (its last
    held meeting), or else in the last 90 days."""
    if since is not None:
        since_meeting = None
    elif since_meeting is not None:
        since = since_meeting.local_start.date()
    else:
        since = today() - timedelta(days=90)
    since_at = datetime.combine(since, time.min, tzinfo=UTC)
    by_category = list(
        db.session.execute(
            select(Concern.category, func.count(Concern.id))
            .where(
                Concern.station_id == station.id,
                Concern.status.in_(list(OPEN_CONCERN_STATUSES)),
            )
            .group_by(Concern.category)
            .order_by(func.count(Concern.id).desc())
        )
    )
    by_category = [(category, figure(n, applies_to(user))) for category, n in by_category]
    police = ActionPoint.police_owner_id.is_not(None)
    ngo = ActionPoint.ngo_owner_id.is_not(None)
    sides = ("police", "ngo", "none")
    counts = {}
    for status, *by_side in db.session.execute(
        select(
            ActionPoint.status,
            func.sum(case((police, 1), else_=0)),
            func.sum(case((ngo, 1), else_=0)),
            func.sum(case((and_(~police, ~ngo), 1), else_=0)),
        )
        .where(ActionPoint.station_id == station.id)
        .group_by(ActionPoint.status)
    ):
        counts.update({(status, side): int(n or 0) for side, n in zip(sides, by_side, strict=True)})
    statuses = [s for s in ActionStatus if any((s, side) in counts for side in sides)]
    table = protect_table(counts, statuses, sides, applies_to(user))
    by_status = [(s, *(table.cell(s, side) for side in sides)) for s in statuses]
    options = [joinedload(ActionPoint.police_owner), joinedload(ActionPoint.ngo_owner)]
    overdue = list(
        db.session.scalars(
            select(ActionPoint)
            .options(*options)
            .where(
                ActionPoint.station_id == station.id,
                ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)),
                ActionPoint.due_on < today(),
            )
            .order_by(ActionPoint.due_on)
        )
    )
    new_concerns = list(
        db.session.scalars(
            select(Concern)
            .where(Concern.station_id == station.id, Concern.created_at >= since_at)
            .order_by(Concern.created_at)
        )
    )
    concern_changes = list(
        db.session.scalars(
            select(Concern)
            .where(
                Concern.station_id == station.id,
                Concern.status_changed_at >= since_at,
                Concern.created_at < since_at,
            )
            .order_by(Concern.status_changed_at)
        )
    )
    new_points = list(
        db.session.scalars(
            select(ActionPoint)
            .options(*options)
            .where(ActionPoint.station_id == station.id, ActionPoint.created_at >= since_at)
            .order_by(ActionPoint.created_at)
        )
    )
    follow_ups = list(
        db.session.scalars(
            select(FollowUp)
            .join(ActionPoint, ActionPoint.id == FollowUp.action_point_id)
            .options(joinedload(FollowUp.action_point), joinedload(FollowUp.user))
            .where(
                ActionPoint.station_id == station.id,
                FollowUp.at >= since_at,
                FollowUp.to_status.is_not(None),
            )
            .order_by(FollowUp.at)
        )
    )
    return Brief(
        station,
        since,
        since_meeting,
        by_category,
        by_status,
        overdue,
        new_concerns,
        concern_changes,
        new_points,
        follow_ups,
        applies_to(user),
    )
