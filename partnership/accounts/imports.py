"""Onboarding from spreadsheets: user accounts, and the one place the three onboarding imports
(organisations, people, accounts) are listed for the import pages.

Accounts are matched by email. A new account gets no usable password: its owner sets one with
"Forgot your password?" on the sign-in page, so no password ever travels in a spreadsheet.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from partnership.accounts.models import User
from partnership.accounts.services import end_all_sessions
from partnership.extensions import db
from partnership.organisations import imports as org_imports
from partnership.organisations.imports import (
    ImportOutcome,
    OrganisationFinder,
    PlannedRow,
    column,
    duplicates,
    help_table,
    problems_of,
    run_onboarding,
    template_table,
)
from partnership.organisations.models import POLICE_KINDS
from partnership.permissions import role_needs_police_organisation
from partnership.roles import Role
from partnership.spreadsheets import Table

# A stored hash no password can match (argon2 refuses it): the account exists, but nobody can
# sign in until its owner sets a password through a reset link.
UNUSABLE_PASSWORD = "!unset"  # noqa: S105 - a marker, not a password

USER_COLUMNS = (
    column("email", _l("Sign-in email; a known email updates that account."), True),
    column("name", _l("The person's name."), True),
    column("role", _l("One of: %(v)s.", v=", ".join(r.value for r in Role)), True),
    column(
        "organisation",
        _l("Reference or exact name of the organisation; officers: their station or command."),
        True,
    ),  # fmt: skip
    column("timezone", _l("Time zone, e.g. Africa/Nairobi (default).")),
)


def user_template() -> list[Table]:
    example = [
        ["coordinator@example.org", "Grace Wanjiru", "coordinator", "NGO-HRI", "Africa/Nairobi"],
        ["ocs.kisauni@example.org", "Peter Otieno", "officer", "CST-KIS", ""],
    ]
    return [template_table(USER_COLUMNS, example, _("Accounts")), help_table(USER_COLUMNS)]


def import_users(filename: str, data: bytes, acting: User | None = None) -> ImportOutcome:
    """Accounts of a file, matched by email; checked, then written all or none."""
    from zoneinfo import available_timezones

    finder = OrganisationFinder()
    zones = available_timezones() | {"UTC"}
    repeated: dict[int, int] = {}
    known: dict[str, User] = {}
    new_users: list[User] = []

    def prepare(rows: list) -> None:
        emails = [r.get("email", "").lower() for r in rows]
        repeated.update(duplicates(rows, emails))
        known.update(
            (u.email.lower(), u)
            for u in db.session.scalars(
                select(User).where(func.lower(User.email).in_(sorted(set(emails) - {""})))
            )
        )

    def check_row(row) -> PlannedRow:  # noqa: ANN001
        line = row.line
        problems: list[str] = []
        email = row.get("email", "").lower()
        existing = known.get(email)
        if not email:
            problems.append(_("the email is missing"))
        elif line in repeated:
            problems.append(_("the email is also on line %(line)d", line=repeated[line]))
        elif existing is None:
            try:
                validate_email(email, check_deliverability=False)
            except EmailNotValidError:
                problems.append(_("“%(email)s” is not an email address", email=email))
        name = row.get("name", "")
        if not name:
            problems.append(_("the name is missing"))
        elif len(name) > 120:
            problems.append(_("the name is longer than %(n)d characters", n=120))
        role = next((r for r in Role if r.value == row.get("role", "").lower()), None)
        if role is None:
            problems.append(
                _("unknown role (use one of: %(v)s)", v=", ".join(r.value for r in Role))
            )
        org, why = finder.find(row.get("organisation", ""))
        if org is None:
            problems.append(why)
        elif role is not None and role_needs_police_organisation(role) and (
            org.kind not in POLICE_KINDS
        ):
            problems.append(_("an officer account belongs to a police station or command"))
        elif role is not None and not role_needs_police_organisation(role) and (
            org.kind in POLICE_KINDS
        ):
            problems.append(_("accounts of police units have the officer role"))
        zone = row.get("timezone", "")
        if zone and zone not in zones:
            problems.append(_("unknown time zone “%(zone)s”", zone=zone))
        if (
            existing is not None
            and acting is not None
            and existing.id == acting.id
            and role is not None
            and (
                (role, org.id if org is not None else existing.organisation_id)
                != (existing.role, existing.organisation_id)
            )
        ):
            problems.append(_("you cannot change your own role or organisation"))
        problems_of(problems)
        if existing is None:
            user = User(
                email=email, name=name, role=role, organisation_id=org.id,
                timezone=zone or "Africa/Nairobi", password_hash=UNUSABLE_PASSWORD, active=True,
            )  # fmt: skip
            new_users.append(user)
            return PlannedRow(line, "create", email, name)
        changed: list[str] = []
        access_changed = (role, org.id) != (existing.role, existing.organisation_id)
        org_imports.set_if_changed(
            existing,
            {"name": name, "role": role, "organisation_id": org.id, **({"timezone": zone} if zone else {})},
            changed,
        )  # fmt: skip
        if access_changed:
            # What the user may see changed: they sign in again, as after an edit on the page.
            end_all_sessions(existing)
        return PlannedRow(line, "update" if changed else "unchanged", email, name, changed)

    def write_all(planned: list[PlannedRow], errors: list[tuple[int, str]]) -> list[PlannedRow]:
        db.session.add_all(new_users)
        db.session.flush()
        return planned

    return run_onboarding(filename, data, USER_COLUMNS, prepare, check_row, write_all)


# ---- the onboarding imports the pages offer ----------------------------------------------------


@dataclass(frozen=True)
class ImportKind:
    key: str
    title: object
    template: Callable[[], list[Table]]
    run: Callable[..., ImportOutcome]


IMPORT_KINDS: dict[str, ImportKind] = {
    "organisations": ImportKind(
        "organisations", _l("Organisations and stations"), org_imports.organisation_template,
        lambda filename, data, user: org_imports.import_organisations(filename, data),
    ),
    "people": ImportKind(
        "people", _l("People"), org_imports.people_template,
        lambda filename, data, user: org_imports.import_people(filename, data),
    ),
    "users": ImportKind("users", _l("User accounts"), user_template, import_users),
}  # fmt: skip


# ---- the uploaded file between the preview and the confirmation --------------------------------

_STAGED_MAX_AGE = 24 * 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _staging_folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def stage_upload(user: User, filename: str, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; returns the token the preview posts back.
    The file is the uploader's alone: its name carries their id."""
    folder = _staging_folder()
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > _STAGED_MAX_AGE:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    path = folder / f"{user.id}-{token}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return token


def staged_upload(user: User, token: str) -> tuple[str, bytes] | None:
    if not _TOKEN.match(token or ""):
        return None
    for suffix in (".xlsx", ".csv"):
        path = _staging_folder() / f"{user.id}-{token}{suffix}"
        if path.exists():
            return path.name, path.read_bytes()
    return None


def discard_upload(user: User, token: str) -> None:
    if _TOKEN.match(token or ""):
        for suffix in (".xlsx", ".csv"):
            (_staging_folder() / f"{user.id}-{token}{suffix}").unlink(missing_ok=True)
