"""Calendar files checked by a second, independent iCalendar parser (vobject, tests only) and by the
rules of RFC 5545, not by the library that wrote them:

- lines end in CRLF and are folded at 75 octets (RFC 5545 §3.1);
- DTSTAMP is the meeting's last change and UID is fixed, so two downloads are the same bytes;
- every VTIMEZONE gives the zone database's UTC offset at every half hour of the years the file
  shows (§3.6.5: a block's DTSTART is the local time *before* the change, in TZOFFSETFROM), for
  zones with summer time: Berlin (2026), Almaty (summer time until 2005), Minsk (until 2011);
- a meeting over several days is one event per day, with that day's hours.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from meetings.models import Meeting
from partnership.extensions import db
from tests.meetings.helpers import create_meeting


def _lines_follow_rfc_5545(body: bytes) -> None:
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)  # CRLF only
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)  # octets, not characters


def _utc_offset(text: str) -> timedelta:
    """An RFC 5545 UTC-OFFSET value: +HHMM or -HHMM, optionally seconds."""
    sign = -1 if text[0] == "-" else 1
    hours, minutes, seconds = int(text[1:3]), int(text[3:5]), int(text[5:7] or 0)
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


def _offset_from_vtimezone(vtimezone, at: datetime) -> timedelta:  # noqa: ANN001
    """The UTC offset a VTIMEZONE gives at the UTC instant ``at``, read by the RFC's rule:
    each STANDARD/DAYLIGHT onset is its DTSTART (and RDATEs) taken in its TZOFFSETFROM."""
    onsets = []
    for block in vtimezone.getChildren():
        if block.name not in ("STANDARD", "DAYLIGHT"):
            continue
        before = _utc_offset(block.tzoffsetfrom.value)
        after = _utc_offset(block.tzoffsetto.value)
        starts = [block.dtstart.value]
        for rdate in block.contents.get("rdate", []):
            starts += rdate.value
        assert "rrule" not in block.contents  # written as explicit onsets
        onsets += [(start.replace(tzinfo=UTC) - before, after) for start in starts]
    onsets.sort()
    assert onsets[0][0] <= at, "the VTIMEZONE does not cover this instant"
    return [after for onset, after in onsets if onset <= at][-1]


@pytest.mark.parametrize(
    ("zone", "local_start", "years"),
    [
        ("Europe/Berlin", datetime(2026, 3, 30, 10, 0), (2026,)),
        ("Asia/Almaty", datetime(2004, 6, 1, 10, 0), (2004,)),
        ("Europe/Minsk", datetime(2010, 10, 1, 10, 0), (2010,)),
    ],
)
def test_vtimezone_matches_the_zone_database(app, world, coordinator_client, zone, local_start,
                                             years):  # fmt: skip
    starts = local_start.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    meeting_id = create_meeting(app, [world.station_a], starts=starts, timezone=zone)
    response = coordinator_client.get(f"/meetings/{meeting_id}.ics")
    body = response.data
    _lines_follow_rfc_5545(body)
    calendar = vobject.readOne(io.StringIO(body.decode("utf-8")))
    (vtimezone,) = calendar.contents["vtimezone"]
    assert vtimezone.tzid.value == zone
    database = ZoneInfo(zone)
    instant = datetime(min(years), 1, 1, tzinfo=UTC)
    end = datetime(max(years) + 1, 1, 1, tzinfo=UTC)
    wrong = []
    while instant < end:
        if _offset_from_vtimezone(vtimezone, instant) != instant.astimezone(database).utcoffset():
            wrong.append(instant)
        instant += timedelta(minutes=30)
    assert wrong == [], f"{len(wrong)} half hours wrong in {zone}, first {wrong[:3]}"
    # The event reads back at the right instant through that VTIMEZONE.
    event = calendar.vevent
    assert event.dtstart.value.astimezone(UTC) == starts


def test_berlin_summer_time_starts_at_two_local(app, world, coordinator_client):
    starts = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    meeting_id = create_meeting(app, [world.station_a], starts=starts, timezone="Europe/Berlin")
    body = coordinator_client.get(f"/meetings/{meeting_id}.ics").data.decode()
    calendar = vobject.readOne(io.StringIO(body))
    daylight = [b for b in calendar.vtimezone.getChildren() if b.name == "DAYLIGHT"]
    # 29 March 2026, 02:00 CET (+01:00) becomes 03:00 CEST: the onset is written as 02:00.
    assert [b.dtstart.value for b in daylight] == [datetime(2026, 3, 29, 2, 0)]


def test_downloads_are_stable_and_stamped_with_the_last_change(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], title="Quarterly meeting " + "é" * 60)
    url = f"/meetings/{meeting_id}.ics"
    first, second = coordinator_client.get(url), coordinator_client.get(url)
    assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"  # charset once
    assert first.data == second.data  # DTSTAMP and UID do not change between downloads
    _lines_follow_rfc_5545(first.data)  # a long title with two-byte letters is folded by octets
    event = vobject.readOne(io.StringIO(first.data.decode())).vevent
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        changed = meeting.updated_at.replace(tzinfo=UTC, microsecond=0)
        uid = meeting.uid
    assert event.uid.value == uid
    assert event.dtstamp.value == changed
    assert event.summary.value == "Quarterly meeting " + "é" * 60

    # A change moves DTSTAMP to the time of that change, the UID stays.
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        meeting.title = "Quarterly meeting, new room"
        meeting.updated_at = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
        db.session.commit()
    event = vobject.readOne(io.StringIO(coordinator_client.get(url).data.decode())).vevent
    assert event.uid.value == uid
    assert event.dtstamp.value == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_two_day_training_is_one_event_per_day(app, world, coordinator_client):
    zone = ZoneInfo("Africa/Nairobi")
    starts = datetime(2031, 5, 6, 9, 0, tzinfo=zone)
    meeting_id = create_meeting(app, [world.station_a], kind="training", title="Harm reduction",
                                starts=starts.astimezone(UTC), hours=24 + 7)  # fmt: skip
    body = coordinator_client.get(f"/meetings/{meeting_id}.ics").data
    _lines_follow_rfc_5545(body)
    events = vobject.readOne(io.StringIO(body.decode())).contents["vevent"]
    spans = [(e.dtstart.value.astimezone(zone), e.dtend.value.astimezone(zone)) for e in events]
    assert [(s.isoformat(), e.isoformat()) for s, e in spans] == [
        ("2031-05-06T09:00:00+03:00", "2031-05-06T16:00:00+03:00"),
        ("2031-05-07T09:00:00+03:00", "2031-05-07T16:00:00+03:00"),
    ]
    assert [e.summary.value for e in events] == [
        "Harm reduction (day 1 of 2)",
        "Harm reduction (day 2 of 2)",
    ]
    uids = [e.uid.value for e in events]
    assert len(set(uids)) == 2
    with app.app_context():
        assert uids[0] == db.session.get(Meeting, meeting_id).uid  # day 1 keeps the meeting's UID
