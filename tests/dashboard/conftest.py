"""A fixture programme with hand-countable meetings, attendance and referral slips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.curricula.conftest import make_module, make_training  # noqa: F401
from tests.meetings.helpers import create_meeting
from tests.referrals.conftest import add_redemption, add_slips, redeemed, referrals  # noqa: F401

PERIOD = "start=2026-01-01&end=2026-06-30"


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T07:00:00").replace(tzinfo=UTC)


@dataclass
class Programme:
    officers: dict


def attend(app, meeting_id: int, person, station, status: str = "present") -> None:  # noqa: ANN001
    from meetings.models import AttendanceMark, AttendanceStatus, Attendee, Meeting
    from partnership.extensions import db

    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        attendee = Attendee(meeting_id=meeting_id, person_id=person.id, station_id=station.id)
        db.session.add(attendee)
        db.session.flush()
        db.session.add(
            AttendanceMark(
                attendee_id=attendee.id,
                day=meeting.starts_at.date(),
                status=AttendanceStatus(status),
            )  # fmt: skip
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture()
def programme(app, world, make_person, referrals) -> Programme:  # noqa: ANN001, F811
    """Meetings (1 Jan – 30 Jun 2026):
    station A: sensitisation held 10 Feb (o1 present, o2 late, o4 absent), training held 15 Apr
    (o1 present), a visit cancelled 1 Mar; station B: visit confirmed for 20 May; station C:
    meeting held 10 Mar (o3 present). Outside the period: A held 1 Dec 2025; B held 10 days ago.
    Slips: A 6 issued 5 Feb, 2 redeemed; C 3 issued 5 Mar, 1 redeemed; A 4 issued in 2025.
    """
    a, b, c = world.station_a, world.station_b, world.station_c
    o1 = make_person("officer", a, name="Officer One")
    o2 = make_person("officer", a, name="Officer Two")
    o3 = make_person("officer", c, name="Officer Three")
    o4 = make_person("officer", a, name="Officer Four")
    feb = create_meeting(app, [a], starts=at("2026-02-10"), status="held")
    apr = create_meeting(app, [a], kind="training", starts=at("2026-04-15"), status="held")
    create_meeting(app, [a], kind="station_visit", starts=at("2026-03-01"), status="cancelled")
    create_meeting(app, [b], kind="station_visit", starts=at("2026-05-20"), status="confirmed")
    mar = create_meeting(app, [c], starts=at("2026-03-10"), status="held")
    old = create_meeting(app, [a], starts=at("2025-12-01"), status="held")
    create_meeting(app, [b], kind="station_visit", status="held",
                   starts=datetime.now(UTC) - timedelta(days=10))  # fmt: skip
    attend(app, feb, o1, a)
    attend(app, feb, o2, a, "late")
    attend(app, feb, o4, a, "absent")
    attend(app, apr, o1, a)
    attend(app, mar, o3, c)
    attend(app, old, o4, a)  # outside the period
    slips_a = add_slips(app, referrals.scheme_id, a.id, 6, start=1, issued_on=date(2026, 2, 5))
    slips_c = add_slips(app, referrals.scheme_id, c.id, 3, start=100, issued_on=date(2026, 3, 5))
    add_slips(app, referrals.scheme_id, a.id, 4, start=200, issued_on=date(2025, 11, 5))
    for slip in slips_a[:2]:
        add_redemption(app, referrals.scheme_id, referrals.point_id, slip, "",
                       redeemed_on=date(2026, 2, 20))  # fmt: skip
    add_redemption(app, referrals.scheme_id, referrals.point_id, slips_c[0], "",
                   redeemed_on=date(2026, 3, 20))  # fmt: skip
    return Programme({"o1": o1, "o2": o2, "o3": o3, "o4": o4})
