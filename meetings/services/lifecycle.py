"""The status lifecycle of a meeting: proposed, confirmed, postponed, cancelled, held,
minutes recorded. Every change is recorded with who, when and why."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from meetings.models import (
    Meeting,
    MeetingStatus,
    MeetingStatusChange,
    MinutesRevision,
)
from meetings.services.agenda import carry_concerns_forward, return_concerns
from partnership.accounts.models import User
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import Lifecycle, TransitionError, change_status
from partnership.mixins import utcnow
from partnership.signals import meeting_rescheduled

# ---- the status lifecycle ----------------------------------------------------------------------


ALLOWED_TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    # A proposed meeting that took place without being confirmed is recorded as held
    # (once it has started), so the past is never stuck at "proposed".
    MeetingStatus.PROPOSED: frozenset(
        {
            MeetingStatus.CONFIRMED,
            MeetingStatus.HELD,
            MeetingStatus.POSTPONED,
            MeetingStatus.CANCELLED,
        }
    ),
    MeetingStatus.CONFIRMED: frozenset(
        {MeetingStatus.HELD, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED}
    ),
    # A postponed meeting has a new date: it is confirmed again (or moved or cancelled again).
    MeetingStatus.POSTPONED: frozenset(
        {MeetingStatus.CONFIRMED, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED}
    ),
    MeetingStatus.HELD: frozenset({MeetingStatus.MINUTES_RECORDED}),
    MeetingStatus.MINUTES_RECORDED: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
}


MEETING_LIFECYCLE = Lifecycle(
    ALLOWED_TRANSITIONS,
    refusal=lambda current, target: _(
        "A meeting that is “%(current)s” cannot become “%(target)s”.",
        current=current.label,
        target=target.label,
    ),
)


def can_transition(meeting: Meeting, to: MeetingStatus, now: datetime | None = None) -> bool:
    """Whether the page offers the change: "held" only once the meeting has started."""
    if to is MeetingStatus.HELD and meeting.starts_at > (now or utcnow()):
        return False
    return MEETING_LIFECYCLE.can(meeting.status, to)


def _require(meeting: Meeting, to: MeetingStatus) -> None:
    MEETING_LIFECYCLE.check(meeting.status, to)


def log_status(
    meeting: Meeting,
    user: User | None,
    old: MeetingStatus | None,
    new: MeetingStatus,
    reason: str = "",
    previous: tuple[datetime, datetime] | None = None,
) -> MeetingStatusChange:
    change = MeetingStatusChange(
        meeting_id=meeting.id,
        user_id=user.id if user is not None else None,
        from_status=old,
        to_status=new,
        reason=reason,
        previous_starts_at=previous[0] if previous else None,
        previous_ends_at=previous[1] if previous else None,
    )
    db.session.add(change)
    return change


def _move_to(
    meeting: Meeting,
    user: User,
    to: MeetingStatus,
    reason: str = "",
    previous: tuple[datetime, datetime] | None = None,
) -> None:
    """The one way a meeting's status changes: checked, audited, kept in its status history,
    and a new sequence number so calendars pick the change up."""
    old = change_status(MEETING_LIFECYCLE, meeting, to, user, reason)
    meeting.sequence = (meeting.sequence or 0) + 1
    log_status(meeting, user, old, to, reason, previous)
    db.session.flush()


def confirm_meeting(meeting: Meeting, user: User) -> None:
    _require(meeting, MeetingStatus.CONFIRMED)
    meeting.confirmed_at = utcnow()
    meeting.confirmed_by_id = user.id
    _move_to(meeting, user, MeetingStatus.CONFIRMED)
    carry_concerns_forward(meeting, user)


def postpone_meeting(
    meeting: Meeting, user: User, new_start: datetime, new_end: datetime, reason: str
) -> None:
    """Move the meeting to a new date; the old date stays in its status history."""
    _require(meeting, MeetingStatus.POSTPONED)
    if new_end <= new_start:
        raise FieldError("end_time", _("The meeting must end after it starts."))
    if (new_start, new_end) == (meeting.starts_at, meeting.ends_at):
        raise FieldError("start_date", _("Give the new date: it is the same as before."))
    if not reason.strip():
        raise FieldError("reason", _("Say why the meeting is postponed."))
    previous = (meeting.starts_at, meeting.ends_at)
    meeting.starts_at, meeting.ends_at = new_start, new_end
    meeting.status_reason = reason.strip()
    _move_to(meeting, user, MeetingStatus.POSTPONED, reason.strip(), previous)
    meeting_rescheduled.send(meeting)


def cancel_meeting(meeting: Meeting, user: User, reason: str) -> None:
    _require(meeting, MeetingStatus.CANCELLED)
    if not reason.strip():
        raise FieldError("reason", _("Say why the meeting is cancelled."))
    meeting.cancelled_at = utcnow()
    meeting.cancelled_by_id = user.id
    meeting.status_reason = reason.strip()
    _move_to(meeting, user, MeetingStatus.CANCELLED, reason.strip())
    return_concerns(meeting, user)


def hold_meeting(meeting: Meeting, user: User, now: datetime | None = None) -> None:
    """Record that the meeting took place; it cannot be held before it has started."""
    _require(meeting, MeetingStatus.HELD)
    if meeting.starts_at > (now or utcnow()):
        raise TransitionError(_("A meeting cannot be marked held before it starts."))
    meeting.held_at = utcnow()
    meeting.held_by_id = user.id
    _move_to(meeting, user, MeetingStatus.HELD)


def save_minutes(meeting: Meeting, body: str, user: User) -> MinutesRevision | None:
    """Keep a new revision of the minutes; the first minutes of a held meeting record it."""
    if not meeting.status.happened:
        raise FieldError("body", _("Minutes are written once the meeting has been held."))
    body = body.strip()
    if not body:
        raise FieldError("body", _("Write the minutes before saving."))
    current = meeting.minutes_revisions[0] if meeting.minutes_revisions else None
    if current is not None and current.body == body:
        return None
    revision = MinutesRevision(
        meeting_id=meeting.id,
        number=(current.number + 1) if current else 1,
        body=body,
        user_id=user.id,
    )
    db.session.add(revision)
    if meeting.status is MeetingStatus.HELD:
        _move_to(meeting, user, MeetingStatus.MINUTES_RECORDED)
    db.session.flush()
    db.session.refresh(meeting, ["minutes_revisions"])
    return revision
