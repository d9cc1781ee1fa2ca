"""The loop at a meeting: the agenda (with the stations' concerns carried forward), decisions
and minutes."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _

from meetings.models import (
    AgendaItem,
    Decision,
    Meeting,
    MeetingKind,
)
from partnership.accounts.models import User
from partnership.extensions import db
from partnership.forms import FieldError


def minutes_text(meeting: Meeting) -> str:
    return meeting.minutes_revisions[0].body if meeting.minutes_revisions else ""


def carry_concerns_forward(meeting: Meeting) -> None:
    """The stations' open concerns go on the agenda of the next meeting with them."""
    from partnership.actions.services.concerns import put_station_concerns_on_agenda

    if meeting.kind is not MeetingKind.WEBINAR:
        put_station_concerns_on_agenda([s.id for s in meeting.stations])


def return_concerns(meeting: Meeting) -> None:
    """Concerns waiting for this meeting go back to open when no other meeting is coming."""
    from partnership.actions.services.concerns import take_station_concerns_off_agenda

    take_station_concerns_off_agenda([s.id for s in meeting.stations])


# ---- agenda and decisions ----------------------------------------------------------------------


def add_agenda_item(meeting: Meeting, title: str, notes: str = "") -> AgendaItem:
    title = title.strip()
    if not title:
        raise FieldError("title", _("Give the agenda item a title."))
    last = max((i.position for i in meeting.agenda_items), default=0)
    item = AgendaItem(meeting_id=meeting.id, title=title, notes=notes.strip(), position=last + 1)
    db.session.add(item)
    db.session.flush()
    db.session.refresh(meeting, ["agenda_items"])
    return item


def _agenda_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda_items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def move_agenda_item(meeting: Meeting, item_id: int, direction: str) -> None:
    items = list(meeting.agenda_items)
    item = _agenda_item(meeting, item_id)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, it in enumerate(items, start=1):
        if it.position != position:
            it.position = position
    db.session.flush()


def delete_agenda_item(meeting: Meeting, item_id: int) -> None:
    db.session.delete(_agenda_item(meeting, item_id))
    db.session.flush()


def add_decision(meeting: Meeting, text: str, user: User) -> Decision:
    text = text.strip()
    if not text:
        raise FieldError("text", _("Write the decision before saving."))
    decision = Decision(meeting_id=meeting.id, text=text, created_by_id=user.id)
    db.session.add(decision)
    db.session.flush()
    return decision


def delete_decision(meeting: Meeting, decision_id: int) -> None:
    decision = db.session.get(Decision, decision_id)
    if decision is None or decision.meeting_id != meeting.id:
        abort(404)
    db.session.delete(decision)
    db.session.flush()
