"""Lists, calendar, due visits and the station page: scoping, ranking and query budgets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.meetings.helpers import create_meeting

NOW = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)


def _many(app, world, n: int) -> None:  # noqa: ANN001
    for i in range(n):
        create_meeting(
            app,
            [world.station_a, world.station_b],
            title=f"Meeting {i}",
            starts=NOW + timedelta(days=i % 20),
            facilitators=[world.users["coordinator"]],
            organiser=world.ngo,
        )


# Session and user (2); the list: count, page, stations of the page's meetings (3); the
# filters' stations, commands, countries and organisers (lists without count: no count query).
BUDGETS = {
    "/meetings/": 9,
    "/meetings/calendar": 7,
    "/meetings/calendar?view=week": 7,
    "/meetings/due": 6,
}


@pytest.mark.parametrize("url", sorted(BUDGETS))
def test_query_budget_does_not_grow_with_data(app, world, login_as, count_queries, url):
    client = login_as("coordinator")
    _many(app, world, 2)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    _many(app, world, 40)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert small.count == large.count == BUDGETS[url], large.statements


def test_officer_list_and_calendar_show_own_stations_only(app, world, officer_client):
    create_meeting(app, [world.station_a], title="Alpha meeting", starts=NOW)
    create_meeting(app, [world.station_c], title="Charlie meeting", starts=NOW)
    for url in ("/meetings/", "/meetings/calendar", "/meetings/calendar?view=week"):
        page = officer_client.get(url).text
        assert "Alpha meeting" in page and "Charlie meeting" not in page, url
    export = officer_client.get("/meetings/export.csv").data.decode("utf-8-sig")
    assert "Alpha meeting" in export and "Charlie meeting" not in export


def test_filters(app, world, coordinator_client):
    create_meeting(app, [world.station_a], title="Alpha visit", kind="station_visit", starts=NOW)
    create_meeting(app, [world.station_c], title="Charlie training", kind="training", starts=NOW)
    page = coordinator_client.get(f"/meetings/?command={world.other_command.id}").text
    assert "Charlie training" in page and "Alpha visit" not in page
    page = coordinator_client.get("/meetings/?kind=station_visit").text
    assert "Alpha visit" in page and "Charlie training" not in page
    page = coordinator_client.get(f"/meetings/?station={world.station_a.id}&status=proposed").text
    assert "Alpha visit" in page and "Charlie training" not in page


def test_due_visits_ranked_most_overdue_first(app, world, make_org, coordinator_client):
    # A: visited 100 days ago, target 90 -> overdue by 10. B: 200 days ago -> overdue by 110.
    # C: never visited -> after the overdue ones, as the page says. D: visited yesterday -> due
    # in 89 days, last.
    d = make_org("police_station", "Delta Police Station", command=world.command)
    for station, days in ((world.station_a, 100), (world.station_b, 200), (d, 1)):
        create_meeting(app, [station], status="held", starts=NOW - timedelta(days=days))
    create_meeting(app, [world.station_a], status="cancelled", starts=NOW - timedelta(days=5))
    page = coordinator_client.get("/meetings/due").text
    assert "the most overdue come first, then those never visited" in page
    order = [page.index(n) for n in ("Bravo Police Station", "Alpha Police Station",
                                     "Charlie Police Station", "Delta Police Station")]  # fmt: skip
    assert order == sorted(order)
    export = coordinator_client.get("/meetings/due/export.csv").data.decode("utf-8-sig")
    assert [line.split(",")[0] for line in export.splitlines()[1:]] == [
        "Bravo Police Station", "Alpha Police Station", "Charlie Police Station",
        "Delta Police Station",
    ]  # fmt: skip
    assert "overdue by 110 days" in page and "overdue by 10 days" in page
    assert "never visited" in page and "due in 89 days" in page
    assert f"/meetings/new?station={world.station_a.id}&amp;kind=station_visit" in page


def test_due_list_for_officer_is_own_station_without_scheduling(app, world, officer_client):
    page = officer_client.get("/meetings/due").text
    assert "Alpha Police Station" in page and "Charlie Police Station" not in page
    assert "Schedule a visit" not in page


def test_station_page_shows_meetings_last_visit_officers_reached(
    app, world, make_person, coordinator_client
):
    from meetings.models import Meeting
    from meetings.services import register
    from partnership.extensions import db
    from partnership.organisations.models import Person

    held = create_meeting(app, [world.station_a], title="Held one", status="held",
                          starts=NOW - timedelta(days=30))  # fmt: skip
    create_meeting(app, [world.station_a], title="Next one", starts=NOW + timedelta(days=5))
    officers = [make_person("officer", world.station_a) for _ in range(2)]
    with app.app_context():
        meeting = db.session.get(Meeting, held)
        for person in officers:
            attendee = register.add_attendee(meeting, db.session.get(Person, person.id))
            register.mark_all_present(meeting, [attendee], None)
        db.session.commit()
    page = coordinator_client.get(f"/stations/{world.station_a.id}").text
    assert "Held one" in page and "Next one" in page
    assert "30 days ago" in page
    assert "Unique officers reached</dt><dd>2</dd>" in page


def test_due_list_export_follows_the_page(coordinator_client, world):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(
        coordinator_client.get(f"/meetings/due/export.csv?command={world.command.id}").data.decode("utf-8-sig")
    )))  # fmt: skip
    assert rows[0][0] == "Station"
    assert sorted(r[0] for r in rows[1:]) == ["Alpha Police Station", "Bravo Police Station"]
