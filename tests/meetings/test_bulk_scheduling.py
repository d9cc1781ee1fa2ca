"""Scheduling several overdue stations from the due list in one form: one series per station
in its own time zone, checked row by row, all of them or none."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from meetings.models import Meeting
from partnership.extensions import db
from tests.meetings.helpers import create_meeting


def _count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(Meeting.id)))


def _post(world, rows, **overrides) -> dict:  # noqa: ANN001
    data = {
        "kind": "station_visit",
        "start_time": "10:00",
        "end_time": "12:00",
        "facilitator_ids": [str(world.users["coordinator"].id)],
        "repeat": "monthly",
        "repeat_interval": "3",
        "repeat_count": "2",
    }
    for i, (station, title, day, include) in enumerate(rows):
        data[f"rows-{i}-station_id"] = str(station.id)
        data[f"rows-{i}-title"] = title
        data[f"rows-{i}-start_date"] = day
        if include:
            data[f"rows-{i}-include"] = "y"
    data.update(overrides)
    return data


def test_the_due_list_offers_to_choose_stations(coordinator_client, officer_client, world):
    page = coordinator_client.get("/meetings/due").get_data(as_text=True)
    assert 'action="/meetings/due/schedule"' in page
    assert f'name="station" value="{world.station_a.id}"' in page
    assert "Schedule the chosen stations in one form" in page
    officer_page = officer_client.get("/meetings/due").get_data(as_text=True)
    assert "/meetings/due/schedule" not in officer_page


def test_the_form_lists_the_chosen_stations(coordinator_client, world):
    a, b = world.station_a, world.station_b
    page = coordinator_client.get(f"/meetings/due/schedule?station={a.id}&station={b.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Visit to Alpha Police Station" in html and "Visit to Bravo Police Station" in html
    assert "Charlie Police Station" not in html


def test_several_stations_are_scheduled_in_one_go(app, coordinator_client, world):
    a, b = world.station_a, world.station_b
    rows = [(a, "Quarterly visit Alpha", "2031-05-06", True),
            (b, "Quarterly visit Bravo", "2031-05-08", True)]  # fmt: skip
    response = coordinator_client.post("/meetings/due/schedule", data=_post(world, rows))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith("/meetings/due")
    page = coordinator_client.get(response.location).get_data(as_text=True)
    assert "2 stations were scheduled." in page
    with app.app_context():
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        assert [m.title for m in meetings] == ["Quarterly visit Alpha", "Quarterly visit Bravo"] * 2
        assert {tuple(s.id for s in m.stations) for m in meetings} == {(a.id,), (b.id,)}
        assert len({m.series_id for m in meetings}) == 2  # one series per station
        # 10:00 in Nairobi (UTC+3).
        assert meetings[0].starts_at.replace(tzinfo=UTC) == datetime(2031, 5, 6, 7, tzinfo=UTC)


def test_a_station_not_ticked_is_left_out(app, coordinator_client, world):
    a, b = world.station_a, world.station_b
    rows = [(a, "Visit Alpha", "2031-05-06", True), (b, "Visit Bravo", "2031-05-08", False)]
    response = coordinator_client.post("/meetings/due/schedule", data=_post(world, rows, repeat=""))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(select(Meeting.title)).all() == ["Visit Alpha"]


def test_one_bad_row_saves_nothing_and_says_which(app, coordinator_client, world):
    a, b = world.station_a, world.station_b
    rows = [(a, "Visit Alpha", "2031-05-06", True), (b, "Visit Bravo", "", True)]
    response = coordinator_client.post("/meetings/due/schedule", data=_post(world, rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Choose the first date." in html
    rows_html = html.split("<tr")
    alpha_row = next(r for r in rows_html if 'name="rows-0-start_date"' in r)
    bravo_row = next(r for r in rows_html if 'name="rows-1-start_date"' in r)
    assert "Choose the first date." in bravo_row and 'aria-invalid="true"' in bravo_row
    assert "Choose the first date." not in alpha_row
    assert _count(app) == 0


def test_a_clash_is_shown_before_anything_is_saved(app, coordinator_client, world):
    a, b = world.station_a, world.station_b
    create_meeting(app, [a], title="Already there", starts=datetime(2031, 5, 6, 6, tzinfo=UTC))
    before = _count(app)
    rows = [(a, "Visit Alpha", "2031-05-06", True), (b, "Visit Bravo", "2031-05-06", True)]
    response = coordinator_client.post("/meetings/due/schedule", data=_post(world, rows, repeat=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Already there" in html
    # The shared facilitator cannot be at both stations at once.
    assert "at Alpha Police Station and Bravo Police Station at the same time" in html
    assert _count(app) == before
    anyway = _post(world, rows, repeat="", proceed="y")
    assert coordinator_client.post("/meetings/due/schedule", data=anyway).status_code == 302
    assert _count(app) == before + 2


def test_only_ngo_editors_schedule_several_stations(login_as, world):
    url = f"/meetings/due/schedule?station={world.station_a.id}"
    for role in ("officer", "trainer", "viewer"):
        assert login_as(role).get(url).status_code == 403
        assert login_as(role).post("/meetings/due/schedule", data={}).status_code == 403


def test_the_form_costs_the_same_queries_for_more_stations(
    coordinator_client, world, count_queries
):
    a, b, c = world.station_a, world.station_b, world.station_c
    two = f"/meetings/due/schedule?station={a.id}&station={b.id}"
    three = f"{two}&station={c.id}"
    coordinator_client.get(two)
    with count_queries() as small:
        assert coordinator_client.get(two).status_code == 200
    with count_queries() as large:
        assert coordinator_client.get(three).status_code == 200
    assert large.count == small.count


# The page of warnings, whatever the number of stations ticked and meetings in their series
# (the old checks ran 2 to 3 queries per meeting to schedule).
BULK_CHECK_BUDGET = 5


def test_checking_the_form_takes_the_same_queries_for_two_stations_or_six(
    app, coordinator_client, world, make_org, count_queries
):
    """The clash checks run two queries for the whole form, not two per station and meeting:
    the page of warnings takes as many queries for six stations' series as for two."""
    stations = [world.station_a, world.station_b] + [
        make_org("police_station", name=f"Station {n}", command=world.command) for n in range(4)
    ]
    for station in stations:
        create_meeting(app, [station], title=f"Booked at {station.name}",
                       starts=datetime(2031, 5, 6, 6, tzinfo=UTC))  # fmt: skip

    def post(count: int):  # noqa: ANN202
        rows = [(s, f"Visit {s.name}", "2031-05-06", True) for s in stations[:count]]
        data = _post(world, rows, repeat_count="3")
        coordinator_client.get("/meetings/due")  # the session row is touched once a minute
        with count_queries() as counter:
            response = coordinator_client.post("/meetings/due/schedule", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422
        return counter.count, html

    two, two_html = post(2)
    six, six_html = post(6)
    assert two == six == BULK_CHECK_BUDGET, (two, six)
    # The same checks: each station's meeting that day, the shared facilitator at two places.
    for station in stations:
        assert f"Booked at {station.name}" in six_html
    assert "Booked at Station 0" not in two_html
    assert "at Station 2 and Station 3 at the same time" in six_html
    assert _count(app) == len(stations)
