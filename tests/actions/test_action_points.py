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


# ---- the list's search -------------------------------------------------------------------------

SEARCH_TEXTS = [
    ("Night patrols near the hotspot", "Officers take kits at night", ""),
    ("Hotspot-lighting repaired", "", "Lights fixed by the county"),
    ("Référral desk at the station", "Nurse visits on Fridays", "Desk opened"),
    ("Stop confiscation", "No confiscating of syringes; night shift briefed", "Briefing held"),
    ("Market kiosk", "Kits at the marketplace kiosk", ""),
]
SEARCHES = ["hotspot", "night", "nig", "place", "market", "kits night", "referral", "REF",
            "desk nurse", "lighting", "county", "confiscat", "syringes; night", "%%", "zzz"]  # fmt: skip


def _plain_search(app, user_email: str, text: str) -> list[int]:  # noqa: ANN001
    """The list's ids as a plain query finds them on the same rule: every word of the text
    begins a word of the title, details or action taken, or the text is the point's number;
    within the user's stations, in the list's order."""
    from sqlalchemy import select

    from partnership.accounts.models import User
    from partnership.extensions import db as _db
    from partnership.permissions import station_scope
    from partnership.search.index import normalise, normalise_reference, words

    with app.app_context():
        user = _db.session.scalar(select(User).where(User.email == user_email))
        scope = station_scope(user)
        terms = words(text)[:8]
        reference = normalise_reference(text)
        found = []
        points = _db.session.scalars(
            select(ActionPoint).order_by(ActionPoint.due_on, ActionPoint.id)
        )
        for point in points:
            if scope is not None and point.station_id not in scope:
                continue
            body = normalise([point.title, point.details, point.action_taken]).split()
            by_words = bool(terms) and all(any(w.startswith(t) for w in body) for t in terms)
            if by_words or reference == f"AP-{point.id}":
                found.append(point.id)
        return found


def _listed(app, user_email: str, text: str) -> list[int]:  # noqa: ANN001
    from sqlalchemy import select

    from partnership.accounts.models import User
    from partnership.actions.services.action_points import (
        ActionPointFilters,
        action_point_count_query,
        action_point_list_query,
    )
    from partnership.extensions import db as _db

    with app.app_context():
        user = _db.session.scalar(select(User).where(User.email == user_email))
        stmt = action_point_list_query(user, ActionPointFilters(q=text))
        listed = [p.id for p in _db.session.scalars(stmt)]
        # What the list's pages count: the same points, by the count's own plan.
        counted = action_point_count_query(user, ActionPointFilters(q=text))
        assert sorted(_db.session.scalars(counted)) == sorted(listed)
        return listed


@pytest.mark.parametrize("common", [0, 10_000], ids=["point by point", "gathered by id"])
def test_the_list_search_is_the_plain_query_on_the_same_rule(  # noqa: PLR0913
    app, world, make_action_point, monkeypatch, common
):
    """The list's search (the search index: FTS5 on SQLite, tsvector on PostgreSQL) finds
    exactly what a plain query finds on the same rule, for the coordinator and within an
    officer's stations, and still right after an edit: both ways, the matches gathered from
    the index and read by id (a rare word) and each point checked along the list's order (a
    word most points hold)."""
    from partnership.actions.services import action_points

    monkeypatch.setattr(action_points, "COMMON_MATCHES", common)
    points = []
    for n, (title, details, taken) in enumerate(SEARCH_TEXTS):
        for station in (world.station_a, world.station_c):
            points.append(make_action_point(
                station, title=title, details=details, action_taken=taken,
                due_on=date.today() + timedelta(days=n),
            ))  # fmt: skip
    searches = [*SEARCHES, f"AP-{points[3].id}", f"ap {points[4].id}", f"AP-{points[5].id}"]
    for email in ("coordinator@test.example", "officer@test.example"):
        for text in searches:
            assert _listed(app, email, text) == _plain_search(app, email, text), (email, text)
    assert _listed(app, "coordinator@test.example", "hotspot")  # the rule finds something
    assert not _listed(app, "officer@test.example", f"AP-{points[5].id}")  # another station's
    # An edit re-indexes the point in the same transaction.
    from partnership.extensions import db as _db

    with app.app_context():
        point = _db.session.get(ActionPoint, points[0].id)
        point.title = "Outreach van timetable"
        point.details = ""
        _db.session.commit()
    for email in ("coordinator@test.example", "officer@test.example"):
        for text in ("hotspot", "night", "outreach van", "timetable"):
            assert _listed(app, email, text) == _plain_search(app, email, text), (email, text)
    assert points[0].id in _listed(app, "officer@test.example", "outreach")


def test_the_list_search_page_says_how_it_matches(
    world, make_action_point, coordinator_client, officer_client
):
    make_action_point(world.station_a, title="Night patrols near the hotspot")
    make_action_point(world.station_c, title="Hotspot lighting at the kiosk")
    page = coordinator_client.get("/action-points?q=hotspot").get_data(as_text=True)
    assert "Night patrols" in page and "kiosk" in page
    assert "begin with each word you type" in page
    assert "Night patrols" not in coordinator_client.get("/action-points?q=patrol+kiosk").get_data(
        as_text=True
    )
    officer = officer_client.get("/action-points?q=hotspot").get_data(as_text=True)
    assert "Night patrols" in officer and "kiosk" not in officer
    assert "patrols" not in coordinator_client.get("/action-points?q=trols").get_data(as_text=True)
