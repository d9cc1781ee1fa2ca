"""Writes of the API for the field flows: issue a referral slip, record attendance at a meeting,
add a follow-up to an action point. Each runs the same service function and object rules as its
form (an officer only for their own stations), commits once, and is audited like the form.

A refused write answers 422 with the message by the field (``errors.json.<field>``), and writes
nothing. A write may carry an ``Idempotency-Key`` header (16 to 64 letters, digits, ``-`` or
``_``): the key is stored with the record in the same transaction, and a request repeating it
(a script retrying after a dropped connection) is not run again but answered with the record
the first one stored, marked ``Idempotent-Replayed: true``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

import marshmallow as ma
from flask import abort, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort as api_abort
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from meetings.models import AttendanceStatus, Meeting
from meetings.services import register
from meetings.services.queries import get_meeting_or_404
from partnership.actions.models import ActionStatus, FollowUp
from partnership.actions.services import action_points as point_services
from partnership.actions.services import follow_ups as follow_up_services
from partnership.api.common import SECURITY, blp, id_field, text
from partnership.audit import EditConflict, check_version
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import TransitionError
from partnership.organisations.models import Person
from partnership.permissions import can_update_action_point
from partnership.referrals.models import Route, Slip
from partnership.referrals.services import slips as slip_services
from partnership.submissions import _KEY_SHAPE, UNIQUE_NAME, SubmissionKey

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
STORED_AS = "api:"  # before the kind and id of the record a key's request stored
WAIT_FOR_FIRST_SECONDS = 5.0

IDEMPOTENCY = {
    "in": "header",
    "name": KEY_HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
    "description": "A key of the client's choosing: a repeated request with the same key is "
    "stored once and answered with the first request's record.",
}
WRITE_DOC = {"security": SECURITY, "parameters": [IDEMPOTENCY]}


def _refuse(field: str, message: str) -> None:
    db.session.rollback()
    api_abort(422, errors={"json": {field: [str(message)]}})


def _key() -> str | None:
    key = request.headers.get(KEY_HEADER)
    if key is None:
        return None
    if not _KEY_SHAPE.fullmatch(key):
        api_abort(422, errors={"headers": {KEY_HEADER: [
            _("Use 16 to 64 letters, digits, hyphens or underscores."),
        ]}})  # fmt: skip
    return key


def _stored_record(key: str) -> tuple[str, int] | None:
    """The record a request with ``key`` stored, waiting briefly for one still being saved."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while True:
        row = db.session.scalar(
            select(SubmissionKey).where(
                SubmissionKey.user_id == current_user.id, SubmissionKey.key == key
            )
        )
        db.session.rollback()  # on SQLite the first request needs the lock to finish
        if row is None:
            return None
        if (row.location or "").startswith(STORED_AS):
            kind, _sep, record_id = row.location[len(STORED_AS) :].partition(":")
            return kind, int(record_id)
        if time.monotonic() >= deadline:
            abort(409)
        time.sleep(0.05)


def idempotent_write(
    kind: str, write: Callable[[], Any], answer: Callable[[int], dict]
) -> tuple[dict, int, dict]:
    """Run ``write`` (returning the id of the record it stored) and commit once, storing the
    request's idempotency key with it; a repeated key is answered from the stored record."""
    key = _key()
    if key is not None:
        stored = _stored_record(key)
        if stored is not None:
            if stored[0] != kind:
                _refuse(KEY_HEADER, _("This key was already used for another request."))
            return answer(stored[1]), 200, {REPLAYED_HEADER: "true"}
    try:
        record_id = write()
        if key is not None:
            db.session.add(
                SubmissionKey(
                    user_id=current_user.id, key=key, location=f"{STORED_AS}{kind}:{record_id}"
                )
            )
        db.session.commit()
    except FieldError as error:
        _refuse(error.field, error.message)
    except TransitionError as error:
        _refuse("status", str(error))
    except (EditConflict, StaleDataError):
        db.session.rollback()
        api_abort(409, message=_("Someone else changed this record meanwhile; nothing was saved."))
    except IntegrityError as error:
        from partnership.integrity import violated_constraint

        db.session.rollback()
        if key is not None and violated_constraint(error) == UNIQUE_NAME:
            stored = _stored_record(key)  # the same request, sent twice at once, saved first
            if stored is not None and stored[0] == kind:
                return answer(stored[1]), 200, {REPLAYED_HEADER: "true"}
        raise
    return answer(record_id), 201, {}


