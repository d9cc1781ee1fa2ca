"""The dashboard's filters (period and place, within the user's scope), the periods they cover,
and how a count is shown to a user (small counts: see partnership.disclosure)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, date, timedelta

from flask import request
from sqlalchemy import Select, func, or_, select

from partnership import disclosure
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


def year_month(col):  # noqa: ANN001, ANN202
    from sqlalchemy import Integer, cast, extract

    return cast(extract("year", col), Integer), cast(extract("month", col), Integer)


def date_year_month(col):  # noqa: ANN001, ANN202
    """``year_month`` of a ``Date`` column (cheaper on SQLite: see ``database.date_year``)."""
    from partnership.database import date_month, date_year

    return date_year(col), date_month(col)


def period_bounds(filters: DashboardFilters):  # noqa: ANN202
    from datetime import datetime

    start = datetime(filters.start.year, filters.start.month, filters.start.day, tzinfo=UTC)
    end = datetime(filters.end.year, filters.end.month, filters.end.day, tzinfo=UTC) + timedelta(
        days=1
    )
    return start, end


def place_restricted(user, filters: DashboardFilters) -> bool:  # noqa: ANN001
    return station_scope(user) is not None or bool(
        filters.country or filters.command_id or filters.station_id
    )
