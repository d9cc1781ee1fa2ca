"""The loop wired into meetings: the agenda carries open concerns and action points forward,
points are agreed and reviewed at the meeting, concerns move onto the agenda, and the station
brief counts from the station's last held meeting."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernStatus, FollowUp
from tests.meetings.helpers import create_meeting


def test_agenda_carries_forward_open_items_with_their_current_status(
    app, db, world, make_concern, make_action_point, coordinator_client
):
    concern = make_concern(world.station_a, summary="Raids at the market hotspot")
    make_concern(world.station_a, summary="Already resolved one", status="resolved")
    make_concern(world.station_c, summary="Another command's concern")
    point = make_action_point(world.station_a, title="Brief the patrol sergeants")
    make_action_point(world.station_a, title="Verified long ago", status="verified")
    meeting_id = create_meeting(app, [world.station_a])
    page = coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    # Carried forward onto the agenda itself, as agenda items.
    section = page.split('<ol class="agenda">')[1].split("</ol>")[0]
    assert "No agenda yet" not in page
    assert f"C-{concern.id}" in section and "Raids at the market hotspot" in section
    assert "Already resolved one" not in section
    assert "Another command" not in section
    assert f"AP-{point.id}" in section and "Brief the patrol sergeants" in section
    assert "Verified long ago" not in section
    # The agenda shows the status as it is now, not as it was when the meeting was planned.
    with app.app_context():
        db.session.get(ActionPoint, point.id).status = ActionStatus.IN_PROGRESS
        db.session.commit()
    section = coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    assert "In progress" in section.split('<ol class="agenda">')[1].split("</ol>")[0]


def test_meeting_page_shows_no_restricted_details(app, world, make_concern, login_as):
    make_concern(world.station_a, summary="Summary ok", restricted_details="Client Q-991 named")
    meeting_id = create_meeting(app, [world.station_a])
    for role in ("officer", "trainer", "viewer"):
        page = login_as(role).get(f"/meetings/{meeting_id}").data.decode()
        assert "Q-991" not in page, role
    viewer_page = login_as("viewer").get(f"/meetings/{meeting_id}").data.decode()
    assert "Summary ok" not in viewer_page


def test_action_point_agreed_at_the_meeting(app, db, world, make_concern, coordinator_client):
    concern = make_concern(world.station_a)
    meeting_id = create_meeting(app, [world.station_a])
    page = coordinator_client.get(
        f"/meetings/{meeting_id}/action-points/new?station={world.station_a.id}&concern={concern.id}"
    )
    assert b"Agreed at: Sensitisation meeting" in page.data
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/action-points/new",
        data={
            "title": "Stop searches at the drop-in gate",
            "station_id": world.station_a.id,
            "concern_ids": [str(concern.id)],
            "police_owner_id": world.users["officer"].id,
            "due_on": (date.today() + timedelta(days=30)).isoformat(),
            "priority": "normal",
        },
    )
    # Back on the meeting, ready to agree the next point.
    assert response.status_code == 302
    assert response.location.endswith(f"/meetings/{meeting_id}#loop")
    with app.app_context():
        point = db.session.scalars(db.select(ActionPoint)).one()
        assert point.origin_meeting_id == meeting_id
        assert db.session.get(Concern, concern.id).status is ConcernStatus.BEING_ADDRESSED
    section = coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    agreed = section.split("Action points agreed at this meeting")[1]
    assert "Stop searches at the drop-in gate" in agreed
    detail = coordinator_client.get(f"/action-points/{point.id}").data.decode()
    assert "Sensitisation meeting" in detail


def test_no_action_point_is_agreed_at_a_cancelled_meeting(
    app, db, world, make_concern, coordinator_client
):
    """The meeting page offers no agreement at a cancelled meeting; a direct request is refused
    the same way and writes nothing."""
    concern = make_concern(world.station_a)
    meeting_id = create_meeting(app, [world.station_a], status="cancelled")
    page = coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    assert f"/meetings/{meeting_id}/action-points/new" not in page
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/action-points/new",
        data={
            "title": "Agreed at a meeting that never happened",
            "station_id": world.station_a.id,
            "concern_ids": [str(concern.id)],
            "due_on": (date.today() + timedelta(days=30)).isoformat(),
            "priority": "normal",
        },
    )
    assert response.status_code == 422
    assert "This meeting was cancelled." in response.data.decode()
    with app.app_context():
        assert db.session.scalars(db.select(ActionPoint)).all() == []
        assert db.session.get(Concern, concern.id).status is ConcernStatus.OPEN


def test_unknown_origin_meeting_is_not_found(world, coordinator_client):
    assert coordinator_client.get("/meetings/99999/action-points/new").status_code == 404


def test_reviewing_a_point_at_the_meeting_is_recorded(
    app, db, world, make_action_point, coordinator_client
):
    point = make_action_point(world.station_a)
    other = make_action_point(world.station_c)
    meeting_id = create_meeting(app, [world.station_a])
    response = coordinator_client.post(f"/meetings/{meeting_id}/action-points/{point.id}/review")
    assert response.status_code == 302
    with app.app_context():
        follow_up = db.session.scalars(db.select(FollowUp)).one()
        assert follow_up.meeting_id == meeting_id
        assert follow_up.action_point_id == point.id
    page = coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    assert "reviewed at this meeting" in page
    # A point of a station that is not at the meeting cannot be reviewed there.
    assert (
        coordinator_client.post(
            f"/meetings/{meeting_id}/action-points/{other.id}/review"
        ).status_code
        == 404
    )
    timeline = coordinator_client.get(f"/action-points/{point.id}").data.decode()
    assert "Reviewed at a meeting" in timeline


def test_concerns_move_onto_the_agenda(app, db, world, make_concern, coordinator_client):
    waiting = make_concern(world.station_a)
    meeting_id = create_meeting(app, [world.station_a])
    assert coordinator_client.post(f"/meetings/{meeting_id}/confirm").status_code == 302
    with app.app_context():
        assert db.session.get(Concern, waiting.id).status is ConcernStatus.ON_AGENDA
    # A concern logged while a meeting is coming up goes straight onto its agenda.
    coordinator_client.post(
        "/concerns/new",
        data={"station_id": world.station_a.id, "category": "raids",
              "occurred_on": date.today().isoformat(), "summary": "Raid on Tuesday",
              "consent_scope": "individual_help"},
    )  # fmt: skip
    with app.app_context():
        new = db.session.scalars(
            db.select(Concern).where(Concern.summary == "Raid on Tuesday")
        ).one()
        assert new.status is ConcernStatus.ON_AGENDA


def test_brief_counts_changes_since_the_last_held_meeting(
    app, db, world, make_action_point, make_concern, coordinator_client
):
    held_at = datetime.now(UTC) - timedelta(days=10)
    create_meeting(
        app, [world.station_a], title="Last quarter's meeting", starts=held_at, status="held"
    )
    old = make_action_point(world.station_a, title="Agreed before that meeting")
    with app.app_context():
        db.session.get(ActionPoint, old.id).created_at = datetime.now(UTC) - timedelta(days=30)
        db.session.commit()
    make_concern(world.station_a, summary="New since the meeting")
    page = coordinator_client.get(f"/stations/{world.station_a.id}/brief").data.decode()
    assert "Last quarter&#39;s meeting" in page or "Last quarter's meeting" in page
    changes = page.split('id="b-changes"')[1]
    assert "New concern" in changes
    assert "Agreed before that meeting" not in changes


def test_minutes_references_link_to_concerns_and_points(app):
    from partnership.actions.views import loop_refs

    with app.test_request_context():
        html = str(loop_refs("Discussed C-12 and AP-7. <script>x</script> NC-3 stays text."))
    assert '<a href="/concerns/12">C-12</a>' in html
    assert '<a href="/action-points/7">AP-7</a>' in html
    assert "&lt;script&gt;" in html
    assert "NC-3" in html and "/concerns/3" not in html


def test_meeting_page_query_count_does_not_grow_with_carried_items(
    app, world, make_concern, make_action_point, coordinator_client, count_queries
):
    meeting_id = create_meeting(app, [world.station_a, world.station_b])
    make_concern(world.station_a)
    make_action_point(world.station_b)
    coordinator_client.get(f"/meetings/{meeting_id}")
    with count_queries() as small:
        assert coordinator_client.get(f"/meetings/{meeting_id}").status_code == 200
    for _ in range(15):
        make_concern(world.station_b)
        make_action_point(world.station_a, police_owner_id=world.users["officer"].id)
    with count_queries() as large:
        assert coordinator_client.get(f"/meetings/{meeting_id}").status_code == 200
    assert small.count == large.count, large.statements


def test_cancelling_the_only_coming_meeting_returns_concerns_to_open(
    app, db, world, make_concern, coordinator_client
):
    waiting = make_concern(world.station_a)
    first = create_meeting(app, [world.station_a])
    second = create_meeting(app, [world.station_a], starts=datetime.now(UTC) + timedelta(days=40))
    coordinator_client.post(f"/meetings/{first}/confirm")
    with app.app_context():
        assert db.session.get(Concern, waiting.id).status is ConcernStatus.ON_AGENDA
    # Another meeting is still coming: the concern stays on the agenda.
    response = coordinator_client.post(
        f"/meetings/{first}/cancel", data={"reason": "Election week"}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Concern, waiting.id).status is ConcernStatus.ON_AGENDA
    # The last one goes too: the concern is open again, with the reason recorded.
    coordinator_client.post(f"/meetings/{second}/cancel", data={"reason": "Station closed"})
    with app.app_context():
        concern = db.session.get(Concern, waiting.id)
        assert concern.status is ConcernStatus.OPEN
        assert concern.status_reason == "The meeting was cancelled."
