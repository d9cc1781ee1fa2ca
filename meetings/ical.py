"""iCalendar (RFC 5545) feeds and single-meeting downloads, built with the icalendar library.

Times are written in the meeting's own zone with a VTIMEZONE; the UID is fixed at creation and
SEQUENCE grows with each change, so calendar programs update (or cancel) the same event. DTSTAMP
is the meeting's last change, so the same meeting downloads as the same bytes. A meeting over
several days is one event per day (its daily hours), not one event running overnight.
Security notes never go into a feed.

The VTIMEZONE blocks are written here from the zone database (zoneinfo) for the years the
calendar covers: icalendar's own generator puts the onset of summer time at the local time
after the change (03:00 for Berlin's 02:00), one hour late in every calendar program.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar
from flask import Response, url_for
from flask_babel import gettext as _

from meetings.models import Meeting, MeetingStatus
from partnership.mixins import utcnow

ICS_MIMETYPE = "text/calendar; charset=utf-8"
# Zones written as UTC ("Z") need no VTIMEZONE.
UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT"})

STATUS = {
    MeetingStatus.PROPOSED: "TENTATIVE",
    MeetingStatus.POSTPONED: "TENTATIVE",
    MeetingStatus.CONFIRMED: "CONFIRMED",
    MeetingStatus.HELD: "CONFIRMED",
    MeetingStatus.MINUTES_RECORDED: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


def _stamp(meeting: Meeting) -> datetime:
    """The meeting's last change, in UTC: what DTSTAMP means for a published calendar."""
    changed = meeting.updated_at or meeting.created_at or utcnow()
    return changed.astimezone(UTC) if changed.tzinfo else changed.replace(tzinfo=UTC)


def _sessions(meeting: Meeting) -> list[tuple[str, datetime, datetime, str]]:
    """(uid, start, end, summary) per event: one per day of a multi-day meeting, with the day's
    hours; the first day keeps the meeting's UID, so calendars that had the meeting keep it."""
    start, end = meeting.local_start, meeting.local_end
    days = meeting.days
    if len(days) < 2 or end.time() <= start.time():
        return [(meeting.uid, start, end, meeting.title)]
    zone = meeting.zone
    sessions = []
    for n, day in enumerate(days, start=1):
        uid = meeting.uid if n == 1 else f"{meeting.uid}-day-{n}"
        summary = _("%(title)s (day %(n)s of %(total)s)", title=meeting.title, n=n,
                    total=len(days))  # fmt: skip
        sessions.append((uid, datetime.combine(day, start.time(), zone),
                         datetime.combine(day, end.time(), zone), summary))  # fmt: skip
    return sessions


def meeting_events(meeting: Meeting) -> list[icalendar.Event]:
    stations = ", ".join(s.name for s in meeting.stations)
    location = meeting.venue or stations
    lines = [meeting.kind.label]
    if stations:
        lines.append(stations)
    if meeting.objectives:
        lines.append(meeting.objectives)
    if meeting.status is MeetingStatus.CANCELLED and meeting.status_reason:
        lines.append(meeting.status_reason)
    stamp = _stamp(meeting)
    events = []
    for uid, start, end, summary in _sessions(meeting):
        event = icalendar.Event()
        event.add("uid", uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", start)
        event.add("dtend", end)
        event.add("summary", summary)
        event.add("status", STATUS[meeting.status])
        event.add("sequence", meeting.sequence or 0)
        event.add("last-modified", stamp)
        if location:
            event.add("location", location)
        event.add("description", "\n\n".join(lines))
        event.add("url", url_for("meetings.meeting_detail", meeting_id=meeting.id, _external=True))
        events.append(event)
    return events


def zone_transitions(
    zone: ZoneInfo, first: datetime, last: datetime
) -> list[tuple[datetime, timedelta, timedelta, bool, str]]:
    """Every change of offset, summer time or abbreviation of ``zone`` between two UTC
    instants: (UTC instant, offset before, offset after, summer time after, name after)."""

    def state(t: datetime) -> tuple[timedelta, bool, str]:
        local = t.astimezone(zone)
        return local.utcoffset(), bool(local.dst()), local.tzname() or ""

    changes = []
    step = timedelta(days=1)
    t, current = first, state(first)
    while t < last:
        nxt = min(t + step, last)
        after = state(nxt)
        if after != current:
            low, high = t, nxt  # bisect to the minute: the first instant in the new state
            while high - low > timedelta(minutes=1):
                mid = low + (high - low) / 2
                low, high = (mid, high) if state(mid) == current else (low, mid)
            changes.append((high.replace(second=0, microsecond=0), current[0], *after))
            current = after
        t = nxt
    return changes


@lru_cache(maxsize=256)
def _transitions(name: str, first_year: int, last_year: int) -> tuple:
    first = datetime(first_year, 1, 1, tzinfo=UTC)
    return tuple(zone_transitions(ZoneInfo(name), first, datetime(last_year + 1, 1, 1, tzinfo=UTC)))


def vtimezone(name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """A VTIMEZONE for ``name`` valid from 1 January ``first_year`` to the end of ``last_year``,
    one STANDARD or DAYLIGHT block per change (DTSTART: the local time before the change)."""
    zone = ZoneInfo(name)
    first = datetime(first_year, 1, 1, tzinfo=UTC)
    timezone = icalendar.Timezone()
    timezone.add("tzid", name)

    def block(onset_utc: datetime, before: timedelta, after: timedelta, dst: bool, label: str):  # noqa: ANN202
        part = icalendar.TimezoneDaylight() if dst else icalendar.TimezoneStandard()
        part.add("dtstart", (onset_utc + before).replace(tzinfo=None))
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        if label:
            part.add("tzname", label)
        timezone.add_component(part)

    local = first.astimezone(zone)
    block(first, local.utcoffset(), local.utcoffset(), bool(local.dst()), local.tzname() or "")
    for onset, before, after, dst, label in _transitions(name, first_year, last_year):
        block(onset, before, after, dst, label)
    return timezone


def calendar_of(meetings: Iterable[Meeting], name: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Partnership manager//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    events: list[icalendar.Event] = []
    years: dict[str, tuple[int, int]] = {}
    for meeting in meetings:
        events += meeting_events(meeting)
        low, high = years.get(meeting.timezone, (9999, 0))
        years[meeting.timezone] = (min(low, meeting.local_start.year),
                                   max(high, meeting.local_end.year))  # fmt: skip
    for zone_name, (low, high) in sorted(years.items()):
        if zone_name not in UTC_ZONES:
            calendar.add_component(vtimezone(zone_name, low, high))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def send_calendar(body: bytes, filename: str, attachment: bool = True) -> Response:
    # content_type, not mimetype: Werkzeug would add a second "; charset=utf-8" to a mimetype.
    response = Response(body, content_type=ICS_MIMETYPE)
    disposition = "attachment" if attachment else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}.ics"'
    return response
