"""Action points: creation, every status change, done needs the action taken, other-side
verification, follow-ups, acknowledgement, the timeline."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernStatus, FollowUp
from partnership.actions.services.action_points import (
    allowed_status_changes,
)


def _point_form(world, **overrides):
    data = {
        "title": "Brief the night shift on the NSP agreement",
        "station_id": world.station_a.id,
        "police_owner_id": world.users["officer"].id,
        "ngo_owner_id": world.users["coordinator"].id,
        "due_on": (date.today() + timedelta(days=14)).isoformat(),
        "priority": "high",
        "details": "",
    }
    data.update(overrides)
    return data


def test_create_action_point_answering_a_concern(app, db, world, make_concern, coordinator_client):
    concern = make_concern(world.station_a)
    response = coordinator_client.post(
        "/action-points/new", data={**_point_form(world), "concern_ids": [str(concern.id)]}
    )
    assert response.status_code == 302, response.data
    with app.app_context():
        point = db.session.scalars(db.select(ActionPoint)).one()
        assert [c.id for c in point.concerns] == [concern.id]
        assert point.status is ActionStatus.OPEN
        assert db.session.get(Concern, concern.id).status is ConcernStatus.BEING_ADDRESSED


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, b"This field is required"),
        ({"due_on": ""}, b"This field is required"),
        ({"station_id": "CMD"}, b"Not a valid choice"),
        ({"police_owner_id": "COORD"}, b"must be an officer of this station"),
        ({"ngo_owner_id": "OFFICER"}, b"must be an NGO account"),
    ],
)
def test_invalid_action_point_is_not_saved(app, db, world, coordinator_client, overrides, message):
    names = {"CMD": world.command.id, "COORD": world.users["coordinator"].id,
             "OFFICER": world.users["officer"].id}  # fmt: skip
    data = _point_form(world, **{k: names.get(v, v) for k, v in overrides.items()})
    response = coordinator_client.post("/action-points/new", data=data)
    assert response.status_code == 422
    assert message in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ActionPoint.id))) == 0


def test_police_owner_from_another_station_is_refused(
    app, db, world, make_user, coordinator_client
):
    other = make_user("officer", world.station_c)
    response = coordinator_client.post(
        "/action-points/new", data=_point_form(world, police_owner_id=other.id)
    )
    assert response.status_code == 422


def test_both_owners_may_be_empty(app, db, world, coordinator_client):
    response = coordinator_client.post(
        "/action-points/new", data=_point_form(world, police_owner_id="", ngo_owner_id="")
    )
    assert response.status_code == 302


ALL_PAIRS = [
    (a, b)
    for a in ActionStatus
    for b in ActionStatus
    if a is not b and b is not ActionStatus.VERIFIED
]


# The lifecycle as the product describes it, written out here rather than read from the code
# under test (a test that reads its expectation from the production table cannot fail).
EXPECTED_CHANGES = {
    "open": {"in_progress", "done", "dropped"},
    "in_progress": {"done", "dropped"},
    "done": {"verified", "reopened"},
    "verified": {"reopened"},
    "reopened": {"in_progress", "done", "dropped"},
    "dropped": {"reopened"},
}
# Officers only move their points forward; dropping and reopening are for NGO editors.
EXPECTED_OFFICER_CHANGES = {"in_progress", "done"}


def test_the_expected_table_names_every_status() -> None:
    assert set(EXPECTED_CHANGES) == {s.value for s in ActionStatus}


@pytest.mark.parametrize(("start", "to"), ALL_PAIRS)
def test_every_status_change_by_follow_up(
    app, db, world, make_action_point, coordinator_client, start, to
):
    point = make_action_point(world.station_a, status=start.value)
    response = coordinator_client.post(
        f"/action-points/{point.id}/follow-up",
        data={
            "status": to.value,
            "action_taken": "Night shift briefed.",
            "reason": "No longer needed.",
        },
    )
    allowed = to.value in EXPECTED_CHANGES[start.value]
    with app.app_context():
        status = db.session.get(ActionPoint, point.id).status
    if allowed:
        assert response.status_code == 302
        assert status is to
    else:
        assert response.status_code == 422
        assert b"cannot become" in response.data
        assert status is start


@pytest.mark.parametrize("start", list(ActionStatus))
def test_officer_may_only_progress_or_mark_done(app, world, make_action_point, start):
    point = make_action_point(world.station_a, status=start.value)
    from partnership.accounts.models import User
    from partnership.extensions import db

    with app.app_context():
        officer = db.session.get(User, world.users["officer"].id)
        allowed = allowed_status_changes(db.session.get(ActionPoint, point.id), officer)
        assert {s.value for s in allowed} == EXPECTED_CHANGES[
            start.value
        ] & EXPECTED_OFFICER_CHANGES


def test_officer_cannot_drop_a_point(app, db, world, make_action_point, officer_client):
    point = make_action_point(world.station_a)
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up", data={"status": "dropped", "reason": "Not needed"}
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.OPEN


def test_done_needs_the_action_taken(app, db, world, make_action_point, officer_client):
    point = make_action_point(world.station_a, police_owner_id=world.users["officer"].id)
    response = officer_client.post(f"/action-points/{point.id}/follow-up", data={"status": "done"})
    assert response.status_code == 422
    assert b"Describe the action taken" in response.data
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.OPEN
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"status": "done", "action_taken": "Instruction read at parade on Monday."},
    )
    assert response.status_code == 302
    with app.app_context():
        obj = db.session.get(ActionPoint, point.id)
        assert obj.status is ActionStatus.DONE
        assert obj.done_side.value == "police"
        assert obj.action_taken == "Instruction read at parade on Monday."


def test_dropping_needs_a_reason(app, db, world, make_action_point, coordinator_client):
    point = make_action_point(world.station_a)
    response = coordinator_client.post(
        f"/action-points/{point.id}/follow-up", data={"status": "dropped"}
    )
    assert response.status_code == 422
    assert b"reason for dropping" in response.data


def test_empty_follow_up_is_refused(app, db, world, make_action_point, coordinator_client):
    point = make_action_point(world.station_a)
    response = coordinator_client.post(f"/action-points/{point.id}/follow-up", data={"note": "  "})
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


def test_future_follow_up_is_refused(app, db, world, make_action_point, coordinator_client):
    point = make_action_point(world.station_a)
    response = coordinator_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"note": "Later", "on_date": (date.today() + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 422


# ---- verification by the other side --------------------------------------------------------


@pytest.mark.parametrize(
    ("done_side", "verifier", "allowed"),
    [
        ("police", "coordinator", True),
        ("police", "admin", True),
        ("police", "officer", False),
        ("ngo", "officer", True),
        ("ngo", "coordinator", False),
        ("ngo", "admin", False),
        ("ngo", "trainer", False),
        ("police", "viewer", False),
    ],
)
def test_verification_is_by_the_other_side(
    app, db, world, make_action_point, login_as, done_side, verifier, allowed
):
    point = make_action_point(
        world.station_a, status="done", done_side=done_side, action_taken="Done."
    )
    client = login_as(verifier)
    response = client.post(f"/action-points/{point.id}/verify", data={"adequate": "yes"})
    with app.app_context():
        obj = db.session.get(ActionPoint, point.id)
    if allowed:
        assert response.status_code == 302
        assert obj.status is ActionStatus.VERIFIED
        assert obj.verified_adequate is True
        assert obj.verified_by_id == world.users[verifier].id
        assert obj.days_to_verification == 0
    else:
        assert response.status_code == 403
        assert obj.status is ActionStatus.DONE


def test_inadequate_result_reopens_with_a_note(
    app, db, world, make_action_point, coordinator_client
):
    point = make_action_point(
        world.station_a, status="done", done_side="police", action_taken="Done."
    )
    response = coordinator_client.post(f"/action-points/{point.id}/verify", data={"adequate": "no"})
    assert response.status_code == 422
    assert b"still missing" in response.data
    response = coordinator_client.post(
        f"/action-points/{point.id}/verify",
        data={"adequate": "no", "note": "Confiscations continued last week."},
    )
    assert response.status_code == 302
    with app.app_context():
        obj = db.session.get(ActionPoint, point.id)
        assert obj.status is ActionStatus.REOPENED
        assert obj.verified_adequate is False
        assert obj.done_side is None


def test_only_done_points_can_be_verified(app, db, world, make_action_point, coordinator_client):
    point = make_action_point(world.station_a, status="in_progress")
    assert coordinator_client.get(f"/action-points/{point.id}/verify").status_code == 403


def test_acknowledge_once(app, db, world, make_action_point, officer_client):
    point = make_action_point(world.station_a)
    assert officer_client.post(f"/action-points/{point.id}/acknowledge").status_code == 302
    with app.app_context():
        obj = db.session.get(ActionPoint, point.id)
        assert obj.acknowledged_by_id == world.users["officer"].id
    response = officer_client.post(f"/action-points/{point.id}/acknowledge", follow_redirects=True)
    assert b"already acknowledged" in response.data


def test_officer_cannot_update_another_stations_point(
    app, db, world, make_action_point, officer_client
):
    point = make_action_point(world.station_b)
    assert (
        officer_client.post(f"/action-points/{point.id}/follow-up", data={"note": "x"}).status_code
        == 404
    )
    assert officer_client.post(f"/action-points/{point.id}/acknowledge").status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FollowUp.id))) == 0


def test_timeline_merges_follow_ups_and_audit_history(
    app, db, world, make_action_point, coordinator_client
):
    point = make_action_point(world.station_a)
    coordinator_client.post(
        f"/action-points/{point.id}/follow-up", data={"note": "Called the OCS."}
    )
    coordinator_client.post(f"/action-points/{point.id}/follow-up", data={"status": "in_progress"})
    page = coordinator_client.get(f"/action-points/{point.id}").data.decode()
    assert "Called the OCS." in page
    assert "Open → In progress" in page
    assert "record changed" in page and "status" in page


def test_viewer_reads_points_without_concern_summaries(
    world, make_concern, make_action_point, viewer_client
):
    concern = make_concern(world.station_a, summary="Summary viewers must not read")
    point = make_action_point(world.station_a, concerns=[concern])
    page = viewer_client.get(f"/action-points/{point.id}").data
    assert b"Stop confiscating" in page
    assert b"Summary viewers must not read" not in page
    assert b"Record the follow-up" not in page
