"""The problem-solving loop: action points open, overdue, escalated and verified; concerns
raised, by month and category; concerns before and after a station's first sensitisation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from partnership import disclosure
from partnership.dashboard.services.filters import (
    DashboardFilters,
    period_bounds,
    place_restricted,
    station_ids_query,
)
from partnership.extensions import db


@dataclass
class LoopIndicators:
    # As the user may see them: overdue points are a part of the open ones, escalated a part of
    # the overdue, and those done on time a part of the verified, so each pair is protected as a
    # breakdown of its total (a shown "6 of 7" would give a withheld "1" away).
    open_points: disclosure.Figure
    overdue_points: disclosure.Figure
    escalated_points: disclosure.Figure
    verified_in_period: disclosure.Figure
    verified_on_time: disclosure.Figure
    # As the user may see them: both breakdowns sit next to the period's total.
    concerns_in_period: disclosure.Figure
    concerns_by_month: dict[tuple[int, int], disclosure.Figure]
    concerns_by_category: list[tuple[str, disclosure.Figure]]


def loop_indicators(user, filters: DashboardFilters, today: date | None = None) -> LoopIndicators:  # noqa: ANN001
    """Action points (open and overdue now; verified in the period, and how many on time) and
    concerns raised in the period, by month and by category. Summaries only, never details."""
    from sqlalchemy import and_, case

    from partnership.actions.models import (
        OPEN_ACTION_STATUSES,
        ActionPoint,
        ActionStatus,
        Concern,
        ConcernCategory,
    )
    from partnership.actions.services.concerns import escalation_days

    today = today or date.today()
    restricted = place_restricted(user, filters)
    stations = station_ids_query(user, filters)
    is_open = ActionPoint.status.in_(list(OPEN_ACTION_STATUSES))
    start, end = period_bounds(filters)
    verified = and_(
        ActionPoint.status == ActionStatus.VERIFIED,
        ActionPoint.verified_at >= start,
        ActionPoint.verified_at < end,
    )
    points = select(
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((and_(is_open, ActionPoint.due_on < today), 1), else_=0)),
        func.sum(
            case(
                (and_(is_open, ActionPoint.due_on <= today - timedelta(days=escalation_days())), 1),
                else_=0,
            )
        ),
        func.sum(case((verified, 1), else_=0)),
        func.sum(case((and_(verified, ActionPoint.done_on <= ActionPoint.due_on), 1), else_=0)),
    )
    if restricted:
        points = points.where(ActionPoint.station_id.in_(stations))
    open_n, overdue_n, escalated_n, verified_n, on_time_n = (
        int(n or 0) for n in db.session.execute(points).one()
    )
    suppress = disclosure.applies_to(user)
    open_points, overdue_points, escalated_points = _nested(
        suppress, open_n, overdue_n, escalated_n
    )
    verified_in_period, verified_on_time, _ = _nested(suppress, verified_n, on_time_n, 0)

    concerns = (
        select(Concern.occurred_month, Concern.category, func.count(Concern.id))
        .where(Concern.occurred_on >= filters.start, Concern.occurred_on <= filters.end)
        .group_by(Concern.occurred_month, Concern.category)
    )
    if restricted:
        concerns = concerns.where(Concern.station_id.in_(stations))
    by_month: dict[tuple[int, int], int] = {}
    by_category: dict[ConcernCategory, int] = {}
    total = 0
    for month_text, category, n in db.session.execute(concerns):
        y, m = (int(part) for part in month_text.split("-"))
        by_month[(y, m)] = by_month.get((y, m), 0) + n
        by_category[category] = by_category.get(category, 0) + n
        total += n
    month_cells, month_total = disclosure.protect(by_month, suppress, total)
    shown_categories = [c for c in ConcernCategory if by_category.get(c)]
    category_cells, category_total = disclosure.protect(
        {c: by_category[c] for c in shown_categories}, suppress, total
    )
    # The one total is withheld if either breakdown needs it withheld.
    total_shown = month_total if month_total.withheld else category_total
    return LoopIndicators(
        open_points=open_points,
        overdue_points=overdue_points,
        escalated_points=escalated_points,
        verified_in_period=verified_in_period,
        verified_on_time=verified_on_time,
        concerns_in_period=total_shown,
        concerns_by_month=month_cells,
        concerns_by_category=[(c.label, category_cells[c]) for c in shown_categories],
    )


def _nested(
    suppress: bool, whole: int, part: int, part_of_part: int
) -> tuple[disclosure.Figure, disclosure.Figure, disclosure.Figure]:
    """Three nested counts (part_of_part within part within whole) as the user may see them:
    each part is protected against its total with the rest of that total beside it."""
    outer, whole_shown = disclosure.protect({"part": part, "rest": whole - part}, suppress, whole)
    part_shown = outer["part"]
    if part_shown.withheld:
        return whole_shown, part_shown, disclosure.figure(part_of_part, suppress)
    inner, part_total = disclosure.protect(
        {"part": part_of_part, "rest": part - part_of_part}, suppress, part
    )
    return whole_shown, part_total, inner["part"]


@dataclass
class BeforeAfter:
    first_sensitisation: date | None
    window_days: int
    before: int
    after: int


def concerns_before_and_after_sensitisation(
    station_id: int, today: date | None = None
) -> BeforeAfter:
    """Concerns at a station in equal windows before and after its first held sensitisation
    meeting (at most 180 days each side, shorter when the meeting is recent)."""
    from meetings.models import HAPPENED_STATUSES, Meeting, MeetingKind, meeting_stations
    from partnership.actions.models import Concern

    today = today or date.today()
    first = db.session.scalar(
        select(func.min(Meeting.starts_at))
        .join(meeting_stations, meeting_stations.c.meeting_id == Meeting.id)
        .where(
            meeting_stations.c.station_id == station_id,
            Meeting.kind == MeetingKind.SENSITISATION,
            Meeting.status.in_(list(HAPPENED_STATUSES)),
        )
    )
    if first is None:
        return BeforeAfter(None, 0, 0, 0)
    if isinstance(first, str):  # SQLite hands aggregates back as text
        from datetime import datetime

        first = datetime.fromisoformat(first)
    pivot = first.date()
    window = max(min(180, (today - pivot).days), 1)
    before, after = db.session.execute(
        select(
            func.sum(case((Concern.occurred_on < pivot, 1), else_=0)),
            func.sum(case((Concern.occurred_on >= pivot, 1), else_=0)),
        ).where(
            Concern.station_id == station_id,
            Concern.occurred_on >= pivot - timedelta(days=window),
            Concern.occurred_on < pivot + timedelta(days=window),
        )
    ).one()
    return BeforeAfter(pivot, window, int(before or 0), int(after or 0))
