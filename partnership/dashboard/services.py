"""Dashboard filters and the cross-domain indicator queries (computed in SQL)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, timedelta

from flask import request
from sqlalchemy import Select, case, func, or_, select

from partnership import disclosure
from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import MAX_YEAR, MIN_YEAR, bounded_int
from partnership.organisations.models import STATION_KINDS, Organisation, Person, PersonKind
from partnership.permissions import station_scope

SUPPRESS_BELOW = disclosure.THRESHOLD


@dataclass
class DashboardFilters:
    """Period and place filters; they live in the URL so a view can be bookmarked and shared."""

    start: date
    end: date
    country: str = ""
    command_id: int | None = None
    station_id: int | None = None

    @classmethod
    def from_request(cls) -> DashboardFilters:
        return cls.from_params(request.args)

    @classmethod
    def from_params(cls, params) -> DashboardFilters:  # noqa: ANN001
        today = date.today()

        def parse(name: str, default: date) -> date:
            try:
                value = date.fromisoformat(str(params.get(name) or ""))
            except ValueError:
                return default
            # 9999-12-31 and the like break the period arithmetic; they are typos.
            return value if MIN_YEAR <= value.year <= MAX_YEAR else default

        start = parse("start", today - timedelta(days=365))
        end = parse("end", today)
        if end < start:
            start, end = end, start

        def as_int(name: str) -> int | None:
            return bounded_int(params.get(name), 1)

        return cls(
            start=start,
            end=end,
            country=str(params.get("country") or "").upper()[:2],
            command_id=as_int("command"),
            station_id=as_int("station"),
        )

    def to_params(self) -> dict:
        data = asdict(self)
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "country": data["country"] or None,
            "command": self.command_id,
            "station": self.station_id,
        }


def station_ids_query(user, filters: DashboardFilters) -> Select:  # noqa: ANN001
    """The ids of the stations the dashboard covers: the filters within the user's scope."""
    stmt = select(Organisation.id).where(Organisation.kind.in_(STATION_KINDS))
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if filters.country:
        stmt = stmt.where(Organisation.country == filters.country)
    if filters.command_id:
        stmt = stmt.where(
            or_(
                Organisation.command_id == filters.command_id, Organisation.id == filters.command_id
            )
        )
    if filters.station_id:
        stmt = stmt.where(Organisation.id == filters.station_id)
    return stmt


def suppress_small_counts(user) -> bool:  # noqa: ANN001
    """Whether the user's counts are suppressed; decided in partnership.disclosure."""
    return disclosure.applies_to(user)


def shown_count(value: disclosure.Figure | int, suppressed: bool) -> int | str:
    """A count as the page shows it: a number, or the text of a withheld figure."""
    shown = disclosure.as_figure(value, suppressed)
    return shown.text if shown.withheld else int(shown)


def station_and_officer_counts(user, filters: DashboardFilters) -> tuple[int, int]:  # noqa: ANN001
    ids = station_ids_query(user, filters).where(Organisation.active.is_(True))
    stations = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    officers = db.session.scalar(
        select(func.count(Person.id)).where(
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
            Person.organisation_id.in_(ids),
        )
    )
    return stations or 0, officers or 0


# ---- periods -------------------------------------------------------------------------------------


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months[-24:]  # charts show at most two years


def month_label(year: int, month: int) -> str:
    from flask_babel import format_date

    return format_date(date(year, month, 1), "MMM yy")


def _year_month(col):  # noqa: ANN001, ANN202
    from sqlalchemy import Integer, cast, extract

    return cast(extract("year", col), Integer), cast(extract("month", col), Integer)


def _period_bounds(filters: DashboardFilters):  # noqa: ANN202
    from datetime import datetime

    start = datetime(filters.start.year, filters.start.month, filters.start.day, tzinfo=UTC)
    end = datetime(filters.end.year, filters.end.month, filters.end.day, tzinfo=UTC) + timedelta(
        days=1
    )
    return start, end


def _place_restricted(user, filters: DashboardFilters) -> bool:  # noqa: ANN001
    return station_scope(user) is not None or bool(
        filters.country or filters.command_id or filters.station_id
    )


# ---- meetings ------------------------------------------------------------------------------------


@dataclass
class MeetingIndicators:
    planned: int
    held: int
    cancelled: int
    by_month: dict[tuple[int, int], tuple[int, int]]  # (planned, held)


def meeting_indicators(user, filters: DashboardFilters) -> MeetingIndicators:  # noqa: ANN001
    from sqlalchemy import case

    from meetings.models import HAPPENED_STATUSES, Meeting, MeetingStatus, meeting_stations

    start, end = _period_bounds(filters)
    year, month = _year_month(Meeting.starts_at)
    held = case((Meeting.status.in_(list(HAPPENED_STATUSES)), 1), else_=0)
    cancelled = case((Meeting.status == MeetingStatus.CANCELLED, 1), else_=0)
    stmt = (
        select(year, month, func.count(Meeting.id), func.sum(held), func.sum(cancelled))
        .where(Meeting.starts_at >= start, Meeting.starts_at < end)
        .group_by(year, month)
    )
    if _place_restricted(user, filters):
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
    from statistics import median

    from meetings.services.due import due_stations
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
        median_days_since=median([r.days_since for r in visited]) if visited else None,
        most_overdue=[r for r in rows if r.is_overdue][:10],
    )


@dataclass
class ReachIndicators:
    officers_sensitised: int
    officers_trained: int


