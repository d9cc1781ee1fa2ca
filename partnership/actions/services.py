"""Queries and writes for concerns, action points and follow-ups.

Writes mutate and flush; the request (or CLI command) commits once. Every status change is a
function that checks the transition is allowed, records who and when, and is audited.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernCategory,
    ConcernNote,
    ConcernStatus,
    ConsentScope,
    FollowUp,
    Priority,
    Side,
)
from partnership.audit import AuditEntry
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.organisations.models import STATION_KINDS, Organisation, OrganisationKind
from partnership.permissions import (
    action_status_changes,
    can_acknowledge_action_point,
    can_edit_action_point,
    can_edit_concern,
    can_see_restricted_details,
    can_verify_action_point,
    may_own_ngo_side,
    may_own_police_side,
    sees_concern_summaries,
    side_of,
    station_scope,
)
from partnership.roles import NGO_ROLES, POLICE_ROLES


class TransitionError(Exception):
    """A status change the workflow does not allow (or not for this user)."""


class SealedError(Exception):
    """A sealed concern can only be annotated."""


def today() -> date:
    return date.today()


def escalation_days() -> int:
    return int(current_app.config.get("ESCALATION_DAYS", 14))


# ---- concerns: queries -------------------------------------------------------------------------


@dataclass
class ConcernFilters:
    q: str = ""
    status: str = ""
    category: str = ""
    station_id: int | None = None
    open_only: bool = False


def concern_query(user: User, filters: ConcernFilters) -> Select:
    stmt = select(Concern).options(joinedload(Concern.station), joinedload(Concern.raised_by))
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Concern.station_id.in_(scope))
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        searched = [func.lower(Concern.summary).like(like), func.lower(Concern.place).like(like)]
        if can_see_restricted_details(user):
            # Only roles that may read the details may find a concern by them.
            searched.append(func.lower(Concern.restricted_details).like(like))
        stmt = stmt.where(or_(*searched))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Concern.status == ConcernStatus(filters.status))
    if filters.open_only:
        stmt = stmt.where(Concern.status.in_(list(OPEN_CONCERN_STATUSES)))
    if filters.category:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Concern.category == ConcernCategory(filters.category))
    if filters.station_id:
        stmt = stmt.where(Concern.station_id == filters.station_id)
    return stmt.order_by(Concern.occurred_on.desc(), Concern.id.desc())


def get_concern_or_404(concern_id: int, user: User, for_edit: bool = False) -> Concern:
    concern = db.session.get(
        Concern,
        concern_id,
        options=[
            joinedload(Concern.station),
            joinedload(Concern.raised_by),
            joinedload(Concern.sealed_by),
            selectinload(Concern.notes).joinedload(ConcernNote.user),
            selectinload(Concern.action_points).joinedload(ActionPoint.station),
        ],
    )
    if concern is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and concern.station_id not in scope:
        abort(404)
    if not sees_concern_summaries(user):
        abort(403)
    if for_edit and not can_edit_concern(user, concern):
        abort(403)
    return concern


def open_concerns_of_stations(station_ids: list[int]) -> list[Concern]:
    if not station_ids:
        return []
    return list(
        db.session.scalars(
            select(Concern)
            .options(joinedload(Concern.station))
            .where(
                Concern.station_id.in_(station_ids),
                Concern.status.in_(list(OPEN_CONCERN_STATUSES)),
            )
            .order_by(Concern.occurred_on, Concern.id)
        )
    )


# ---- concerns: writes --------------------------------------------------------------------------

CONCERN_FIELDS = (
    "category",
    "station_id",
    "occurred_on",
    "place",
    "raised_by_id",
    "people_affected",
    "summary",
    "restricted_details",
    "consent_scope",
)

CONCERN_TRANSITIONS: dict[ConcernStatus, frozenset[ConcernStatus]] = {
    ConcernStatus.OPEN: frozenset(
        {
            ConcernStatus.ON_AGENDA,
            ConcernStatus.BEING_ADDRESSED,
            ConcernStatus.RESOLVED,
            ConcernStatus.CLOSED_UNRESOLVED,
        }
    ),
    ConcernStatus.ON_AGENDA: frozenset(
        {
            ConcernStatus.OPEN,
            ConcernStatus.BEING_ADDRESSED,
            ConcernStatus.RESOLVED,
            ConcernStatus.CLOSED_UNRESOLVED,
        }
    ),
    ConcernStatus.BEING_ADDRESSED: frozenset(
        {ConcernStatus.RESOLVED, ConcernStatus.CLOSED_UNRESOLVED}
    ),
    # A resolved or closed concern can be opened again when the problem comes back.
    ConcernStatus.RESOLVED: frozenset({ConcernStatus.OPEN}),
    ConcernStatus.CLOSED_UNRESOLVED: frozenset({ConcernStatus.OPEN}),
}


def _validate_concern(data: dict) -> None:
    station = db.session.get(Organisation, data.get("station_id") or 0)
    if station is None or station.kind not in STATION_KINDS:
        raise FieldError("station_id", _("Choose a police station or post."))
    raised_by_id = data.get("raised_by_id")
    if raised_by_id:
        org = db.session.get(Organisation, raised_by_id)
        if org is None or org.kind not in (
            OrganisationKind.NGO,
            OrganisationKind.COMMUNITY_GROUP,
            OrganisationKind.SERVICE,
        ):
            raise FieldError("raised_by_id", _("Choose the NGO, service or group that raised it."))
    if data.get("occurred_on") and data["occurred_on"] > today():
        raise FieldError("occurred_on", _("The date cannot be in the future."))


def _apply_concern(concern: Concern, data: dict) -> None:
    for field in CONCERN_FIELDS:
        if field in data:
            value = data[field]
            setattr(concern, field, value.strip() if isinstance(value, str) else value)
    concern.category = ConcernCategory(data["category"])
    concern.consent_scope = ConsentScope(data["consent_scope"])
    concern.occurred_month = concern.occurred_on.strftime("%Y-%m")


def create_concern(data: dict, user: User) -> Concern:
    """Log a concern; with a meeting already coming up at the station it goes straight onto
    that meeting's agenda (the agenda carries every open concern of its stations forward)."""
    from partnership.actions.meetings_link import has_upcoming_meeting

    _validate_concern(data)
    concern = Concern(created_by_id=user.id, status=ConcernStatus.OPEN)
    _apply_concern(concern, data)
    if has_upcoming_meeting(concern.station_id):
        concern.status = ConcernStatus.ON_AGENDA
        concern.status_changed_at = utcnow()
    db.session.add(concern)
    db.session.flush()
    return concern


