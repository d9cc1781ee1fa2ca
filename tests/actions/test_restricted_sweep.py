"""No restricted concern text in anything an officer, trainer or viewer receives: pages,
search results, exports, briefs, the review, error pages."""

from __future__ import annotations

import pytest

SECRET = "Zawadi-Kamau-7731"


@pytest.fixture()
def secret_world(world, make_concern, make_action_point, app, db):
    concern = make_concern(world.station_a, summary="Clients stopped near the drop-in centre",
                           restricted_details=f"Client {SECRET} was detained")  # fmt: skip
    point = make_action_point(
        world.station_a, concerns=[concern], police_owner_id=world.users["officer"].id
    )
    from partnership.actions.models import Concern, ConcernNote

    with app.app_context():
        db.session.add(
            ConcernNote(
                concern=db.session.get(Concern, concern.id), text=f"Note {SECRET}", restricted=True
            )
        )
        db.session.commit()
    return world, concern, point


def _urls(world, concern, point):
    return [
        "/concerns",
        "/concerns?q=drop-in",
        "/concerns/export.csv",
        "/concerns/export.xlsx",
        f"/concerns/{concern.id}",
        f"/concerns/{concern.id}/edit",
        "/action-points",
        f"/action-points/{point.id}",
        "/action-points/export.csv",
        "/my-review",
        "/measures",
        f"/stations/{world.station_a.id}/brief",
        f"/stations/{world.station_a.id}/brief.pdf",
        f"/organisations/{world.station_a.id}",
        "/",
    ]


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_no_restricted_text_reaches_other_roles(secret_world, login_as, role):
    world, concern, point = secret_world
    client = login_as(role)
    for url in _urls(world, concern, point):
        response = client.get(url)
        assert SECRET.encode() not in response.data, (role, url)
        assert b"detained" not in response.data, (role, url)


def test_search_by_restricted_text_finds_nothing_for_officers(secret_world, login_as):
    page = login_as("officer").get(f"/concerns?q={SECRET}").data
    assert b"Clients stopped near the drop-in centre" not in page
    assert b"No concerns match" in page


def test_coordinators_see_and_search_the_details(secret_world, login_as):
    world, concern, point = secret_world
    client = login_as("coordinator")
    assert SECRET.encode() in client.get(f"/concerns/{concern.id}").data
    assert b"Clients stopped" in client.get(f"/concerns?q={SECRET}").data
    assert SECRET.encode() in client.get("/concerns/export.csv").data
