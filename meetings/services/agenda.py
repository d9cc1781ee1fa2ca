"""The loop at a meeting: the agenda (with the stations' concerns carried forward), decisions
and minutes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from flask import abort, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import or_, select

from meetings.models import (
    HAPPENED_STATUSES,
    OPEN_STATUSES,
    AgendaItem,
    Decision,
    Meeting,
    MeetingKind,
    MeetingStatus,
    meeting_stations,
)
from partnership import disclosure, permissions
from partnership.accounts.models import User
from partnership.actions.models import ActionPoint, Concern, FollowUp, action_point_concerns
from partnership.actions.services.action_points import (
    action_point_options,
    count_open_action_points_of_stations,
    create_action_point,
    open_action_points_of_stations,
)
from partnership.actions.services.concerns import (
    count_open_concerns_of_stations,
    open_concerns_of_stations,
    put_concern_on_agenda,
    put_station_concerns_on_agenda,
    take_station_concerns_off_agenda,
    today,
)
from partnership.actions.services.station import (
    concerns_open_during,
    count_concerns_open_during,
    count_points_open_during,
    points_open_during,
)
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.signals import concern_logged, concern_page_links


def minutes_text(meeting: Meeting) -> str:
    return meeting.minutes_revisions[0].body if meeting.minutes_revisions else ""


# ---- the loop at a meeting: concerns carried forward, action points agreed and reviewed ---------


def stations_with_coming_meeting(station_ids: list[int]) -> set[int]:
    """Those of the stations that have a meeting not yet held, cancelled or over."""
    if not station_ids:
        return set()
    return set(
        db.session.scalars(
            select(meeting_stations.c.station_id)
            .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
            .where(
                meeting_stations.c.station_id.in_(list(station_ids)),
                Meeting.status.in_(list(OPEN_STATUSES)),
                Meeting.ends_at >= utcnow(),
            )
            .distinct()
        )
    )


def last_held_meeting(station_id: int) -> Meeting | None:
    """The station's last held meeting, for the brief's "since the last meeting"."""
    return db.session.scalar(
        select(Meeting)
        .join(meeting_stations, meeting_stations.c.meeting_id == Meeting.id)
        .where(
            meeting_stations.c.station_id == station_id,
            Meeting.status.in_(list(HAPPENED_STATUSES)),
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


def carry_concerns_forward(meeting: Meeting, user: User | None = None) -> None:
    """The stations' open concerns go on the agenda of the next meeting with them."""
    if meeting.kind is not MeetingKind.WEBINAR:
        put_station_concerns_on_agenda([s.id for s in meeting.stations], user)


def return_concerns(meeting: Meeting, user: User | None = None) -> None:
    """Concerns waiting for this meeting go back to open at the stations where no other
    meeting is coming."""
    station_ids = [s.id for s in meeting.stations]
    coming = stations_with_coming_meeting(station_ids)
    take_station_concerns_off_agenda([sid for sid in station_ids if sid not in coming], user)


def put_logged_concern_on_agenda(concern: Concern, user: User | None = None, **_extra) -> None:  # noqa: ANN003
    """Receiver of ``concern_logged``: with a meeting already coming up at the station, a
    newly logged concern goes straight onto its agenda."""
    if stations_with_coming_meeting([concern.station_id]):
        put_concern_on_agenda(concern, user)


def concern_meetings(concern: Concern) -> tuple[list[Meeting], list[Meeting]]:
    """The meetings whose agenda carries the concern: those coming at its station while it is
    open, and, newest first, those held at its station since it was logged (until it was
    closed) or where an action point answering it was agreed. Two queries."""
    at_station = (
        select(Meeting)
        .join(meeting_stations, meeting_stations.c.meeting_id == Meeting.id)
        .where(meeting_stations.c.station_id == concern.station_id)
    )
    coming: list[Meeting] = []
    if concern.status.is_open:
        coming = list(
            db.session.scalars(
                at_station.where(
                    Meeting.kind != MeetingKind.WEBINAR,
                    Meeting.status.in_(list(OPEN_STATUSES)),
                    Meeting.ends_at >= utcnow(),
                )
                .order_by(Meeting.starts_at, Meeting.id)
                .limit(3)
            )
        )
    until = utcnow() if concern.status.is_open else (concern.status_changed_at or utcnow())
    agreed_there = (
        select(ActionPoint.origin_meeting_id)
        .join(action_point_concerns, action_point_concerns.c.action_point_id == ActionPoint.id)
        .where(action_point_concerns.c.concern_id == concern.id)
    )
    past = list(
        db.session.scalars(
            at_station.where(
                or_(
                    Meeting.id.in_(agreed_there),
                    (Meeting.kind != MeetingKind.WEBINAR)
                    & Meeting.status.in_(list(HAPPENED_STATUSES))
                    & (Meeting.starts_at >= concern.created_at)
                    & (Meeting.starts_at <= until),
                ),
                Meeting.id.not_in([m.id for m in coming] or [-1]),
            )
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
            .limit(5)
        )
    )
    return coming, past


