"""The roles of the partnership and the groups the access rules speak of.

Vocabulary only: this module imports nothing of ours, so models, forms and the policy modules can
all use it without forming an import cycle. Decisions about what a role may do or see live in
``partnership.permissions`` (and small counts in ``partnership.disclosure``).
"""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    TRAINER = "trainer"
    OFFICER = "officer"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("NGO coordinator"),
    Role.TRAINER: _l("Trainer"),
    Role.OFFICER: _l("Police officer"),
    Role.VIEWER: _l("Viewer (donor, M&E)"),
}

ALL_ROLES = frozenset(Role)
ADMIN_ONLY = frozenset({Role.ADMIN})
# Edit the whole programme.
NGO_EDITORS = frozenset({Role.ADMIN, Role.COORDINATOR})
# Work for an NGO of the partnership (read names, security notes, materials).
NGO_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER})
TRAINING_EDITORS = frozenset({Role.ADMIN, Role.COORDINATOR, Role.TRAINER})
# Act for the police side; always scoped to their station or command.
POLICE_ROLES = frozenset({Role.OFFICER})
# Read aggregates only: no lists of people, no concern summaries, no minutes.
AGGREGATE_ONLY = frozenset({Role.VIEWER})
