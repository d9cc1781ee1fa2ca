"""Row builders for organisation and people exports."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask_babel import gettext as _

from partnership.forms import country_name
from partnership.organisations.models import Organisation, Person
from partnership.permissions import person_name, sees_contact_details
from partnership.spreadsheets import Table

if TYPE_CHECKING:
    from partnership.accounts.models import User


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


def people_table(people: Iterable[Person], user: User) -> Table:
    """People as ``user`` may see them: community representatives' names and contact details
    only for NGO roles."""
    headers = [
        _("ID"), _("Name"), _("Kind"), _("Organisation or station"), _("Rank"), _("Unit"),
        _("Position"), _("Work phone"), _("Work email"), _("Active"), _("Reference"),
    ]  # fmt: skip
    rows = (
        [
            p.id,
            person_name(user, p),
            p.kind.label,
            p.organisation.name if p.organisation else "",
            p.rank,
            p.unit,
            p.position,
            p.phone if sees_contact_details(user, p) else "",
            p.email if sees_contact_details(user, p) else "",
            p.active,
            p.reference or "",
        ]  # fmt: skip
        for p in people
    )
    return Table(headers, rows, sheet_name=_("People"))
