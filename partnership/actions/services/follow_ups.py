"""Follow-ups of an action point: dated notes that move it on, acknowledgement by the
officer, and verification by the other side."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

from partnership.accounts.models import User
from partnership.actions.models import (
    ActionPoint,
    ActionStatus,
    FollowUp,
    Side,
)
from partnership.actions.services.action_points import (
    ACTION_POINT_LIFECYCLE,
    allowed_status_changes,
    check_transition,
)
from partnership.actions.services.concerns import today
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import TransitionError, change_status
from partnership.mixins import utcnow
from partnership.permissions import (
    can_acknowledge_action_point,
    can_verify_action_point,
    side_of,
)
from partnership.signals import action_point_acknowledged


def add_follow_up(
    point: ActionPoint,
    user: User,
    *,
    note: str = "",
    on_date: date | None = None,
    to_status: ActionStatus | None = None,
    action_taken: str = "",
    reason: str = "",
    meeting_id: int | None = None,
) -> FollowUp:
    """A dated note, optionally moving the point on. Done needs the action taken; dropping
    needs a reason."""
    note, action_taken, reason = note.strip(), action_taken.strip(), reason.strip()
    on_date = on_date or today()
    if on_date > today():
        raise FieldError("on_date", _("A follow-up cannot be dated in the future."))
    from_status = point.status
    if to_status is not None and to_status is not point.status:
        if to_status not in allowed_status_changes(point, user):
            check_transition(point, to_status)
            raise TransitionError(_("You cannot make this status change."))
        if to_status is ActionStatus.DONE:
            if not action_taken:
                raise FieldError("action_taken", _("Describe the action taken."))
            point.action_taken = action_taken
            point.done_on = on_date
            point.done_by_id = user.id
            point.done_side = Side(side_of(user))
        elif to_status is ActionStatus.DROPPED:
            if not reason:
                raise FieldError("reason", _("Give the reason for dropping it."))
            point.dropped_reason = reason
        elif to_status is ActionStatus.REOPENED:
            _clear_completion(point)
        change_status(ACTION_POINT_LIFECYCLE, point, to_status, user, reason)
    else:
        to_status = None
        if not note:
            raise FieldError("note", _("Write the follow-up note."))
    follow_up = FollowUp(
        action_point=point,
        user_id=user.id,
        on_date=on_date,
        note=note or (action_taken if to_status is ActionStatus.DONE else reason),
        from_status=from_status if to_status else None,
        to_status=to_status,
        meeting_id=meeting_id,
    )
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


def _clear_completion(point: ActionPoint) -> None:
    point.done_on = None
    point.done_by_id = None
    point.done_side = None
    point.verified_at = None
    point.verified_by_id = None
    point.verified_adequate = None
    point.days_to_verification = None


def acknowledge_action_point(point: ActionPoint, user: User) -> None:
    if point.acknowledged_at is not None:
        raise TransitionError(_("This action point was already acknowledged."))
    if not can_acknowledge_action_point(user, point):
        raise TransitionError(_("Only officers acknowledge action points."))
    point.acknowledged_at = utcnow()
    point.acknowledged_by_id = user.id
    db.session.add(
        FollowUp(action_point=point, user_id=user.id, on_date=today(), note=_("Acknowledged."))
    )
    db.session.flush()
    action_point_acknowledged.send(point, user=user)


def verify_action_point(point: ActionPoint, user: User, adequate: bool, note: str = "") -> None:
    """The other side checks what was done. An inadequate result reopens the point."""
    check_transition(point, ActionStatus.VERIFIED)
    if not can_verify_action_point(user, point):
        raise TransitionError(
            _("Verification is by the other side from the one that marked it done.")
        )
    if not adequate and not note.strip():
        raise FieldError("note", _("Say what is still missing."))
    from_status = point.status
    now = utcnow()
    point.verified_at = now
    point.verified_by_id = user.id
    point.verified_adequate = adequate
    point.verification_note = note.strip()
    if adequate:
        change_status(ACTION_POINT_LIFECYCLE, point, ActionStatus.VERIFIED, user, note)
        point.days_to_verification = max(0, (now.date() - point.created_at.date()).days)
    else:
        change_status(ACTION_POINT_LIFECYCLE, point, ActionStatus.REOPENED, user, note)
        point.done_on = None
        point.done_side = None
        point.done_by_id = None
    db.session.add(
        FollowUp(
            action_point=point,
            user_id=user.id,
            on_date=now.date(),
            note=(_("Verified: adequate.") if adequate else _("Verified: not adequate."))
            + (f" {note.strip()}" if note.strip() else ""),
            from_status=from_status,
            to_status=point.status,
        )
    )
    db.session.flush()