def concern_meeting_links(concern: Concern, user=None, **_extra) -> list[tuple[str, str | None]]:  # noqa: ANN001, ANN003
    """Receiver of ``concern_page_links``: "On the agenda of <meeting>, <date>", linked."""
    coming, past = concern_meetings(concern)
    linked = permissions.can("meetings.meeting_detail", user)

    def link(meeting: Meeting, text: str) -> tuple[str, str | None]:
        url = url_for("meetings.meeting_detail", meeting_id=meeting.id) if linked else None
        return text, url

    def when(meeting: Meeting) -> str:
        return format_date(meeting.local_start.date(), "medium")

    return [
        *(
            link(m, _("On the agenda of %(meeting)s, %(date)s", meeting=m.title, date=when(m)))
            for m in coming
        ),
        *(
            link(m, _("Was on the agenda of %(meeting)s, %(date)s", meeting=m.title, date=when(m)))
            for m in past
        ),
    ]


def connect_receivers() -> None:
    """Called when the meetings blueprint is registered."""
    concern_logged.connect(put_logged_concern_on_agenda)
    concern_page_links.connect(concern_meeting_links)


# A joint workshop of 30 stations carries forward hundreds of items: the page shows the most
# pressing ones (the earliest due, the oldest concerns) and links to the full lists.
CARRIED_FORWARD_SHOWN = 30


@dataclass
class MeetingLoop:
    concerns: list[Concern] | None
    points: list[ActionPoint]
    reviewed_ids: set[int]
    agreed: list[ActionPoint]
    # At a joint meeting, what belongs to stations the user may not see: counts only, already
    # suppressed for the user (see partnership.disclosure). None when nothing is left out.
    other_concerns: disclosure.Figure | None = None
    other_points: disclosure.Figure | None = None
    # How many there are in all: the page shows the first CARRIED_FORWARD_SHOWN of each.
    concerns_total: int = 0
    points_total: int = 0
    # A held meeting's items are those open while it took place.
    as_held: bool = False


def meeting_loop(meeting: Meeting, user: User) -> MeetingLoop:
    """The open concerns and open action points of a meeting's stations, the points agreed at
    the meeting, and which points were reviewed there. A coming meeting carries what is open
    now; a held one what was open while it took place (not concerns logged after it, nor
    those closed before it). Each item shows its status as it is now. Viewers get no concern
    summaries. At a joint meeting an officer gets only their own stations' items; the other
    stations' appear as counts at most."""
    station_ids = [s.id for s in meeting.stations]
    visible = permissions.visible_station_ids(user, station_ids)
    others = [s for s in station_ids if s not in visible]
    sees_concerns = permissions.sees_concern_summaries(user)
    shown = CARRIED_FORWARD_SHOWN
    if meeting.status.happened:
        during = {"starts_at": meeting.starts_at, "ends_at": meeting.ends_at}
        concerns_of = partial(concerns_open_during, **during)
        count_concerns = partial(count_concerns_open_during, **during)
        points_of = partial(points_open_during, **during)
        count_points = partial(count_points_open_during, **during)
    else:
        concerns_of, count_concerns = open_concerns_of_stations, count_open_concerns_of_stations
        points_of, count_points = (
            open_action_points_of_stations,
            count_open_action_points_of_stations,
        )
    concerns = concerns_of(visible, limit=shown) if sees_concerns else None
    points = points_of(visible, limit=shown)
    agreed_stmt = (
        select(ActionPoint)
        .options(*action_point_options())
        .where(ActionPoint.origin_meeting_id == meeting.id)
        .order_by(ActionPoint.id)
    )
    if others:
        agreed_stmt = agreed_stmt.where(ActionPoint.station_id.in_(visible or [-1]))
    agreed = list(db.session.scalars(agreed_stmt))
    reviewed = set(
        db.session.scalars(
            select(FollowUp.action_point_id).where(FollowUp.meeting_id == meeting.id)
        )
    )
    loop = MeetingLoop(concerns, points, reviewed, agreed, as_held=meeting.status.happened)
    loop.concerns_total = count_concerns(visible) if sees_concerns else 0
    loop.points_total = count_points(visible)
    if others:
        suppress = disclosure.applies_to(user)
        loop.other_concerns = disclosure.figure(count_concerns(others), suppress)
        loop.other_points = disclosure.figure(count_points(others), suppress)
    return loop


def _check_station(meeting: Meeting, station_id: int | None) -> None:
    if station_id not in {s.id for s in meeting.stations}:
        raise FieldError("station_id", _("Choose one of this meeting's stations."))


def agree_action_point(meeting: Meeting, data: dict, user: User) -> ActionPoint:
    """An action point agreed at the meeting, with one of its stations."""
    if meeting.status is MeetingStatus.CANCELLED:
        raise FieldError("title", _("This meeting was cancelled."))
    _check_station(meeting, data.get("station_id"))
    return create_action_point(data, user, origin_meeting_id=meeting.id)


def review_at_meeting(meeting: Meeting, point: ActionPoint, user: User, note: str = "") -> FollowUp:
    """Record that an action point of one of the meeting's stations was reviewed there."""
    if point.station_id not in {s.id for s in meeting.stations}:
        abort(404)
    follow_up = FollowUp(
        action_point=point,
        user_id=user.id,
        on_date=today(),
        note=note.strip() or _("Reviewed at the meeting."),
        meeting_id=meeting.id,
    )
    db.session.add(follow_up)
    db.session.flush()
    return follow_up


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
