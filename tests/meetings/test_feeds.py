"""iCalendar feeds and files, parsed with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
from sqlalchemy import select

from meetings.models import CalendarFeedToken
from partnership.extensions import db
from tests.conftest import PASSWORD
from tests.meetings.helpers import create_meeting

TEN_IN_NAIROBI = datetime(2031, 5, 6, 7, 0, tzinfo=UTC)


def _events(body: bytes) -> list:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def _token(client) -> str:  # noqa: ANN001
    page = client.post("/meetings/feed/new").text
    start = page.index("/meetings/feed/") + len("/meetings/feed/")
    return page[start : page.index(".ics", start)]


def test_single_meeting_file_has_local_time_and_zone(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], starts=TEN_IN_NAIROBI, title="Visit")
    response = coordinator_client.get(f"/meetings/{meeting_id}.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Africa/Nairobi"]
    (event,) = calendar.walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, str(start.tzinfo)) == (10, "Africa/Nairobi")
    assert start.astimezone(UTC) == TEN_IN_NAIROBI
    assert str(event["status"]) == "TENTATIVE"
    assert str(event["summary"]) == "Visit"


def test_personal_feed_behind_a_revocable_token(app, world, login_as, client):
    coordinator = world.users["coordinator"]
    create_meeting(app, [world.station_a], title="Mine", facilitators=[coordinator],
                   security_notes="Hotspot list")  # fmt: skip
    create_meeting(app, [world.station_b], title="Not mine")
    coordinator_client = login_as("coordinator")
    token = _token(coordinator_client)
    response = client.get(f"/meetings/feed/{token}.ics")  # no session: calendar programs
    assert response.status_code == 200
    assert [str(e["summary"]) for e in _events(response.data)] == ["Mine"]
    assert b"Hotspot list" not in response.data
    with app.app_context():
        row = db.session.scalars(select(CalendarFeedToken)).one()
        assert row.token_hash != token and row.last_used_at is not None
    # A new address ends the old one; revoking ends it too.
    new_token = _token(coordinator_client)
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 404
    assert client.get(f"/meetings/feed/{new_token}.ics").status_code == 200
    coordinator_client.post("/meetings/feed/revoke")
    assert client.get(f"/meetings/feed/{new_token}.ics").status_code == 404
    assert client.get("/meetings/feed/not-a-token.ics").status_code == 404


def test_officer_feed_has_own_stations_without_security_notes(app, world, login_as, client):
    create_meeting(app, [world.station_a], title="Alpha visit", security_notes="Raid warning")
    create_meeting(app, [world.station_c], title="Charlie visit")
    officer = login_as("officer")
    token = _token(officer)
    body = client.get(f"/meetings/feed/{token}.ics").data
    assert [str(e["summary"]) for e in _events(body)] == ["Alpha visit"]
    assert b"Raid warning" not in body
    assert client.get(f"/meetings/feed/{token}.ics?station={world.station_c.id}").status_code == 404


def test_cancelled_meeting_is_sent_as_cancelled_with_the_same_uid(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], starts=TEN_IN_NAIROBI)
    url = f"/meetings/stations/{world.station_a.id}.ics"
    (before,) = _events(coordinator_client.get(url).data)
    coordinator_client.post(f"/meetings/{meeting_id}/cancel", data={"reason": "Elections"})
    (after,) = _events(coordinator_client.get(url).data)
    assert str(after["uid"]) == str(before["uid"])
    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) > int(before["sequence"])


def test_uid_stays_stable_when_a_meeting_moves(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], starts=TEN_IN_NAIROBI)
    (before,) = _events(coordinator_client.get(f"/meetings/{meeting_id}.ics").data)
    coordinator_client.post(
        f"/meetings/{meeting_id}/postpone",
        data={
            "start_date": "2031-05-20",
            "start_time": "09:00",
            "end_time": "11:00",
            "reason": "Clash with a court date",
        },  # fmt: skip
    )
    (after,) = _events(coordinator_client.get(f"/meetings/{meeting_id}.ics").data)
    assert str(after["uid"]) == str(before["uid"])
    assert after.decoded("dtstart").astimezone(UTC) == datetime(2031, 5, 20, 6, 0, tzinfo=UTC)


def test_station_feed_respects_officer_scope(app, world, officer_client):
    create_meeting(app, [world.station_a], title="Alpha visit")
    assert officer_client.get(f"/meetings/stations/{world.station_a.id}.ics").status_code == 200
    assert officer_client.get(f"/meetings/stations/{world.station_c.id}.ics").status_code == 404


def test_feed_address_ends_with_a_password_change(app, world, login_as, client):
    """The secret address stands for a sign-in: changing the password ends it as it ends the
    user's other sessions."""
    coordinator = login_as("coordinator")
    token = _token(coordinator)
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 200
    response = coordinator.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a-new-and-long-passphrase-7",
            "confirm": "a-new-and-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(CalendarFeedToken)).all() == []


def test_feed_address_ends_when_an_administrator_ends_the_sessions(app, world, login_as, client):
    token = _token(login_as("officer"))
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 200
    admin = login_as("admin")
    officer_id = world.users["officer"].id
    assert admin.post(f"/admin/users/{officer_id}/sessions/end").status_code == 302
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 404


def test_feed_address_outlives_nothing_else(app, world, login_as, client):
    """Signing out of one browser ends that session only; the calendar keeps working."""
    coordinator = login_as("coordinator")
    token = _token(coordinator)
    coordinator.post("/logout")
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 200


def test_feed_secret_never_reaches_the_access_log(app):
    """The development server's and gunicorn's access lines are both redacted."""
    import logging

    secret = "s3cr3t-Token_value"
    werkzeug_record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", f"GET /meetings/feed/{secret}.ics?station=3 HTTP/1.1", "200", "-"),
        None,
    )  # fmt: skip
    gunicorn_record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '%(h)s "%(r)s" %(s)s',
        None, None,
    )  # fmt: skip
    gunicorn_record.args = {"h": "10.0.0.1", "r": f"GET /meetings/feed/{secret}.ics HTTP/1.1",
                            "U": f"/meetings/feed/{secret}.ics", "s": "200"}  # fmt: skip
    for record in (werkzeug_record, gunicorn_record):
        logger = logging.getLogger(record.name)
        assert all(f.filter(record) for f in logger.filters)  # installed by create_app
        line = record.getMessage()
        assert secret not in line
        assert "/meetings/feed/[redacted].ics" in line
