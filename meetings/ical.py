"""iCalendar (RFC 5545) feeds and single-meeting downloads, built with the icalendar library.

Times are written in the meeting's own zone with a VTIMEZONE; the UID is fixed at creation and
SEQUENCE grows with each change, so calendar programs update (or cancel) the same event.
Security notes never go into a feed.
"""

from __future__ import annotations

from collections.abc import Iterable

import icalendar
from flask import Response, url_for

from meetings.models import Meeting, MeetingStatus
from partnership.mixins import utcnow

ICS_MIMETYPE = "text/calendar; charset=utf-8"

STATUS = {
    MeetingStatus.PROPOSED: "TENTATIVE",
    MeetingStatus.POSTPONED: "TENTATIVE",
    MeetingStatus.CONFIRMED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.MINUTES_RECORDED: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


def meeting_event(meeting: Meeting, stamp=None) -> icalendar.Event:  # noqa: ANN001
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("dtstamp", stamp or utcnow())
    event.add("dtstart", meeting.local_start)
    event.add("dtend", meeting.local_end)
    event.add("summary", meeting.title)
    event.add("status", STATUS[meeting.status])
    event.add("sequence", meeting.sequence or 0)
    event.add("last-modified", meeting.updated_at)
    stations = ", ".join(s.name for s in meeting.stations)
    location = meeting.venue or stations
    if location:
        event.add("location", location)
    lines = [meeting.kind.label]
    if stations:
        lines.append(stations)
    if meeting.objectives:
        lines.append(meeting.objectives)
    if meeting.status is MeetingStatus.CANCELLED and meeting.status_reason:
        lines.append(meeting.status_reason)
    event.add("description", "\n\n".join(lines))
    event.add("url", url_for("meetings.meeting_detail", meeting_id=meeting.id, _external=True))
    return event


def calendar_of(meetings: Iterable[Meeting], name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Partnership manager//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for meeting in meetings:
        calendar.add_component(meeting_event(meeting, stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def send_calendar(body: bytes, filename: str, attachment: bool = True) -> Response:
    response = Response(body, mimetype=ICS_MIMETYPE)
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}.ics"'
    return response
