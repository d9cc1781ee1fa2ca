"""Onboarding from spreadsheets: organisations (commands, stations and posts with their
hierarchy, NGOs, services, academies) and people (officers with their station and posting date,
NGO staff, community representatives), through the one import runner. The accounts import
(``partnership.accounts.imports``) builds on the same pieces (``common``)."""

from partnership.organisations.imports.common import (
    ImportOutcome,
    OrganisationFinder,
    PlannedRow,
    column,
    duplicates,
    help_table,
    problems_of,
    run_onboarding,
    set_if_changed,
    template_table,
)
from partnership.organisations.imports.organisations import (
    ORGANISATION_COLUMNS,
    import_organisations,
    organisation_template,
)
from partnership.organisations.imports.people import PEOPLE_COLUMNS, import_people, people_template

__all__ = [
    "ORGANISATION_COLUMNS",
    "PEOPLE_COLUMNS",
    "ImportOutcome",
    "OrganisationFinder",
    "PlannedRow",
    "column",
    "duplicates",
    "help_table",
    "import_organisations",
    "import_people",
    "organisation_template",
    "people_template",
    "problems_of",
    "run_onboarding",
    "set_if_changed",
    "template_table",
]