# ---- slips ---------------------------------------------------------------------------------------


class SlipIn(ma.Schema):
    scheme_id = id_field(required=True)
    number = text(40, 1, required=True)
    station_id = id_field(required=True)
    officer_id = id_field(load_default=None, allow_none=True)
    issued_on = ma.fields.Date(required=True)
    route = ma.fields.String(required=True, validate=ma.validate.OneOf([r.value for r in Route]))


class SlipOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    scheme_id = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)
    station_id = ma.fields.Integer(required=True)
    officer_id = ma.fields.Integer(allow_none=True, required=True)
    issued_on = ma.fields.Date(required=True)
    route = ma.fields.String(required=True)


def _slip(slip_id: int) -> dict:
    slip = db.session.get(Slip, slip_id)
    return {
        "id": slip.id, "scheme_id": slip.scheme_id, "number": slip.number,
        "station_id": slip.station_id, "officer_id": slip.officer_id,
        "issued_on": slip.issued_on, "route": str(slip.route),
    }  # fmt: skip


@blp.route("/slips", methods=["POST"])
@blp.arguments(SlipIn)
@blp.response(201, SlipOut)
@blp.alt_response(200, schema=SlipOut, description="A repeated idempotency key: the first slip")
@blp.alt_response(422, description="Refused: messages by field; nothing was stored")
@blp.doc(**WRITE_DOC)
def slip_create(data: dict):  # noqa: ANN201
    """Issue a referral slip (a numbered slip, never a client): officers for their own stations,
    NGO editors for any station of the scheme; the same checks as the slip form."""
    if data["issued_on"].year < 1900:
        _refuse("issued_on", _("Enter the date the slip was issued."))
    return idempotent_write(
        "slip", lambda: slip_services.issue_slip(dict(data), current_user).id, _slip
    )


# ---- attendance ----------------------------------------------------------------------------------


class MarkIn(ma.Schema):
    person_id = id_field(required=True)
    day = ma.fields.Date(required=True)
    # "" clears the day's mark.
    status = ma.fields.String(
        required=True, validate=ma.validate.OneOf([s.value for s in AttendanceStatus] + [""])
    )


class AttendanceIn(ma.Schema):
    marks = ma.fields.List(
        ma.fields.Nested(MarkIn), required=True, validate=ma.validate.Length(min=1, max=1000)
    )


class DayCount(ma.Schema):
    day = ma.fields.Date(required=True)
    attended = ma.fields.Integer(required=True)


class AttendanceOut(ma.Schema):
    meeting_id = ma.fields.Integer(required=True)
    on_register = ma.fields.Integer(required=True)
    days = ma.fields.List(ma.fields.Nested(DayCount), required=True)


def _attendance(meeting_id: int) -> dict:
    meeting = db.session.get(Meeting, meeting_id)
    attendees = register.register_of(meeting)
    return {
        "meeting_id": meeting.id,
        "on_register": len(attendees),
        "days": [
            {"day": row["day"], "attended": row["total"]}
            for row in register.register_summary(meeting, attendees)
        ],
    }


