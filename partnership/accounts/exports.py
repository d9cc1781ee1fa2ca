"""Row builders for the account list and the audit log exports (administrators only)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask_babel import gettext as _

from partnership.accounts.models import User
from partnership.audit import AuditEntry
from partnership.spreadsheets import Table


def users_table(users: Iterable[User]) -> Table:
    headers = [_("Email"), _("Name"), _("Role"), _("Organisation"), _("Time zone"), _("Active"),
               _("Last sign-in")]  # fmt: skip
    rows = (
        [u.email, u.name, u.role.label, u.organisation.name, u.timezone, u.active, u.last_login_at]
        for u in users
    )
    return Table(headers, rows, sheet_name=_("Accounts"))


def audit_table(entries: Iterable[AuditEntry]) -> Table:
    headers = [_("When (UTC)"), _("Who"), _("Action"), _("Record type"), _("Record id"),
               _("Record"), _("Changes"), _("Address")]  # fmt: skip
    rows = (
        [
            e.at,
            e.actor,
            e.action,
            e.entity_type,
            e.entity_id,
            e.entity_label,
            json.dumps(e.changes, ensure_ascii=False),
            e.ip,
        ]  # fmt: skip
        for e in entries
    )
    return Table(headers, rows, sheet_name=_("Audit log"))
