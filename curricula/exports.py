"""Row builders for curricula exports."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from curricula.models import Module
from partnership.spreadsheets import Table


def modules_table(modules: Iterable[Module]) -> Table:
    headers = [
        _("ID"), _("Code"), _("Version"), _("Title"), _("Audience"), _("Duration (hours)"),
        _("Maximum score"), _("Pass mark"), _("Source"),
    ]  # fmt: skip
    rows = (
        [
            m.id,
            m.code,
            m.version_number,
            m.title,
            m.audience.label,
            m.duration_hours,
            m.max_score,
            m.pass_mark,
            m.source,
        ]  # fmt: skip
        for m in modules
    )
    return Table(headers, rows, sheet_name=_("Modules"))
