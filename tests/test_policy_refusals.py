"""What a page hides, the server refuses (tested by posting directly); pages built from several
stations show an officer only their own stations' part; officers meet no link that answers 404."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from tests.curricula.conftest import make_module, make_training  # noqa: F401 - fixtures
from tests.meetings.helpers import create_meeting


def _meeting_count(app) -> int:  # noqa: ANN001
    from meetings.models import Meeting
    from partnership.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(Meeting.id)))


def test_trainers_schedule_trainings_only(app, world, trainer_client):
    """No "Schedule a visit" on the station story or the stations due, and a station visit
    posted directly is refused with nothing saved."""
    story = trainer_client.get(f"/stations/{world.station_a.id}").get_data(as_text=True)
    assert "Schedule a visit" not in story
    assert "Schedule a visit" not in trainer_client.get("/meetings/due").get_data(as_text=True)
    before = _meeting_count(app)
    response = trainer_client.post(
        "/meetings/new",
        data={
            "kind": "station_visit",
            "title": "Visit by a trainer",
            "station_ids": [str(world.station_a.id)],
            "start_date": (date.today() + timedelta(days=3)).isoformat(),
            "start_time": "10:00",
            "end_date": (date.today() + timedelta(days=3)).isoformat(),
            "end_time": "12:00",
            "timezone": "Africa/Nairobi",
        },
    )
    assert response.status_code == 422
    assert _meeting_count(app) == before
    form = trainer_client.get("/meetings/new?kind=station_visit").get_data(as_text=True)
    assert 'value="station_visit"' not in form and 'value="training"' in form


def test_trainers_cannot_change_a_station_visit(app, world, trainer_client):
    meeting_id = create_meeting(app, [world.station_a], kind="station_visit")
    for url, data in [
        (f"/meetings/{meeting_id}/confirm", {}),
        (f"/meetings/{meeting_id}/cancel", {"reason": "no"}),
        (f"/meetings/{meeting_id}/agenda", {"agenda-title": "Item"}),
        (f"/meetings/{meeting_id}/minutes", {"body": "Minutes"}),
    ]:
        assert trainer_client.post(url, data=data).status_code == 403, url
    from meetings.models import Meeting, MeetingStatus
    from partnership.extensions import db

    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status is MeetingStatus.PROPOSED


def test_coordinators_are_offered_a_visit(world, coordinator_client):
    story = coordinator_client.get(f"/stations/{world.station_a.id}")
    assert "Schedule a visit" in story.get_data(as_text=True)


def test_a_joint_meeting_shows_an_officer_their_stations_part(
    app, world, make_concern, make_action_point, make_person, officer_client, coordinator_client
):
    from meetings.models import Attendee
    from partnership.extensions import db

    make_concern(world.station_a, summary="Alpha concern summary")
    make_concern(world.station_c, summary="Charlie concern summary")
    make_action_point(world.station_a, title="Alpha point")
    make_action_point(world.station_c, title="Charlie point")
    alpha = make_person("officer", world.station_a, name="Constable Alpha")
    charlie = make_person("officer", world.station_c, name="Constable Charlie")
    meeting_id = create_meeting(app, [world.station_a, world.station_c])
    with app.app_context():
        for person, station in ((alpha, world.station_a), (charlie, world.station_c)):
            db.session.add(Attendee(meeting_id=meeting_id, person_id=person.id,
                                    station_id=station.id))  # fmt: skip
        db.session.commit()
    page = officer_client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Alpha concern summary" in page and "Alpha point" in page
    assert "Charlie concern summary" not in page and "Charlie point" not in page
    assert "Constable Alpha" in page and "Constable Charlie" not in page
    assert "1 person of other stations is on the register, not shown here." in page
    # Counts at most, and small ones withheld: one concern and one point show as "<5".
    assert "Other stations of this meeting have &lt;5 open concerns" in page
    # The other station is named, never linked (its page would answer 404).
    assert f'href="/stations/{world.station_c.id}"' not in page
    for fmt in ("csv", "xlsx"):
        export = officer_client.get(f"/meetings/{meeting_id}/register.{fmt}")
        assert export.status_code == 200
        from tests.test_leak_sweep import received_text

        text = received_text(export)
        assert "Constable Alpha" in text and "Constable Charlie" not in text
    # The coordinator sees both stations' parts.
    full = coordinator_client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert "Charlie concern summary" in full and "Constable Charlie" in full


HREF = re.compile(r'href="(/[^"#?]*)[^"]*"')


def test_officers_meet_no_link_that_answers_404(app, world, officer_client, make_training,  # noqa: F811
                                                 make_person):  # fmt: skip
    """From the officer's pages (station, joint meeting, joint training), every link opens."""
    a, c = world.station_a, world.station_c
    meeting_id = create_meeting(app, [a, c])
    officer = make_person("officer", a, name="Constable Alpha")
    training_id = make_training(stations=[a, c], people=[(officer, 2, 8, 15)])
    pages = [
        f"/stations/{a.id}",
        f"/meetings/{meeting_id}",
        f"/curricula/trainings/{training_id}",
        "/",
    ]
    broken = []
    for page in pages:
        response = officer_client.get(page)
        assert response.status_code == 200, page
        for link in set(HREF.findall(response.get_data(as_text=True))):
            if link.startswith(("/static/", "/logout")):
                continue
            if officer_client.get(link).status_code == 404:
                broken.append((page, link))
    assert not broken