def update_concern(concern: Concern, data: dict) -> Concern:
    if concern.sealed:
        raise SealedError()
    _validate_concern(data)
    _apply_concern(concern, data)
    db.session.flush()
    return concern


def concern_transitions(concern: Concern) -> frozenset[ConcernStatus]:
    return CONCERN_TRANSITIONS[concern.status]


def change_concern_status(concern: Concern, to: ConcernStatus, reason: str = "") -> None:
    if to not in CONCERN_TRANSITIONS[concern.status]:
        raise TransitionError(
            _(
                "A concern that is “%(from)s” cannot become “%(to)s”.",
                **{"from": concern.status.label, "to": to.label},
            )
        )
    if to is ConcernStatus.CLOSED_UNRESOLVED and not reason.strip():
        raise FieldError("reason", _("Give the reason for closing it unresolved."))
    concern.status = to
    concern.status_reason = reason.strip()
    concern.status_changed_at = utcnow()
    db.session.flush()


def put_concern_on_agenda(concern: Concern) -> bool:
    """An open concern placed on a meeting's agenda; ``False`` when it is already further on."""
    if concern.status is ConcernStatus.OPEN:
        change_concern_status(concern, ConcernStatus.ON_AGENDA)
        return True
    return False


def put_station_concerns_on_agenda(station_ids: list[int]) -> int:
    """Open concerns of the stations of a meeting now scheduled or confirmed move to "on an
    agenda"; called by the meetings domain. Returns how many moved."""
    moved = 0
    for concern in open_concerns_of_stations(list(station_ids)):
        moved += put_concern_on_agenda(concern)
    return moved


def take_station_concerns_off_agenda(station_ids: list[int]) -> int:
    """A meeting was cancelled: concerns "on an agenda" at stations that now have no upcoming
    meeting go back to "open", so the due lists and the next meeting pick them up again.
    Called by the meetings domain; returns how many moved."""
    from partnership.actions.meetings_link import has_upcoming_meeting

    moved = 0
    waiting = [sid for sid in station_ids if not has_upcoming_meeting(sid)]
    for concern in open_concerns_of_stations(waiting):
        if concern.status is ConcernStatus.ON_AGENDA:
            change_concern_status(concern, ConcernStatus.OPEN, _("The meeting was cancelled."))
            moved += 1
    return moved