def reach_indicators(user, filters: DashboardFilters) -> ReachIndicators:  # noqa: ANN001
    """Unique officers who attended (present or late) a meeting held in the period."""
    from sqlalchemy import case, distinct

    from meetings.models import (
        HAPPENED_STATUSES,
        AttendanceMark,
        AttendanceStatus,
        Attendee,
        Meeting,
        MeetingKind,
    )

    start, end = _period_bounds(filters)
    trained = case((Meeting.kind == MeetingKind.TRAINING, Attendee.person_id), else_=None)
    stmt = (
        select(func.count(distinct(Attendee.person_id)), func.count(distinct(trained)))
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .join(Person, Person.id == Attendee.person_id)
        .where(
            Person.kind == PersonKind.OFFICER,
            Meeting.status.in_(list(HAPPENED_STATUSES)),
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
            Attendee.id.in_(
                select(AttendanceMark.attendee_id).where(
                    AttendanceMark.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE])
                )
            ),
        )
    )
    if _place_restricted(user, filters):
        stmt = stmt.where(Attendee.station_id.in_(station_ids_query(user, filters)))
    sensitised, trained_count = db.session.execute(stmt).one()
    return ReachIndicators(int(sensitised or 0), int(trained_count or 0))


# ---- referrals -----------------------------------------------------------------------------------


@dataclass
class ReferralIndicators:
    """As the user may see them: monthly counts next to the period's totals are protected
    against subtraction (see partnership.disclosure)."""

    issued: disclosure.Figure
    redeemed: disclosure.Figure
    by_month: dict[tuple[int, int], tuple[disclosure.Figure, disclosure.Figure]]
    rate: float | None


def referral_indicators(user, filters: DashboardFilters) -> ReferralIndicators:  # noqa: ANN001
    from partnership.referrals.models import Redemption, Slip

    year, month = _year_month(Slip.issued_on)
    redeemed = func.count(Redemption.id)
    stmt = (
        select(year, month, func.count(Slip.id), redeemed)
        .outerjoin(Redemption, Redemption.slip_id == Slip.id)
        .where(Slip.issued_on >= filters.start, Slip.issued_on <= filters.end)
        .group_by(year, month)
    )
    if _place_restricted(user, filters):
        stmt = stmt.where(Slip.station_id.in_(station_ids_query(user, filters)))
    issued: dict[tuple[int, int], int] = {}
    redeemed: dict[tuple[int, int], int] = {}
    for y, m, n_issued, n_redeemed in db.session.execute(stmt):
        issued[(int(y), int(m))] = int(n_issued)
        redeemed[(int(y), int(m))] = int(n_redeemed)
    suppress = disclosure.applies_to(user)
    issued_cells, issued_total = disclosure.protect(issued, suppress, sum(issued.values()))
    redeemed_cells, redeemed_total = disclosure.protect(redeemed, suppress, sum(redeemed.values()))
    rate = None
    if not issued_total.withheld and not redeemed_total.withheld and int(issued_total):
        rate = int(redeemed_total) / int(issued_total)
    by_month = {k: (issued_cells[k], redeemed_cells[k]) for k in issued}
    return ReferralIndicators(issued_total, redeemed_total, by_month, rate)


# ---- the problem-solving loop ------------------------------------------------------------------


@dataclass
class LoopIndicators:
    open_points: int
    overdue_points: int
    escalated_points: int
    verified_in_period: int
    verified_on_time: int
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
    restricted = _place_restricted(user, filters)
    stations = station_ids_query(user, filters)
    is_open = ActionPoint.status.in_(list(OPEN_ACTION_STATUSES))
    start, end = _period_bounds(filters)
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
    open_n, overdue_n, escalated_n, verified_n, on_time_n = db.session.execute(points).one()

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
    suppress = disclosure.applies_to(user)
    month_cells, month_total = disclosure.protect(by_month, suppress, total)
    shown_categories = [c for c in ConcernCategory if by_category.get(c)]
    category_cells, category_total = disclosure.protect(
        {c: by_category[c] for c in shown_categories}, suppress, total
    )
    # The one total is withheld if either breakdown needs it withheld.
    total_shown = month_total if month_total.withheld else category_total
    return LoopIndicators(
        open_points=int(open_n or 0),
        overdue_points=int(overdue_n or 0),
        escalated_points=int(escalated_n or 0),
        verified_in_period=int(verified_n or 0),
        verified_on_time=int(on_time_n or 0),
        concerns_in_period=total_shown,
        concerns_by_month=month_cells,
        concerns_by_category=[(c.label, category_cells[c]) for c in shown_categories],
    )


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


# ---- training ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationRef:
    """A station named in a figure: plain values, so figures can be cached."""

    id: int
    name: str


@dataclass
class TrainingIndicators:
    officers: int
    trained: int
    flagged_stations: list
    gain: object  # curricula.stats.GainSummary

    @property
    def share(self) -> float | None:
        return self.trained / self.officers if self.officers else None


def training_indicators(
    user, filters: DashboardFilters, today: date | None = None
) -> TrainingIndicators:  # noqa: ANN001
    """Share of the officers posted now who completed a training (transfers included: the
    training moves with the officer), stations whose share fell after transfers, and the
    knowledge gain of the trainings in the period."""
    from curricula.services.coverage import coverage_for
    from curricula.services.knowledge import pooled_summary

    today = today or date.today()
    stations = list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.id.in_(station_ids_query(user, filters)), Organisation.active.is_(True)
            )
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )
    coverage = coverage_for(stations, since=today - timedelta(days=180))
    gain = pooled_summary(
        user,
        {"date_from": filters.start, "date_to": filters.end},
        station_ids=station_ids_query(user, filters) if _place_restricted(user, filters) else None,
    )
    return TrainingIndicators(
        officers=sum(c.officers for c in coverage),
        trained=sum(c.trained for c in coverage),
        flagged_stations=[
            StationRef(c.station.id, c.station.name) for c in coverage if c.needs_resensitisation
        ],
        gain=gain,
    )
