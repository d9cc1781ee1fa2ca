"""Status changes, one way for every record that has a status (meetings, concerns, action
points, referral schemes, curriculum adoption).

Each kind of record declares its allowed transitions as data in a ``Lifecycle``; one function,
``change_status``, checks a change against it, records who and when on the record, and writes
the audit entry. A refused change raises the one ``TransitionError``, whose message is shown to
the user as it is.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from partnership.audit import record_event
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.signals import status_changed


class TransitionError(Exception):
    """A status change the lifecycle does not allow (or not for this user)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Lifecycle:
    """The allowed transitions of one kind of record, and where it records who and when."""

    transitions: Mapping[enum.Enum, frozenset[enum.Enum]]
    # The message of a refused change, given the current and the wanted status.
    refusal: Callable[[enum.Enum, enum.Enum], str]
    # Attributes of the record that keep when the status last changed and by whom, if it has them.
    changed_at: str | None = None
    changed_by: str | None = None
    attribute: str = "status"

    def allowed(self, current: enum.Enum) -> frozenset[enum.Enum]:
        return self.transitions[current]

    def can(self, current: enum.Enum, to: enum.Enum) -> bool:
        return to in self.transitions[current]

    def check(self, current: enum.Enum, to: enum.Enum) -> None:
        if not self.can(current, to):
            raise TransitionError(self.refusal(current, to))


def change_status(
    lifecycle: Lifecycle, record: Any, to: enum.Enum, user: Any, reason: str = ""
) -> enum.Enum:
    """Move ``record`` to ``to`` if its lifecycle allows it; record who and when on the record
    (where it keeps them) and in the audit log; flush; announce it (``status_changed``). Returns
    the old status."""
    old = getattr(record, lifecycle.attribute)
    lifecycle.check(old, to)
    setattr(record, lifecycle.attribute, to)
    if lifecycle.changed_at:
        setattr(record, lifecycle.changed_at, utcnow())
    if lifecycle.changed_by:
        setattr(record, lifecycle.changed_by, getattr(user, "id", None))
    db.session.flush()
    record_event(
        "status",
        record,
        user=user,
        **{"from": old.value, "to": to.value, "reason": reason.strip()},
    )
    db.session.flush()
    status_changed.send(record, user=user, old=old, new=to, reason=reason)
    return old