def seal_concern(concern: Concern, user: User) -> None:
    if concern.sealed:
        raise SealedError()
    concern.sealed_at = utcnow()
    concern.sealed_by_id = user.id
    db.session.flush()


def annotate_concern(concern: Concern, user: User, text: str, restricted: bool) -> ConcernNote:
    if not text.strip():
        raise FieldError("text", _("Write the note."))
    note = ConcernNote(concern=concern, user_id=user.id, text=text.strip(), restricted=restricted)
    db.session.add(note)
    db.session.flush()
    return note


def visible_notes(concern: Concern, user: User) -> list[ConcernNote]:
    if can_see_restricted_details(user):
        return list(concern.notes)
    return [n for n in concern.notes if not n.restricted]


# ---- action points: queries --------------------------------------------------------------------


@dataclass
class ActionPointFilters:
    q: str = ""
    status: str = ""
    station_id: int | None = None
    side: str = ""
    overdue: bool = False
    open_only: bool = False
    meeting_id: int | None = None


def _action_point_options() -> list:
    return [
        joinedload(ActionPoint.station),
        joinedload(ActionPoint.police_owner),
        joinedload(ActionPoint.ngo_owner),
    ]


def action_point_query(user: User, filters: ActionPointFilters) -> Select:
    stmt = select(ActionPoint).options(*_action_point_options())
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(ActionPoint.station_id.in_(scope))
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(ActionPoint.title).like(like), func.lower(ActionPoint.details).like(like)
            )
        )
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(ActionPoint.status == ActionStatus(filters.status))
    if filters.open_only or filters.overdue:
        stmt = stmt.where(ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)))
    if filters.overdue:
        stmt = stmt.where(ActionPoint.due_on < today())
    if filters.station_id:
        stmt = stmt.where(ActionPoint.station_id == filters.station_id)
    if filters.side == Side.POLICE.value:
        stmt = stmt.where(ActionPoint.police_owner_id.is_not(None))
    elif filters.side == Side.NGO.value:
        stmt = stmt.where(ActionPoint.ngo_owner_id.is_not(None))
    if filters.meeting_id:
        stmt = stmt.where(ActionPoint.origin_meeting_id == filters.meeting_id)
    return stmt.order_by(ActionPoint.due_on, ActionPoint.id)


def get_action_point_or_404(point_id: int, user: User, for_edit: bool = False) -> ActionPoint:
    point = db.session.get(
        ActionPoint,
        point_id,
        options=[
            *_action_point_options(),
            joinedload(ActionPoint.done_by),
            joinedload(ActionPoint.verified_by),
            joinedload(ActionPoint.acknowledged_by),
            selectinload(ActionPoint.concerns),
            selectinload(ActionPoint.follow_ups).joinedload(FollowUp.user),
        ],
    )
    if point is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and point.station_id not in scope:
        abort(404)
    if for_edit and not can_edit_action_point(user, point):
        abort(403)
    return point


def open_action_points_of_stations(station_ids: list[int]) -> list[ActionPoint]:
    if not station_ids:
        return []
    return list(
        db.session.scalars(
            select(ActionPoint)
            .options(*_action_point_options())
            .where(
                ActionPoint.station_id.in_(station_ids),
                ActionPoint.status.in_([*OPEN_ACTION_STATUSES, ActionStatus.DONE]),
            )
            .order_by(ActionPoint.due_on, ActionPoint.id)
        )
    )


def police_owner_choices(station_id: int | None = None) -> list[User]:
    """Officer accounts; with a station, those at it or at its command."""
    stmt = (
        select(User)
        .options(joinedload(User.organisation))
        .where(User.role.in_(list(POLICE_ROLES)), User.active.is_(True))
        .order_by(User.name)
    )
    if station_id:
        station = db.session.get(Organisation, station_id)
        ids = {station_id} | ({station.command_id} if station and station.command_id else set())
        stmt = stmt.where(User.organisation_id.in_(ids))
    return list(db.session.scalars(stmt))


def ngo_owner_choices() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(list(NGO_ROLES)), User.active.is_(True))
            .order_by(User.name)
        )
    )


# ---- action points: writes ---------------------------------------------------------------------