def _record_attendance(meeting: Meeting, marks: list[dict]) -> int:
    days = set(meeting.days)
    for i, mark in enumerate(marks):
        if mark["day"] not in days:
            raise FieldError(f"marks.{i}.day", _("The meeting does not take place on that day."))
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(
                Person.id.in_({m["person_id"] for m in marks}), Person.active.is_(True)
            )
        )
    }
    for i, mark in enumerate(marks):
        if mark["person_id"] not in people:
            raise FieldError(
                f"marks.{i}.person_id", _("Some of the people chosen are not available.")
            )
    for person in people.values():
        register.add_attendee(meeting, person)
    attendees = register.register_of(meeting)
    by_person = {a.person_id: a.id for a in attendees}
    register.set_marks(
        meeting,
        attendees,
        {(by_person[m["person_id"]], m["day"]): m["status"] for m in marks},
    )
    return meeting.id


@blp.route("/meetings/<int:meeting_id>/attendance", methods=["POST"])
@blp.arguments(AttendanceIn)
@blp.response(201, AttendanceOut)
@blp.alt_response(200, schema=AttendanceOut, description="A repeated idempotency key")
@blp.alt_response(422, description="Refused: messages by field; nothing was stored")
@blp.doc(**WRITE_DOC)
def attendance_record(data: dict, meeting_id: int):  # noqa: ANN201
    """Record attendance: each mark puts the person on the register (if not there yet) and
    sets their status for that day of the meeting; the roles that edit the register only."""
    meeting = get_meeting_or_404(meeting_id, current_user, for_edit=True)
    return idempotent_write(
        "attendance", lambda: _record_attendance(meeting, data["marks"]), _attendance
    )


# ---- follow-ups ----------------------------------------------------------------------------------


class FollowUpIn(ma.Schema):
    note = text(4000, load_default="")
    on_date = ma.fields.Date(load_default=None, allow_none=True)
    status = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.OneOf([s.value for s in ActionStatus]),
    )
    action_taken = text(4000, load_default="")
    reason = text(500, load_default="")
    # The action point's version the client last read: refused (409) if it changed since.
    version = ma.fields.Integer(load_default=None, allow_none=True)


class FollowUpOut(ma.Schema):
    id = ma.fields.Integer(required=True)
    action_point_id = ma.fields.Integer(required=True)
    on_date = ma.fields.Date(required=True)
    note = ma.fields.String(required=True)
    from_status = ma.fields.String(allow_none=True, required=True)
    to_status = ma.fields.String(allow_none=True, required=True)
    point_status = ma.fields.String(required=True)
    point_version = ma.fields.Integer(required=True)


def _follow_up(follow_up_id: int) -> dict:
    f = db.session.get(FollowUp, follow_up_id)
    return {
        "id": f.id, "action_point_id": f.action_point_id, "on_date": f.on_date, "note": f.note,
        "from_status": str(f.from_status) if f.from_status else None,
        "to_status": str(f.to_status) if f.to_status else None,
        "point_status": str(f.action_point.status), "point_version": f.action_point.version,
    }  # fmt: skip


@blp.route("/action-points/<int:point_id>/follow-ups", methods=["POST"])
@blp.arguments(FollowUpIn)
@blp.response(201, FollowUpOut)
@blp.alt_response(200, schema=FollowUpOut, description="A repeated idempotency key")
@blp.alt_response(409, description="The point changed since the version sent")
@blp.alt_response(422, description="Refused: messages by field; nothing was stored")
@blp.doc(**WRITE_DOC)
def follow_up_create(data: dict, point_id: int):  # noqa: ANN201
    """Add a follow-up to an action point, optionally changing its status (done needs
    ``action_taken``, dropped a ``reason``): NGO editors, and officers of the point's station."""
    point = point_services.get_action_point_or_404(point_id, current_user)
    if not can_update_action_point(current_user, point):
        abort(403)
    on_date: date | None = data["on_date"]
    if on_date is not None and on_date.year < 1900:
        _refuse("on_date", _("Enter a valid date."))

    def write() -> int:
        check_version(point, data["version"])
        return follow_up_services.add_follow_up(
            point,
            current_user,
            note=data["note"],
            on_date=on_date,
            to_status=ActionStatus(data["status"]) if data["status"] else None,
            action_taken=data["action_taken"],
            reason=data["reason"],
        ).id

    return idempotent_write("follow-up", write, _follow_up)
