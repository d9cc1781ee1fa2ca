"""Row builders for concern and action point exports. Restricted details are a column only for
the roles that may read them."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from partnership.actions.models import ActionPoint, Concern
from partnership.spreadsheets import Table


def concerns_table(concerns: Iterable[Concern], with_restricted: bool) -> Table:
    headers = [
        _("ID"), _("Date"), _("Category"), _("Station"), _("Place"), _("Raised by"),
        _("People affected"), _("Status"), _("Summary"), _("Consent"), _("Sealed"),
    ]  # fmt: skip
    if with_restricted:
        headers.append(_("Restricted details"))

    def row(c: Concern) -> list:
        values = [
            c.id, c.occurred_on, c.category.label, c.station.name, c.place,
            c.raised_by.name if c.raised_by else "", c.people_affected, c.status.label,
            c.summary, c.consent_scope.label, c.sealed,
        ]  # fmt: skip
        if with_restricted:
            values.append(c.restricted_details)
        return values

    return Table(headers, (row(c) for c in concerns), sheet_name=_("Concerns"))


def action_points_table(points: Iterable[ActionPoint]) -> Table:
    headers = [
        _("ID"), _("What"), _("Station"), _("Police owner"), _("NGO owner"), _("Due"),
        _("Priority"), _("Status"), _("Action taken"), _("Done on"), _("Verified adequate"),
    ]  # fmt: skip
    rows = (
        [
            p.id,
            p.title,
            p.station.name,
            p.police_owner.name if p.police_owner else "",
            p.ngo_owner.name if p.ngo_owner else "",
            p.due_on,
            p.priority.label,
            p.status.label,
            p.action_taken,
            p.done_on,
            p.verified_adequate,
        ]  # fmt: skip
        for p in points
    )
    return Table(headers, rows, sheet_name=_("Action points"))