ACTION_POINT_FIELDS = (
    "title",
    "details",
    "station_id",
    "police_owner_id",
    "ngo_owner_id",
    "due_on",
    "priority",
)

ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.OPEN: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED}
    ),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.DONE, ActionStatus.DROPPED}),
    ActionStatus.DONE: frozenset({ActionStatus.VERIFIED, ActionStatus.REOPENED}),
    ActionStatus.VERIFIED: frozenset({ActionStatus.REOPENED}),
    ActionStatus.REOPENED: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED}
    ),
    ActionStatus.DROPPED: frozenset({ActionStatus.REOPENED}),
}
# What an officer may do through a follow-up; the rest (drop, reopen) is for NGO editors.
OFFICER_STATUS_CHANGES = frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE})


def _validate_action_point(data: dict) -> list[Concern]:
    station = db.session.get(Organisation, data.get("station_id") or 0)
    if station is None or station.kind not in STATION_KINDS:
        raise FieldError("station_id", _("Choose a police station or post."))
    police_owner_id = data.get("police_owner_id")
    if police_owner_id:
        owner = db.session.get(User, police_owner_id)
        allowed = {station.id, station.command_id}
        if owner is None or not may_own_police_side(owner) or owner.organisation_id not in allowed:
            raise FieldError(
                "police_owner_id",
                _("The police owner must be an officer of this station or its command."),
            )
    ngo_owner_id = data.get("ngo_owner_id")
    if ngo_owner_id:
        owner = db.session.get(User, ngo_owner_id)
        if owner is None or not may_own_ngo_side(owner):
            raise FieldError("ngo_owner_id", _("The NGO owner must be an NGO account."))
    concern_ids = [int(i) for i in data.get("concern_ids") or []]
    concerns = (
        list(db.session.scalars(select(Concern).where(Concern.id.in_(concern_ids))))
        if concern_ids
        else []
    )
    if any(c.station_id != station.id for c in concerns) or len(concerns) != len(concern_ids):
        raise FieldError("concern_ids", _("Choose concerns raised at this station."))
    return concerns


def _apply_action_point(point: ActionPoint, data: dict) -> None:
    for field in ACTION_POINT_FIELDS:
        if field in data:
            value = data[field]
            setattr(point, field, value.strip() if isinstance(value, str) else value)
    point.priority = Priority(data.get("priority") or Priority.NORMAL.value)


def _address_concerns(concerns: list[Concern]) -> None:
    for concern in concerns:
        if concern.status in (ConcernStatus.OPEN, ConcernStatus.ON_AGENDA):
            change_concern_status(concern, ConcernStatus.BEING_ADDRESSED)


def create_action_point(data: dict, user: User, meeting_id: int | None = None) -> ActionPoint:
    concerns = _validate_action_point(data)
    point = ActionPoint(created_by_id=user.id, status=ActionStatus.OPEN)
    point.origin_meeting_id = meeting_id
    _apply_action_point(point, data)
    point.concerns = concerns
    db.session.add(point)
    _address_concerns(concerns)
    db.session.flush()
    return point


def update_action_point(point: ActionPoint, data: dict) -> ActionPoint:
    concerns = _validate_action_point(data)
    _apply_action_point(point, data)
    point.concerns = concerns
    _address_concerns(concerns)
    db.session.flush()
    return point


def allowed_status_changes(point: ActionPoint, user: User) -> list[ActionStatus]:
    """The statuses ``user`` may move the point to through a follow-up (not verification)."""
    allowed = action_status_changes(
        user, ACTION_TRANSITIONS[point.status] - {ActionStatus.VERIFIED}, OFFICER_STATUS_CHANGES
    )
    return [s for s in ActionStatus if s in allowed]


def _check_transition(point: ActionPoint, to: ActionStatus) -> None:
    if to not in ACTION_TRANSITIONS[point.status]:
        raise TransitionError(
            _(
                "An action point that is “%(from)s” cannot become “%(to)s”.",
                **{"from": point.status.label, "to": to.label},
            )
        )


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
            _check_transition(point, to_status)
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
        point.status = to_status
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


def verify_action_point(point: ActionPoint, user: User, adequate: bool, note: str = "") -> None:
    """The other side checks what was done. An inadequate result reopens the point."""
    _check_transition(point, ActionStatus.VERIFIED)
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
        point.status = ActionStatus.VERIFIED
        point.days_to_verification = max(0, (now.date() - point.created_at.date()).days)
    else:
        point.status = ActionStatus.REOPENED
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


def record_review_at_meeting(
    point: ActionPoint, user: User, meeting_id: int, note: str = ""
) -> None:
    db.session.add(
        FollowUp(
            action_point=point,
            user_id=user.id,
            on_date=today(),
            note=note.strip() or _("Reviewed at the meeting."),
            meeting_id=meeting_id,
        )
    )
    db.session.flush()


