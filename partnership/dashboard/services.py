"""Dashboard filters and the cross-domain indicator queries (computed in SQL)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from flask import request
from sqlalchemy import Select, func, or_, select

from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation, Person, PersonKind
from partnership.permissions import Role, station_scope

SUPPRESS_BELOW = 5


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
                return date.fromisoformat(str(params.get(name) or ""))
            except ValueError:
                return default

        start = parse("start", today - timedelta(days=365))
        end = parse("end", today)
        if end < start:
            start, end = end, start

        def as_int(name: str) -> int | None:
            try:
                return int(params.get(name) or 0) or None
            except (TypeError, ValueError):
                return None

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
    return user.role in (Role.OFFICER, Role.VIEWER)


def shown_count(value: int, suppressed: bool) -> int | str:
    """Counts of 1 to 4 are shown as "<5" where small numbers could identify people."""
    if suppressed and 0 < value < SUPPRESS_BELOW:
        return f"<{SUPPRESS_BELOW}"
    return value


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
