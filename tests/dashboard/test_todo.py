"""The dashboard's to-do: what waits for the user, each item linking to its page, in the
user's scope only, and a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.meetings.helpers import create_meeting

TODAY = date.today()


@pytest.fixture()
def waiting(app, world, make_concern, make_action_point):  # noqa: ANN001
    a, c = world.station_a, world.station_c
    unacknowledged = make_action_point(
        a, title="Return confiscated kits", due_on=TODAY + timedelta(days=3)
    )
    overdue = make_action_point(a, title="Brief the night shift", due_on=TODAY - timedelta(days=4))
    done_by_ngo = make_action_point(a, title="Share the referral cards", status="done",
                                    done_on=TODAY - timedelta(days=1), done_side="ngo")  # fmt: skip
    done_by_police = make_action_point(a, title="Post the hotline poster", status="done",
                                       done_on=TODAY - timedelta(days=2), done_side="police")  # fmt: skip
    make_action_point(c, title="Charlie point", due_on=TODAY + timedelta(days=2))
    settled = make_concern(a, summary="Kits taken at the market")
    make_action_point(a, title="Agree a kit protocol", status="verified", concerns=[settled],
                      done_on=TODAY - timedelta(days=9), done_side="police",
                      verified_at=datetime.now(UTC))  # fmt: skip
    unsettled = make_concern(a, summary="Raid at the drop-in")
    make_action_point(
        a, title="Meet the OCS", concerns=[unsettled], due_on=TODAY + timedelta(days=9)
    )
    meeting = create_meeting(app, [a], title="Quarterly visit Alpha", status="confirmed",
                             starts=datetime.now(UTC) + timedelta(days=3))  # fmt: skip
    create_meeting(app, [c], title="Charlie visit", status="confirmed",
                   starts=datetime.now(UTC) + timedelta(days=4))  # fmt: skip
    return {
        "unacknowledged": unacknowledged,
        "overdue": overdue,
        "done_by_ngo": done_by_ngo,
        "done_by_police": done_by_police,
        "settled": settled,
        "unsettled": unsettled,
        "meeting": meeting,
    }


def todo_section(html: str) -> str:
    start = html.index('id="todo-h"')
    return html[start : html.index("</section>", start)]


def test_the_officer_leads_with_what_waits_for_them(officer_client, world, waiting):
    html = officer_client.get("/").get_data(as_text=True)
    todo = todo_section(html)
    assert html.index('id="todo-h"') < html.index("Station work")
    point = waiting["unacknowledged"]
    assert f'href="/action-points/{point.id}">Acknowledge: Return confiscated kits</a>' in todo
    assert (
        f'href="/action-points/{waiting["overdue"].id}#follow-up-h">Follow up: Brief the night shift'
        in todo
    )
    assert "overdue since" in todo
    assert (
        f'href="/action-points/{waiting["done_by_ngo"].id}">Verify: Share the referral cards'
        in todo
    )
    # Done by the police side: the NGO verifies it, not the officer.
    assert "Post the hotline poster" not in todo
    assert f'href="/meetings/{waiting["meeting"]}">Prepare: Quarterly visit Alpha' in todo
    # Officers see their own stations only.
    assert "Charlie" not in todo


def test_an_acknowledged_point_leaves_the_officers_todo(officer_client, world, waiting):
    point = waiting["unacknowledged"]
    response = officer_client.post(f"/action-points/{point.id}/acknowledge")
    assert response.status_code == 302
    todo = todo_section(officer_client.get("/").get_data(as_text=True))
    assert "Acknowledge: Return confiscated kits" not in todo


def test_the_coordinator_is_told_what_to_verify_resolve_and_schedule(
    coordinator_client, world, waiting
):
    todo = todo_section(coordinator_client.get("/").get_data(as_text=True))
    assert (
        f'href="/action-points/{waiting["done_by_police"].id}">Verify: Post the hotline poster'
        in todo
    )
    assert "Share the referral cards" not in todo  # the police side verifies that one
    settled = waiting["settled"]
    assert f'href="/concerns/{settled.id}">Resolve: concern #{settled.id}' in todo
    assert f"concern #{waiting['unsettled'].id}" not in todo  # a point is still open
    # Every station of the world is due a visit (none was ever visited).
    assert (
        'href="/meetings/due?state=overdue">Schedule visits: 3 stations are due or overdue' in todo
    )
    assert "Prepare: Charlie visit" in todo and "Prepare: Quarterly visit Alpha" in todo
    assert "Acknowledge:" not in todo


@pytest.mark.parametrize("role", ["trainer", "viewer"])
def test_roles_with_nothing_to_act_on_get_no_todo(login_as, world, waiting, role):
    html = login_as(role).get("/").get_data(as_text=True)
    assert 'id="todo-h"' not in html


@pytest.mark.parametrize("role", ["officer", "coordinator"])
def test_the_todo_costs_the_same_queries_whatever_the_data(
    app, world, login_as, count_queries, make_action_point, make_concern, role
):
    from partnership.caching import cache

    client = login_as(role)

    def load() -> None:
        with app.app_context():
            cache.clear()
        assert client.get("/").status_code == 200

    def add(n: int) -> None:
        for i in range(n):
            concern = make_concern(world.station_a, summary=f"Concern {i}")
            make_action_point(world.station_a, title=f"Point {i}", concerns=[concern],
                              due_on=TODAY + timedelta(days=i % 20 - 10))  # fmt: skip
            make_action_point(world.station_a, title=f"Done {i}", status="done",
                              done_on=TODAY, done_side="ngo" if i % 2 else "police")  # fmt: skip
            create_meeting(app, [world.station_a], title=f"Visit {i}", status="confirmed",
                           starts=datetime.now(UTC) + timedelta(days=1 + i % 10))  # fmt: skip

    add(2)
    client.get("/")
    with count_queries() as small:
        load()
    add(12)
    with count_queries() as large:
        load()
    assert large.count == small.count, (small.statements, large.statements)
    html = client.get("/").get_data(as_text=True)
    assert "Every coming meeting" in html  # more than shown: the list links to all of them


def test_an_acknowledged_point_leaves_the_todo_kept_by_the_dashboard_at_once(
    officer_client, world, waiting, live_cache
):
    first = todo_section(officer_client.get("/").get_data(as_text=True))
    assert "Acknowledge: Return confiscated kits" in first
    assert todo_section(officer_client.get("/").get_data(as_text=True)) == first  # kept
    point = waiting["unacknowledged"]
    assert officer_client.post(f"/action-points/{point.id}/acknowledge").status_code == 302
    todo = todo_section(officer_client.get("/").get_data(as_text=True))
    assert "Acknowledge: Return confiscated kits" not in todo
    assert "Prepare: Quarterly visit Alpha" in todo  # the meetings are read on every load


def test_a_meeting_cancelled_leaves_the_todo_kept_by_the_dashboard(
    app, coordinator_client, world, waiting, live_cache
):
    from meetings.models import Meeting, MeetingStatus
    from partnership.extensions import db

    assert "Prepare: Charlie visit" in todo_section(
        coordinator_client.get("/").get_data(as_text=True)
    )
    with app.app_context():
        meeting = db.session.scalar(db.select(Meeting).where(Meeting.title == "Charlie visit"))
        meeting.status = MeetingStatus.CANCELLED
        db.session.commit()
    todo = todo_section(coordinator_client.get("/").get_data(as_text=True))
    assert "Prepare: Charlie visit" not in todo
    assert "Prepare: Quarterly visit Alpha" in todo


def test_the_kept_todo_follows_its_meetings_as_one_ends_and_the_next_comes_within_two_weeks(
    app, coordinator_client, officer_client, world, live_cache
):
    """No write marks a meeting ending or coming within the to-do's two weeks: the kept to-do
    is kept until the first such moment, then read again."""
    import time

    from meetings.models import Meeting
    from partnership.extensions import db

    now = datetime.now(UTC)
    create_meeting(app, [world.station_a], title="Ending visit", status="confirmed",
                   starts=now - timedelta(hours=1))  # fmt: skip
    create_meeting(app, [world.station_a], title="Coming visit", status="confirmed",
                   starts=now + timedelta(days=20))  # fmt: skip
    create_meeting(app, [world.station_c], title="Charlie soon", status="confirmed",
                   starts=now + timedelta(days=20))  # fmt: skip
    moment = datetime.now(UTC) + timedelta(seconds=4)
    with app.app_context():  # one ends in a few seconds, the other then starts in two weeks
        ending = db.session.scalar(db.select(Meeting).where(Meeting.title == "Ending visit"))
        ending.ends_at = moment
        coming = db.session.scalar(db.select(Meeting).where(Meeting.title == "Coming visit"))
        coming.starts_at = moment + timedelta(days=14, seconds=1)
        coming.ends_at = coming.starts_at + timedelta(hours=2)
        db.session.commit()
    for client in (coordinator_client, officer_client):
        first = todo_section(client.get("/").get_data(as_text=True))
        assert "Prepare: Ending visit" in first and "Prepare: Coming visit" not in first
        assert todo_section(client.get("/").get_data(as_text=True)) == first  # kept
    assert "Charlie soon" not in todo_section(officer_client.get("/").get_data(as_text=True))
    time.sleep(max((moment - datetime.now(UTC)).total_seconds(), 0) + 1.5)
    for client in (coordinator_client, officer_client):
        todo = todo_section(client.get("/").get_data(as_text=True))
        assert "Prepare: Ending visit" not in todo
        assert "Prepare: Coming visit" in todo
    assert "Charlie soon" not in todo_section(officer_client.get("/").get_data(as_text=True))