@dataclass
class TimelineEntry:
    at: object
    who: str
    kind: str  # "follow_up" or "change"
    text: str
    follow_up: FollowUp | None = None
    changes: dict | None = None


def action_point_timeline(point: ActionPoint) -> list[TimelineEntry]:
    """Follow-ups merged with the audit history of the point, newest first (one query)."""
    entries = [
        TimelineEntry(
            at=f.at,
            who=f.user.name if f.user else "",
            kind="follow_up",
            text=f.note,
            follow_up=f,
        )
        for f in point.follow_ups
    ]
    audit_rows = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.entity_type == "ActionPoint", AuditEntry.entity_id == point.id)
        .order_by(AuditEntry.id)
    )
    for row in audit_rows:
        entries.append(
            TimelineEntry(at=row.at, who=row.actor, kind=row.action, text="", changes=row.changes)
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)


# ---- escalation and review ---------------------------------------------------------------------


def is_overdue(point: ActionPoint, on: date | None = None) -> bool:
    return point.overdue_days(on or today()) > 0


def is_escalated(point: ActionPoint, on: date | None = None) -> bool:
    return point.overdue_days(on or today()) >= escalation_days()


@dataclass
class Review:
    overdue: list[ActionPoint]
    due: list[ActionPoint]
    later: list[ActionPoint]
    to_verify: list[ActionPoint]
    concerns: list[Concern]
    is_command: bool


def review_for(user: User, due_within_days: int = 14) -> Review:
    """An officer's review: the open action points of their station, or for a command's senior
    officers the escalated points of its stations and those they own; points the NGO side
    marked done, for them to verify; open concern summaries of their stations."""
    scope = sorted(station_scope(user) or [])
    is_command = user.organisation.kind is OrganisationKind.POLICE_COMMAND
    stmt = (
        select(ActionPoint)
        .options(*_action_point_options())
        .where(
            ActionPoint.station_id.in_(scope),
            ActionPoint.status.in_([*OPEN_ACTION_STATUSES, ActionStatus.DONE]),
        )
        .order_by(ActionPoint.due_on, ActionPoint.id)
    )
    if is_command:
        cutoff = today() - timedelta(days=escalation_days())
        stmt = stmt.where(
            or_(
                ActionPoint.police_owner_id == user.id,
                ActionPoint.due_on <= cutoff,
                ActionPoint.status == ActionStatus.DONE,
            )
        )
    points = list(db.session.scalars(stmt))
    now = today()
    horizon = now + timedelta(days=due_within_days)
    review = Review([], [], [], [], [], is_command)
    for point in points:
        if point.status is ActionStatus.DONE:
            if point.done_side is Side.NGO:
                review.to_verify.append(point)
        elif point.due_on < now:
            review.overdue.append(point)
        elif point.due_on <= horizon:
            review.due.append(point)
        else:
            review.later.append(point)
    review.concerns = open_concerns_of_stations(scope)
    return review


@dataclass
class StationPanel:
    concerns: list[Concern] | None
    points: list[ActionPoint]


def station_panel(station: Organisation, user: User) -> StationPanel:
    """What the station page shows of the loop; viewers get no concern summaries."""
    concerns = open_concerns_of_stations([station.id]) if sees_concern_summaries(user) else None
    return StationPanel(concerns, open_action_points_of_stations([station.id]))


# ---- meetings: the carried-forward agenda ------------------------------------------------------


@dataclass
class MeetingLoop:
    concerns: list[Concern] | None
    points: list[ActionPoint]
    reviewed_ids: set[int]
    agreed: list[ActionPoint]


def meeting_loop(meeting_id: int, station_ids: list[int], user: User) -> MeetingLoop:
    """The open concerns and open action points of a meeting's stations, as they stand now
    (computed on display, so they always show the current status), the points agreed at the
    meeting, and which points were reviewed there. Viewers get no concern summaries."""
    concerns = open_concerns_of_stations(station_ids) if sees_concern_summaries(user) else None
    points = open_action_points_of_stations(station_ids)
    agreed = list(
        db.session.scalars(
            select(ActionPoint)
            .options(*_action_point_options())
            .where(ActionPoint.origin_meeting_id == meeting_id)
            .order_by(ActionPoint.id)
        )
    )
    reviewed = set(
        db.session.scalars(
            select(FollowUp.action_point_id).where(FollowUp.meeting_id == meeting_id)
        )
    )
    return MeetingLoop(concerns, points, reviewed, agreed)
