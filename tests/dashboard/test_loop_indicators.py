"""Problem-solving indicators on the dashboard and the station story, counted by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.dashboard.conftest import PERIOD, at
from tests.dashboard.test_indicators import tiles
from tests.meetings.helpers import create_meeting

TODAY = date.today()


def loop_fixture(world, make_concern, make_action_point) -> None:  # noqa: ANN001
    a, c = world.station_a, world.station_c
    # Concerns in the period: A 3 (2 raids in Feb, 1 confiscation in Mar), C 1; one outside.
    make_concern(a, category="raids", occurred_on=date(2026, 2, 3))
    make_concern(a, category="raids", occurred_on=date(2026, 2, 17), restricted_details="Name X")
    make_concern(a, category="confiscation", occurred_on=date(2026, 3, 9))
    make_concern(c, category="extortion", occurred_on=date(2026, 4, 2))
    make_concern(a, category="raids", occurred_on=date(2025, 10, 2))
    # Action points now: A open not yet due; A open 20 days overdue (escalated at 14);
    # A in progress 3 days overdue; C verified on time in the period; A verified late.
    make_action_point(a, due_on=TODAY + timedelta(days=5))
    make_action_point(a, due_on=TODAY - timedelta(days=20))
    make_action_point(a, status="in_progress", due_on=TODAY - timedelta(days=3))
    make_action_point(c, status="verified", due_on=date(2026, 3, 31), done_on=date(2026, 3, 20),
                      verified_at=datetime(2026, 3, 25, tzinfo=UTC), done_side="police")  # fmt: skip
    make_action_point(a, status="verified", due_on=date(2026, 2, 28), done_on=date(2026, 3, 10),
                      verified_at=datetime(2026, 3, 12, tzinfo=UTC), done_side="ngo")  # fmt: skip


def test_loop_indicators_for_the_coordinator(
    coordinator_client, world, make_concern, make_action_point
):
    loop_fixture(world, make_concern, make_action_point)
    html = coordinator_client.get(f"/?{PERIOD}").data.decode()
    t = tiles(html)
    assert t["action points open"] == "3"
    assert t["action points overdue"] == "2"
    assert t["escalated to the command"] == "1"
    assert t["verified in the period, done on time"] == "1 / 2"
    assert t["concerns raised in the period"] == "4"
    assert "Raids at hotspots" in html or "raids" in html.lower()
    assert "Name X" not in html  # restricted details never on the dashboard


def test_loop_indicators_for_the_officer(officer_client, world, make_concern, make_action_point):
    loop_fixture(world, make_concern, make_action_point)
    t = tiles(officer_client.get(f"/?{PERIOD}").data.decode())
    # Station A's 3 open points and its 1 verified point are small counts for an officer.
    assert t["action points open"] == "&lt;5"
    assert t["action points overdue"] == "&lt;5"
    assert t["verified in the period, done on time"] == "0 / &lt;5"
    assert t["concerns raised in the period"] == "&lt;5"  # 3 at station A, suppressed


def test_action_point_tiles_cannot_be_subtracted_for_an_officer(
    officer_client, coordinator_client, world, make_action_point
):
    # Station A: 7 open points, 6 of them overdue. "7 open, 6 overdue" would give away that one
    # is not overdue, so the officer reads the open total and the overdue part withheld.
    for days in range(1, 7):
        make_action_point(world.station_a, due_on=TODAY - timedelta(days=days))
    make_action_point(world.station_a, due_on=TODAY + timedelta(days=5))
    officer = tiles(officer_client.get(f"/?{PERIOD}").data.decode())
    assert officer["action points open"] == "7"
    assert officer["action points overdue"] == "—"
    coordinator = tiles(coordinator_client.get(f"/?{PERIOD}").data.decode())
    assert coordinator["action points open"] == "7"
    assert coordinator["action points overdue"] == "6"


def test_concerns_before_and_after_the_first_sensitisation(
    app, coordinator_client, world, make_concern
):
    a = world.station_a
    create_meeting(app, [a], starts=at("2026-03-01"), status="held")
    create_meeting(app, [a], kind="station_visit", starts=at("2026-01-15"), status="held")
    for day in (date(2026, 1, 5), date(2026, 2, 1), date(2026, 2, 27)):
        make_concern(a, occurred_on=day)
    make_concern(a, occurred_on=date(2026, 4, 10))
    make_concern(a, occurred_on=date(2025, 6, 1))  # outside the 180-day window
    html = coordinator_client.get(f"/stations/{a.id}").data.decode()
    assert "First sensitisation meeting held on" in html
    assert "Concerns in the 180 days before: 3; in the 180 days after: 1." in html


def test_station_story_without_sensitisation_offers_to_schedule_one(coordinator_client, world):
    html = coordinator_client.get(f"/stations/{world.station_b.id}").data.decode()
    assert "No sensitisation meeting has been held at this station yet." in html
    assert f"/meetings/new?station={world.station_b.id}&amp;kind=sensitisation" in html
