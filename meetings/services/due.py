"""Stations due a visit: the target interval of each station against its last and next visit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from meetings.models import (
    HAPPENED_STATUSES,
    OPEN_STATUSES,
    Meeting,
    meeting_stations,
)
from meetings.services.queries import MeetingFilters, aware
from partnership.accounts.models import User
from partnership.caching import valid_until
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
)
from partnership.permissions import station_scope

# ---- stations due for a visit ------------------------------------------------------------------


@dataclass
class DueStation:
    station: Organisation
    last_visit: datetime | None
    next_meeting: datetime | None
    days_since: int | None
    overdue_days: int | None  # positive: overdue by so many days; negative: due in so many

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days is None or self.overdue_days > 0


def due_stations(
    user: User, filters: MeetingFilters, today: date | None = None
) -> list[DueStation]:
    """Every visible active station with a target visit interval: the overdue ones first, most
    overdue first; then those never visited; then the rest, soonest due first. One query,
    whatever the number of stations."""
    today = today or datetime.now(UTC).date()
    now = utcnow()
    last_visit = (
        select(meeting_stations.c.station_id, func.max(Meeting.starts_at).label("last"))
        .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
        .where(Meeting.status.in_(list(HAPPENED_STATUSES)))
        .group_by(meeting_stations.c.station_id)
        .subquery()
    )
    next_meeting = (
        select(meeting_stations.c.station_id, func.min(Meeting.starts_at).label("next"))
        .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
        .where(Meeting.status.in_(list(OPEN_STATUSES)), Meeting.starts_at >= now)
        .group_by(meeting_stations.c.station_id)
        .subquery()
    )
    stmt = (
        select(Organisation, last_visit.c.last, next_meeting.c.next)
        .outerjoin(last_visit, last_visit.c.station_id == Organisation.id)
        .outerjoin(next_meeting, next_meeting.c.station_id == Organisation.id)
        .options(joinedload(Organisation.command))
        .where(
            Organisation.kind.in_(STATION_KINDS),
            Organisation.active.is_(True),
            Organisation.target_visit_days.is_not(None),
        )
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if filters.station_id:
        stmt = stmt.where(Organisation.id == filters.station_id)
    if filters.command_id:
        stmt = stmt.where(Organisation.command_id == filters.command_id)
    if filters.country:
        stmt = stmt.where(Organisation.country == filters.country.upper())
    rows = []
    for station, last, nxt in db.session.execute(stmt):
        last = aware(last)
        nxt = aware(nxt)
        if last is None:
            rows.append(DueStation(station, None, nxt, None, None))
        else:
            days_since = (today - last.astimezone(ZoneInfo(station.timezone)).date()).days
            rows.append(
                DueStation(station, last, nxt, days_since, days_since - station.target_visit_days)
            )
    rows.sort(key=_due_order)
    # As the first of these next meetings starts, it is no longer the next one.
    valid_until(min((r.next_meeting for r in rows if r.next_meeting), default=None))
    return rows


# What the due list can be narrowed to: the two halves of the dashboard's visit tiles.
DUE_STATES = ("overdue", "within")


def in_state(rows: list[DueStation], state: str) -> list[DueStation]:
    """``overdue``: due or overdue (never visited included), as the dashboard counts them;
    ``within``: visited within the target interval; anything else: every row."""
    if state == "overdue":
        return [r for r in rows if r.is_overdue]
    if state == "within":
        return [r for r in rows if not r.is_overdue]
    return rows


def _due_order(row: DueStation) -> tuple:
    if row.overdue_days is None:
        return (1, 0, row.station.name)
    return (0 if row.overdue_days > 0 else 2, -row.overdue_days, row.station.name)


def median_days_since(rows: list[DueStation]) -> float | None:
    """The median of the days since the last visit of the stations ever visited: the
    dashboard's figure, shown on the due list it links to."""
    visited = [r.days_since for r in rows if r.days_since is not None]
    return median(visited) if visited else None
