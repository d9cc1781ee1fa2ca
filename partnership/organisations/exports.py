"""Row builders for organisation and people exports."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from partnership.forms import country_name
from partnership.organisations.models import Organisation, Person
from partnership.spreadsheets import Table


def organisations_table(orgs: Iterable[Organisation]) -> Table:
    headers = [
        _("ID"), _("Name"), _("Kind"), _("Country"), _("Region"), _("City"), _("Command"),
        _("Target visit interval (days)"), _("Time zone"), _("Work phone"), _("Work email"),
        _("Active"), _("Reference"),
    ]  # fmt: skip
    rows = (
        [
            o.id,
            o.name,
            o.kind.label,
            country_name(o.country),
            o.region,
            o.city,
            o.command.name if o.command else "",
            o.target_visit_days,
            o.timezone,
            o.phone,
            o.email,
            o.active,
            o.reference or "",
        ]  # fmt: skip
        for o in orgs
    )
    return Table(headers, rows, sheet_name=_("Organisations"))


def people_table(people: Iterable[Person]) -> Table:
    headers = [
        _("ID"), _("Name"), _("Kind"), _("Organisation or station"), _("Rank"), _("Unit"),
        _("Position"), _("Work phone"), _("Work email"), _("Active"), _("Reference"),
    ]  # fmt: skip
    rows = (
        [
            p.id,
            p.name,
            p.kind.label,
            p.organisation.name if p.organisation else "",
            p.rank,
            p.unit,
            p.position,
            p.phone,
            p.email,
            p.active,
            p.reference or "",
        ]  # fmt: skip
        for p in people
    )
    return Table(headers, rows, sheet_name=_("People"))
