"""The loop closes itself: once the last open action point of a concern is verified, the
concern is offered for resolution (on the point's page and the concern's page) with the
outcome pre-filled from the verified points; its status never changes by itself. The concern
page names and links the meetings whose agenda carries it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from partnership.actions.models import ActionPoint, Concern, ConcernStatus
from tests.meetings.helpers import create_meeting


def _concern_with_points(world, make_concern, make_action_point):  # noqa: ANN001, ANN202
    concern = make_concern(
        world.station_a, summary="Syringes confiscated at the hotspot", status="being_addressed"
    )
    first = make_action_point(
        world.station_a,
        title="Brief the night patrols",
        status="verified",
        action_taken="Instruction read at every shift parade.",
        verification_note="Outreach workers confirm.",
        concerns=[concern],
    )
    last = make_action_point(
        world.station_a,
        title="Return the confiscated kits",
        status="done",
        done_side="ngo",
        action_taken="Kits collected from the station store.",
        concerns=[concern],
    )
    return concern, first, last


def test_verifying_the_last_point_offers_to_resolve_with_the_outcome_prefilled(
    app, db, world, make_concern, make_action_point, login_as
):
    concern, first, last = _concern_with_points(world, make_concern, make_action_point)
    coordinator = login_as("coordinator")
    page = coordinator.get(f"/concerns/{concern.id}").data.decode()
    assert "Resolve this concern" not in page  # one point still waits for verification

    # The police side verifies the last point (the NGO marked it done).
    officer = login_as("officer")
    response = officer.post(f"/action-points/{last.id}/verify", data={"adequate": "yes"})
    assert response.status_code == 302
    with app.app_context():
        # Never silently: the concern is still being addressed.
        assert db.session.get(Concern, concern.id).status is ConcernStatus.BEING_ADDRESSED
    # The officer may verify but does not resolve concerns: no prompt for them.
    page = officer.get(f"/action-points/{last.id}").data.decode()
    assert "Resolve this concern" not in page

    for url in (f"/concerns/{concern.id}", f"/action-points/{last.id}"):
        page = coordinator.get(url).data.decode()
        assert "Resolve this concern" in page, url
        assert f'action="/concerns/{concern.id}/resolve"' in page
        outcome = page.split(f'id="resolve-{concern.id}-outcome"')[1].split("</textarea>")[0]
        assert f"AP-{first.id} Brief the night patrols" in outcome
        assert "Instruction read at every shift parade." in outcome
        assert "Outreach workers confirm." in outcome
        assert f"AP-{last.id} Return the confiscated kits" in outcome
    # The point's page links to the concern it offers to resolve.
    assert f'href="/concerns/{concern.id}"' in coordinator.get(f"/action-points/{last.id}").text


def test_resolving_writes_the_outcome_and_closes_the_prompt(
    app, db, world, make_concern, make_action_point, coordinator_client, login_as
):
    concern, _first, last = _concern_with_points(world, make_concern, make_action_point)
    with app.app_context():
        db.session.get(ActionPoint, last.id).status = "verified"
        db.session.commit()
    response = coordinator_client.post(
        f"/concerns/{concern.id}/resolve",
        data={f"resolve-{concern.id}-outcome": "Patrols briefed; kits returned."},
    )
    assert response.status_code == 302
    page = coordinator_client.get(response.headers["Location"]).data.decode()
    assert "The concern is now “Resolved”." in page
    assert "Patrols briefed; kits returned." in page
    assert "Resolve this concern" not in page
    with app.app_context():
        obj = db.session.get(Concern, concern.id)
        assert obj.status is ConcernStatus.RESOLVED
        assert obj.outcome == "Patrols briefed; kits returned."
    assert (
        "Patrols briefed; kits returned." in login_as("officer").get(f"/concerns/{concern.id}").text
    )
    # A second resolve (a page left open) is refused with a message, not an error page.
    response = coordinator_client.post(
        f"/concerns/{concern.id}/resolve",
        data={f"resolve-{concern.id}-outcome": "Again."},
        follow_redirects=True,
    )
    assert "cannot become “Resolved”" in response.data.decode()


def test_an_empty_outcome_is_refused_by_the_field(
    app, db, world, make_concern, make_action_point, coordinator_client
):
    concern, _first, last = _concern_with_points(world, make_concern, make_action_point)
    response = coordinator_client.post(
        f"/concerns/{concern.id}/resolve", data={f"resolve-{concern.id}-outcome": "  "}
    )
    assert response.status_code == 422
    page = response.data.decode()
    assert f'id="resolve-{concern.id}-outcome-error"' in page
    with app.app_context():
        assert db.session.get(Concern, concern.id).status is ConcernStatus.BEING_ADDRESSED


def test_a_dropped_point_does_not_hold_the_concern_open(
    app, world, make_concern, make_action_point, coordinator_client
):
    concern = make_concern(world.station_a, status="being_addressed")
    make_action_point(world.station_a, status="verified", action_taken="Done.", concerns=[concern])
    make_action_point(world.station_a, status="dropped", concerns=[concern])
    assert "Resolve this concern" in coordinator_client.get(f"/concerns/{concern.id}").text
    other = make_concern(world.station_a, status="being_addressed")
    make_action_point(world.station_a, status="dropped", concerns=[other])
    assert "Resolve this concern" not in coordinator_client.get(f"/concerns/{other.id}").text


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_only_ngo_editors_resolve(app, db, world, make_concern, make_action_point, login_as, role):
    concern, _first, _last = _concern_with_points(world, make_concern, make_action_point)
    response = login_as(role).post(
        f"/concerns/{concern.id}/resolve", data={f"resolve-{concern.id}-outcome": "Solved."}
    )
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(Concern, concern.id).status is ConcernStatus.BEING_ADDRESSED


# ---- the meetings a concern is on ---------------------------------------------------------------


def test_the_concern_page_names_and_links_the_meetings_that_carry_it(
    app, world, make_concern, login_as
):
    concern = make_concern(world.station_a, status="on_agenda")
    starts = (datetime.now(UTC) + timedelta(days=9)).replace(hour=7, minute=0, microsecond=0)
    coming = create_meeting(app, [world.station_a], title="Quarterly visit to Alpha", starts=starts)
    held = create_meeting(
        app,
        [world.station_a],
        title="Joint review",
        status="held",
        starts=datetime.now(UTC),  # after the concern was logged
    )
    elsewhere = create_meeting(app, [world.station_b], title="Bravo visit", starts=starts)
    day = starts.astimezone(ZoneInfo("Africa/Nairobi")).strftime("%-d %b %Y")
    for role in ("coordinator", "officer"):
        page = login_as(role).get(f"/concerns/{concern.id}").data.decode()
        assert (
            f'<a href="/meetings/{coming}">On the agenda of Quarterly visit to Alpha, {day}</a>'
            in page
        ), role
        assert f'href="/meetings/{held}">Was on the agenda of Joint review' in page, role
        assert f"/meetings/{elsewhere}" not in page


# ---- the timeline speaks in labels and names -----------------------------------------------------


def test_the_timeline_names_fields_and_people_as_the_reader_does(
    app, db, world, make_action_point, coordinator_client, login_as
):
    point = make_action_point(world.station_a, title="Brief the patrols")
    with app.test_request_context():
        from flask_login import login_user

        from partnership.accounts.models import User

        with app.app_context():
            login_user(db.session.get(User, world.users["coordinator"].id))
            obj = db.session.get(ActionPoint, point.id)
            obj.due_on = obj.due_on + timedelta(days=7)
            obj.police_owner_id = world.users["officer"].id
            db.session.commit()
    page = coordinator_client.get(f"/action-points/{point.id}").data.decode()
    timeline = page.split('id="timeline-h"')[1]
    assert "record changed: Police owner, Due date" in timeline or (
        "record changed: Due date, Police owner" in timeline
    )
    assert "Test coordinator" in timeline
    assert "coordinator@test.example" not in timeline
    assert "police_owner_id" not in timeline and "due_on" not in timeline
    # In the reader's language.
    with app.app_context():
        from partnership.accounts.models import User

        db.session.get(User, world.users["officer"].id).locale = "sw"
        db.session.commit()
    page = login_as("officer").get(f"/action-points/{point.id}").data.decode()
    assert "Due date" not in page.split('id="timeline-h"')[1]


# ---- the agenda carries the loop's items -------------------------------------------------------


def test_carried_forward_items_stand_on_the_agenda_after_its_own_items(
    app, db, world, make_concern, make_action_point, coordinator_client
):
    from meetings.models import AgendaItem

    meeting_id = create_meeting(app, [world.station_a])
    page = coordinator_client.get(f"/meetings/{meeting_id}").text
    assert "No agenda yet." in page
    concern = make_concern(world.station_a, summary="Raids near the drop-in centre")
    point = make_action_point(world.station_a, title="Brief the patrol sergeants")
    with app.app_context():
        db.session.add(AgendaItem(meeting_id=meeting_id, title="Welcome", position=1))
        db.session.commit()
    page = coordinator_client.get(f"/meetings/{meeting_id}").text
    assert "No agenda yet." not in page
    agenda = page.split('<ol class="agenda">')[1].split("</ol>")[0]
    items = agenda.split("<li")[1:]
    assert "Welcome" in items[0]
    assert f"C-{concern.id}" in items[1] and "Raids near the drop-in centre" in items[1]
    assert "Agree an action point" in items[1]
    assert f"AP-{point.id}" in items[2] and "Mark reviewed here" in items[2]
