"""The Excel programme report: a summary sheet with indicators and native charts
(``summary``), then one sheet per area (``sections``), streamed from the database in
constant-memory mode."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import select

from partnership.dashboard.models import ReportJob
from partnership.dashboard.reports.sections import report_sections
from partnership.dashboard.reports.summary import summary_of
from partnership.dashboard.services import DashboardFilters
from partnership.extensions import db
from partnership.forms import country_name
from partnership.i18n import DEFAULT_LANGUAGE, format_locale_for, normalise_language
from partnership.organisations.models import Organisation
from partnership.spreadsheets import ReportSheet, Table, write_report_workbook


def report_path(job: ReportJob) -> Path:
    folder = Path(current_app.instance_path) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"report-{job.id}.xlsx"


def build_report(
    job: ReportJob, on_total: Callable[[int], None], progress: Callable[[int], None]
) -> Path:
    """Write the workbook in the language of the page that asked for it (or the user's own)."""
    language = normalise_language(job.params.get("lang")) or normalise_language(job.user.locale)
    with force_locale(format_locale_for(language or DEFAULT_LANGUAGE)):
        return _build_report(job, on_total, progress)


def _build_report(
    job: ReportJob, on_total: Callable[[int], None], progress: Callable[[int], None]
) -> Path:
    user = job.user
    filters = DashboardFilters.from_params(job.params)
    sections = report_sections(user, filters)
    on_total(sum(section.count() for section in sections))
    indicators, charts = summary_of(user, filters)
    filter_rows = [
        (_("Period"), f"{format_date(filters.start)} – {format_date(filters.end)}"),
        (_("Country"), country_name(filters.country) if filters.country else _("All")),
        (_("Command"), _name(filters.command_id) or _("All")),
        (_("Station"), _name(filters.station_id) or _("All")),
        (_("Prepared for"), f"{user.name} ({user.role.label})"),
        (_("Generated on"), format_datetime(datetime.now(UTC), "short", rebase=False) + " UTC"),
    ]
    path = report_path(job)
    write_report_workbook(
        str(path),
        _("Partnership programme report"),
        filter_rows,
        indicators,
        charts,
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
