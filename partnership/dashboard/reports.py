"""The Excel programme report: a summary sheet with indicators and native charts, then one
sheet per area, streamed from the database in constant-memory mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from partnership.dashboard.models import ReportJob
from partnership.dashboard.services import (
    DashboardFilters,
    station_and_officer_counts,
    station_ids_query,
)
from partnership.extensions import db
from partnership.forms import country_name
from partnership.organisations.models import Organisation, Person, PersonKind
from partnership.permissions import Role
from partnership.spreadsheets import Indicator, ReportSheet, Table, write_report_workbook


@dataclass
class Section:
    """One sheet: how many rows it will have, and the rows themselves, streamed."""

    name: str
    headers: list[str]
    count: Callable[[], int]
    rows: Callable[[], Iterator[list]]
    totals: tuple[int, ...] = ()


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _stream(stmt: Select, build: Callable) -> Iterator[list]:  # noqa: ANN001
    for obj in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield build(obj)


def stations_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    officers = (
        select(func.count(Person.id))
        .where(
            Person.organisation_id == Organisation.id,
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
        )  # fmt: skip
        .correlate(Organisation)
        .scalar_subquery()
    )
    stmt = (
        select(Organisation, officers.label("officers"))
        .options(joinedload(Organisation.command))
        .where(Organisation.id.in_(station_ids_query(user, filters)))
        .order_by(Organisation.country, Organisation.name)
    )

    def rows() -> Iterator[list]:
        for org, count in db.session.execute(stmt.execution_options(yield_per=1000)):
            yield [org.name, org.kind.label, org.command.name if org.command else "",
                   country_name(org.country), org.city, org.target_visit_days, count]  # fmt: skip

    return Section(
        _("Stations"),
        [
            _("Station"),
            _("Kind"),
            _("Command"),
            _("Country"),
            _("City"),
            _("Target visit interval (days)"),
            _("Officers posted now"),
        ],  # fmt: skip
        lambda: _count(stmt),
        rows,
        totals=(6,),
    )


def officers_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    stmt = (
        select(Person)
        .options(joinedload(Person.organisation))
        .where(
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
            Person.organisation_id.in_(station_ids_query(user, filters)),
        )  # fmt: skip
        .order_by(Person.name, Person.id)
    )
    return Section(
        _("Officers"),
        [_("Name"), _("Rank"), _("Unit"), _("Current station")],
        lambda: _count(stmt),
        lambda: _stream(stmt, lambda p: [p.name, p.rank, p.unit, p.organisation.name]),
    )


def report_sections(user, filters: DashboardFilters) -> list[Section]:  # noqa: ANN001
    sections = [stations_section(user, filters)]
    if user.role is not Role.VIEWER:  # viewers get aggregates, not lists of people
        sections.append(officers_section(user, filters))
    return sections


def report_path(job: ReportJob) -> Path:
    folder = Path(current_app.instance_path) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"report-{job.id}.xlsx"


def build_report(
    job: ReportJob, on_total: Callable[[int], None], progress: Callable[[int], None]
) -> Path:
    user = job.user
    filters = DashboardFilters.from_params(job.params)
    sections = report_sections(user, filters)
    on_total(sum(section.count() for section in sections))
    stations, officers = station_and_officer_counts(user, filters)
    indicators = [
        Indicator(_("Police stations and posts covered"), stations),
        Indicator(_("Officers posted there now"), officers),
    ]
    filter_rows = [
        (_("Period"), f"{filters.start.isoformat()} – {filters.end.isoformat()}"),
        (_("Country"), country_name(filters.country) if filters.country else _("All")),
        (_("Command"), _name(filters.command_id) or _("All")),
        (_("Station"), _name(filters.station_id) or _("All")),
        (_("Prepared for"), f"{user.name} ({user.role.label})"),
        (_("Generated on"), datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    path = report_path(job)
    write_report_workbook(
        str(path),
        _("Partnership programme report"),
        filter_rows,
        indicators,
        [],
        [ReportSheet(Table(s.headers, s.rows(), s.name), totals=s.totals) for s in sections],
        progress=progress,
    )
    return path


def _name(organisation_id: int | None) -> str:
    if not organisation_id:
        return ""
    return (
        db.session.scalar(select(Organisation.name).where(Organisation.id == organisation_id)) or ""
    )
