"""Scheduling: local times in named zones, validation, conflicts, series and their edits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from meetings.models import Meeting, MeetingSeries
from partnership.extensions import db
from tests.meetings.helpers import create_meeting


def _form(world, **overrides) -> dict:  # noqa: ANN001
    data = {
        "kind": "station_visit",
        "title": "Quarterly visit",
        "station_ids": [str(world.station_a.id)],
        "start_date": "2031-05-06",
        "start_time": "10:00",
        "end_time": "12:00",
        "timezone": "Africa/Nairobi",
        "venue": "Station briefing room",
        "organiser_id": str(world.ngo.id),
        "objectives": "Introduce the referral scheme",
        "security_notes": "Do not bring client lists",
    }
    data.update(overrides)
    return data


def _confirmed_dates(html: str) -> str:
    import html as html_lib
    import re

    match = re.search(r'name="confirmed_dates" type="hidden" value="([^"]*)"', html)
    assert match, "no preview of the series' dates"
    return html_lib.unescape(match.group(1))


def _schedule_series(client, data: dict):  # noqa: ANN001, ANN202
    """A series is saved in two steps: the first save shows the dates, the second schedules."""
    preview = client.post("/meetings/new", data=data)
    assert preview.status_code == 200 and "dates of this series" in preview.text, preview.text
    return client.post("/meetings/new", data={**data, "confirmed_dates": _confirmed_dates(
        preview.text)})  # fmt: skip


def _count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(Meeting.id)))


def test_nairobi_ten_oclock_is_seven_utc_and_shows_as_ten(app, world, coordinator_client):
    response = coordinator_client.post("/meetings/new", data=_form(world))
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.scalars(select(Meeting)).one()
        assert meeting.starts_at == datetime(2031, 5, 6, 7, 0, tzinfo=UTC)
        raw = db.session.execute(db.text("SELECT starts_at FROM meetings")).scalar_one()
        assert "07:00" in str(raw)
        assert meeting.status.value == "proposed"
        meeting_id = meeting.id
    page = coordinator_client.get(f"/meetings/{meeting_id}").text.replace("\u202f", " ")
    assert "Tuesday, 6 May 2031, 10:00–12:00 (Nairobi, UTC+3)" in page
    assert "Do not bring client lists" in page


def test_invalid_form_writes_nothing_and_says_why(app, world, coordinator_client):
    response = coordinator_client.post(
        "/meetings/new", data=_form(world, title="", station_ids=[], end_time="09:00")
    )
    assert response.status_code == 422
    assert "This field is required." in response.text
    assert "Choose at least one station." in response.text
    assert _count(app) == 0
    response = coordinator_client.post("/meetings/new", data=_form(world, end_time="09:00"))
    assert response.status_code == 422
    assert "The meeting must end after it starts." in response.text
    assert _count(app) == 0


def test_time_skipped_by_a_clock_change_is_refused(app, world, coordinator_client):
    response = coordinator_client.post(
        "/meetings/new",
        data=_form(world, timezone="Europe/Berlin", start_date="2031-03-30", start_time="02:30"),
    )
    assert response.status_code == 422
    assert "does not exist in that time zone" in response.text
    assert _count(app) == 0


def test_officer_and_viewer_cannot_schedule(app, world, login_as):
    for role in ("officer", "viewer"):
        assert login_as(role).post("/meetings/new", data=_form(world)).status_code == 403
    assert _count(app) == 0


def test_trainer_schedules_trainings_only(app, world, trainer_client):
    response = trainer_client.post("/meetings/new", data=_form(world))
    assert response.status_code == 422
    assert _count(app) == 0
    response = trainer_client.post("/meetings/new", data=_form(world, kind="training"))
    assert response.status_code == 302
    assert _count(app) == 1


def test_facilitator_conflict_warns_and_can_be_overridden(app, world, coordinator_client):
    coordinator = world.users["coordinator"]
    create_meeting(
        app,
        [world.station_c],
        title="Inland review",
        starts=datetime(2031, 5, 6, 8, 0, tzinfo=UTC),
        facilitators=[coordinator],
    )
    data = _form(world, facilitator_ids=[str(coordinator.id)])
    response = coordinator_client.post("/meetings/new", data=data)
    assert response.status_code == 422
    assert "Test coordinator is already booked for “Inland review”" in response.text
    assert _count(app) == 1
    response = coordinator_client.post("/meetings/new", data={**data, "proceed": "y"})
    assert response.status_code == 302
    assert _count(app) == 2


def test_station_with_a_meeting_that_day_warns(app, world, coordinator_client):
    create_meeting(
        app,
        [world.station_a],
        title="Morning briefing",
        starts=datetime(2031, 5, 6, 4, 0, tzinfo=UTC),
    )
    response = coordinator_client.post("/meetings/new", data=_form(world))
    assert response.status_code == 422
    assert "Alpha Police Station already has “Morning briefing” that day" in response.text
    # A cancelled meeting does not count, nor does the next day.
    response = coordinator_client.post("/meetings/new", data=_form(world, start_date="2031-05-07"))
    assert response.status_code == 302


def test_moving_a_meeting_warns_about_conflicts(app, world, coordinator_client):
    create_meeting(
        app, [world.station_a], title="Busy day", starts=datetime(2031, 6, 1, 7, 0, tzinfo=UTC)
    )
    meeting_id = create_meeting(
        app, [world.station_a], starts=datetime(2031, 6, 2, 7, 0, tzinfo=UTC)
    )
    data = _form(world, start_date="2031-06-01", start_time="14:00", end_time="15:00")
    response = coordinator_client.post(f"/meetings/{meeting_id}/edit", data=data)
    assert response.status_code == 422
    assert "already has “Busy day” that day" in response.text
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/edit", data={**data, "proceed": "y"}
    )
    assert response.status_code == 302


def test_series_keeps_local_time_across_a_clock_change(app, world, coordinator_client):
    data = _form(
        world,
        timezone="Europe/Berlin",
        start_date="2031-01-15",
        repeat="monthly",
        repeat_interval="3",
        repeat_count="4",
    )
    assert _schedule_series(coordinator_client, data).status_code == 302
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        assert [m.local_start.strftime("%Y-%m-%d %H:%M") for m in meetings] == [
            "2031-01-15 10:00", "2031-04-15 10:00", "2031-07-15 10:00", "2031-10-15 10:00",
        ]  # fmt: skip
        # Winter is UTC+1, summer UTC+2: the UTC hour moves so the local hour does not.
        assert [m.starts_at.hour for m in meetings] == [9, 8, 8, 8]
        series = db.session.scalars(select(MeetingSeries)).one()
        assert series.rule == "FREQ=MONTHLY;INTERVAL=3;COUNT=4"
        assert len({m.uid for m in meetings}) == 4


def _series(app, world, coordinator_client) -> list[int]:  # noqa: ANN001
    data = _form(world, repeat="monthly", repeat_interval="3", repeat_count="4")
    assert _schedule_series(coordinator_client, data).status_code == 302
    with app.app_context():
        return list(db.session.scalars(select(Meeting.id).order_by(Meeting.starts_at)))


def test_edit_one_occurrence_only(app, world, coordinator_client):
    ids = _series(app, world, coordinator_client)
    with app.app_context():
        version = db.session.get(Meeting, ids[1]).version
    data = _form(world, start_date="2031-08-06", title="Moved visit", scope="this",
                 version=str(version))  # fmt: skip
    assert coordinator_client.post(f"/meetings/{ids[1]}/edit", data=data).status_code == 302
    with app.app_context():
        titles = [db.session.get(Meeting, i).title for i in ids]
        assert titles == ["Quarterly visit", "Moved visit", "Quarterly visit", "Quarterly visit"]


def test_edit_this_and_following(app, world, coordinator_client):
    ids = _series(app, world, coordinator_client)
    with app.app_context():
        uids = [db.session.get(Meeting, i).uid for i in ids]
    data = _form(world, start_date="2031-08-06", start_time="14:00", end_time="15:30",
                 title="Afternoon visit", scope="following")  # fmt: skip
    assert coordinator_client.post(f"/meetings/{ids[1]}/edit", data=data).status_code == 302
    with app.app_context():
        meetings = [db.session.get(Meeting, i) for i in ids]
        assert [m.title for m in meetings] == ["Quarterly visit"] + ["Afternoon visit"] * 3
        assert [m.local_start.strftime("%m-%d %H:%M") for m in meetings] == [
            "05-06 10:00", "08-06 14:00", "11-06 14:00", "02-06 14:00",
        ]  # fmt: skip
        assert all(m.ends_at - m.starts_at == timedelta(minutes=90) for m in meetings[1:])
        assert [m.uid for m in meetings] == uids  # UIDs stay stable across edits
        assert all(m.sequence > 0 for m in meetings[1:])


def test_stale_edit_is_refused(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a])
    data = _form(world, title="Old tab", version="0")
    response = coordinator_client.post(f"/meetings/{meeting_id}/edit", data=data)
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).title == "Sensitisation meeting"


def _local_starts(app) -> list[str]:  # noqa: ANN001
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        return [m.local_start.strftime("%Y-%m-%d") for m in meetings]


def test_monthly_series_from_the_31st_takes_the_last_day_of_shorter_months(
    app, world, coordinator_client
):
    data = _form(world, start_date="2031-01-31", repeat="monthly", repeat_interval="1",
                 repeat_count="6")  # fmt: skip
    preview = coordinator_client.post("/meetings/new", data=data)
    # The first save shows the dates and saves nothing.
    assert preview.status_code == 200 and _count(app) == 0
    assert "Check the 6 dates of this series" in preview.text
    shown = re.findall(r'<time datetime="([^"]+)">', preview.text)
    assert shown == ["2031-01-31T10:00", "2031-02-28T10:00", "2031-03-31T10:00",
                     "2031-04-30T10:00", "2031-05-31T10:00", "2031-06-30T10:00"]  # fmt: skip
    assert preview.text.count("(last day of the month)") == 3  # February, April, June
    response = coordinator_client.post(
        "/meetings/new", data={**data, "confirmed_dates": _confirmed_dates(preview.text)}
    )
    assert response.status_code == 302
    assert _local_starts(app) == ["2031-01-31", "2031-02-28", "2031-03-31", "2031-04-30",
                                  "2031-05-31", "2031-06-30"]  # fmt: skip
    with app.app_context():
        rule = db.session.scalars(select(MeetingSeries)).one().rule
    assert rule == "FREQ=MONTHLY;INTERVAL=1;COUNT=6;BYMONTHDAY=28,29,30,31;BYSETPOS=-1"


def test_quarterly_visit_from_the_31st_happens_every_quarter(app, world, coordinator_client):
    data = _form(world, start_date="2031-01-31", repeat="monthly", repeat_interval="3",
                 repeat_count="4")  # fmt: skip
    assert _schedule_series(coordinator_client, data).status_code == 302
    assert _local_starts(app) == ["2031-01-31", "2031-04-30", "2031-07-31", "2031-10-31"]


def test_series_on_the_last_day_or_the_same_weekday(app, world, coordinator_client):
    data = _form(world, start_date="2031-01-31", repeat="monthly", repeat_interval="1",
                 repeat_count="3", repeat_monthly_on="last_day")  # fmt: skip
    assert _schedule_series(coordinator_client, data).status_code == 302
    assert _local_starts(app) == ["2031-01-31", "2031-02-28", "2031-03-31"]
    with app.app_context():
        db.session.execute(db.delete(Meeting))
        db.session.execute(db.delete(MeetingSeries))
        db.session.commit()
    # 14 January 2031 is the 2nd Tuesday: then 11 February and 11 March.
    data = _form(world, start_date="2031-01-14", repeat="monthly", repeat_interval="1",
                 repeat_count="3", repeat_monthly_on="weekday")  # fmt: skip
    assert _schedule_series(coordinator_client, data).status_code == 302
    assert _local_starts(app) == ["2031-01-14", "2031-02-11", "2031-03-11"]


def test_changing_the_series_after_the_preview_shows_the_new_dates(app, world,
                                                                   coordinator_client):  # fmt: skip
    data = _form(world, start_date="2031-01-31", repeat="monthly", repeat_interval="1",
                 repeat_count="3")  # fmt: skip
    seen = _confirmed_dates(coordinator_client.post("/meetings/new", data=data).text)
    changed = {**data, "repeat_count": "4", "confirmed_dates": seen}
    again = coordinator_client.post("/meetings/new", data=changed)
    assert again.status_code == 200 and "Check the 4 dates of this series" in again.text
    assert _count(app) == 0


def test_same_day_clash_is_the_stations_day_not_the_schedulers(app, world, coordinator_client):
    # Alpha is in Nairobi (UTC+3). It has a meeting at 10:00 on 6 May. A trainer in Almaty
    # (UTC+5) schedules one for 01:00 on 7 May Almaty time: 23:00 on 6 May at the station.
    create_meeting(app, [world.station_a], title="Morning visit",
                   starts=datetime(2031, 5, 6, 7, 0, tzinfo=UTC))  # fmt: skip
    data = _form(world, start_date="2031-05-07", start_time="01:00", end_time="02:00",
                 timezone="Asia/Almaty", title="Late session")  # fmt: skip
    response = coordinator_client.post("/meetings/new", data=data)
    assert response.status_code == 422
    assert "Alpha Police Station already has “Morning visit” that day" in response.text
    # In the station's time, whatever the date format of the locale.
    assert re.search(r"(May 6, 2031|6 May 2031) 10:00", response.text.replace("\u202f", " "))
    # The next day at the station (07:00 on 7 May in Nairobi, 09:00 Almaty) is no clash.
    later = coordinator_client.post(
        "/meetings/new", data={**data, "start_time": "09:00", "end_time": "10:00"}
    )
    assert later.status_code == 302
