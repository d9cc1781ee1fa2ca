"""Closing the loop: a concern is offered for resolution once its action points are verified,
and resolved with its outcome."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_CONCERN_STATUSES,
    ActionStatus,
    Concern,
    ConcernStatus,
)
from partnership.actions.services.concerns.queries import (
    SETTLED_POINT_STATUSES,
)
from partnership.actions.services.concerns.writes import CONCERN_LIFECYCLE, change_concern_status
from partnership.extensions import db
from partnership.forms import FieldError


def ready_to_resolve(concern: Concern) -> bool:
    """Still open, answered by at least one verified action point, and none left to act on or
    to verify. The concern is then offered for resolution; it never resolves by itself."""
    points = concern.action_points
    return (
        concern.status.is_open
        and any(p.status is ActionStatus.VERIFIED for p in points)
        and all(p.status in SETTLED_POINT_STATUSES for p in points)
    )


def resolution_outcome(concern: Concern) -> str:
    """The outcome to pre-fill: what was done under each verified action point, and what the
    verifying side noted."""
    lines = []
    for point in concern.action_points:
        if point.status is not ActionStatus.VERIFIED:
            continue
        line = f"AP-{point.id} {point.title}: {point.action_taken or '—'}"
        if point.verification_note:
            line += " " + _("(verified: %(note)s)", note=point.verification_note)
        lines.append(line)
    return "\n".join(lines)


def concerns_ready_to_resolve(concern_ids: list[int]) -> list[Concern]:
    """Of these concerns, those ready to resolve, with their action points loaded (two queries
    whatever their number)."""
    if not concern_ids:
        return []
    concerns = db.session.scalars(
        select(Concern)
        .options(selectinload(Concern.action_points))
        .where(Concern.id.in_(list(concern_ids)), Concern.status.in_(list(OPEN_CONCERN_STATUSES)))
        .order_by(Concern.id)
    )
    return [c for c in concerns if ready_to_resolve(c)]


def resolve_concern(concern: Concern, user: User, outcome: str) -> None:
    """Resolve the concern with its outcome written down; who and when go to the audit log."""
    CONCERN_LIFECYCLE.check(concern.status, ConcernStatus.RESOLVED)
    outcome = outcome.strip()
    if not outcome:
        raise FieldError("outcome", _("Write what came of it."))
    concern.outcome = outcome
    change_concern_status(concern, ConcernStatus.RESOLVED, user)
