"""Meetings, visits and the officers they reached: the station-work indicators."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from partnership.dashboard.services.filters import (
    DashboardFilters,
    period_bounds,
    place_restricted,
    station_ids_query,
    year_month,
)
from partnership.extensions import db


@dataclass
class MeetingIndicators:
    planned: int
    held: int
    cancelled: int
    by_month: dict[tuple[int, int], tuple[int, int]]  # (planned, held)


def meeting_indicators(user, filters: DashboardFilters) -> MeetingIndicators:  # noqa: ANN001
    from sqlalchemy import case

    from meetings.models import HAPPENED_STATUSES, Meeting, MeetingStatus, meeting_stations

    start, end = period_bounds(filters)
    year, month = year_month(Meeting.starts_at)
    held = case((Meeting.status.in_(list(HAPPENED_STATUSES)), 1), else_=0)
    cancelled = case((Meeting.status == MeetingStatus.CANCELLED, 1), else_=0)
    stmt = (
        select(year, month, func.count(Meeting.id), func.sum(held), func.sum(cancelled))
        .where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .group_by(year, month)
    )
    if place_restricted(user, filters):
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id.in_(station_ids_query(user, filters))
                )
            )
        )
    by_month: dict[tuple[int, int], tuple[int, int]] = {}
    planned_total = held_total = cancelled_total = 0
    for y, m, total, n_held, n_cancelled in db.session.execute(stmt):
        planned = int(total) - int(n_cancelled or 0)
        by_month[(int(y), int(m))] = (planned, int(n_held or 0))
        planned_total += planned
        held_total += int(n_held or 0)
        cancelled_total += int(n_cancelled or 0)
    return MeetingIndicators(planned_total, held_total, cancelled_total, by_month)


@dataclass
class VisitIndicators:
    stations: int
    within_interval: int
    overdue: int
    never_visited: int
    median_days_since: float | None
    most_overdue: list


def visit_indicators(user, filters: DashboardFilters) -> VisitIndicators:  # noqa: ANN001
    from meetings.services.due import due_stations, median_days_since
    from meetings.services.queries import MeetingFilters

    rows = due_stations(
        user,
        MeetingFilters(
            station_id=filters.station_id, command_id=filters.command_id, country=filters.country
        ),
    )
    visited = [r for r in rows if r.days_since is not None]
    within = [r for r in visited if not r.is_overdue]
    return VisitIndicators(
        stations=len(rows),
        within_interval=len(within),
        overdue=len(rows) - len(within),
        never_visited=len(rows) - len(visited),
        median_days_since=median_days_since(rows),
        most_overdue=[r for r in rows if r.is_overdue][:10],
    )


@dataclass
class ReachIndicators:
    officers_sensitised: int
    officers_trained: int


def reach_indicators(user, filters: DashboardFilters) -> ReachIndicators:  # noqa: ANN001
    """Unique officers who attended (present or late) a meeting held in the period, counted
    from the officers reached summary (meetings.reach), not from every register."""
    from meetings.reach import reached

    stations = station_ids_query(user, filters) if place_restricted(user, filters) else None
    sensitised, trained_count = db.session.execute(
        reached(filters.start, filters.end, stations)
    ).one()
    return ReachIndicators(int(sensitised or 0), int(trained_count or 0))
