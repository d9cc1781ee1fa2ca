"""No restricted concern text in anything an officer, trainer or viewer receives: pages,
search results, exports, briefs, the review, error pages."""

from __future__ import annotations

import pytest

from partnership.spreadsheets import read_rows
from tests.pdf_text import pdf_text

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
        f"/stations/{world.station_a.id}",
        "/",
    ]


def _text(response) -> str:  # noqa: ANN001
    """What the user receives, as text: PDFs extracted, spreadsheets read back."""
    if response.mimetype == "application/pdf":
        return pdf_text(response.data)
    if response.data[:2] == b"PK":
        headers, rows = read_rows("x.xlsx", response.data)
        return " ".join([*headers, *(" ".join(r) for r in rows)])
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["officer", "trainer", "viewer"])
def test_no_restricted_text_reaches_other_roles(secret_world, login_as, role):
    world, concern, point = secret_world
    client = login_as(role)
    answered = 0
    for url in _urls(world, concern, point):
        response = client.get(url)
        # A success or an expected refusal; never an error page that hides what would be shown.
        assert response.status_code in (200, 403, 404), (role, url, response.status_code)
        answered += response.status_code == 200
        text = _text(response)
        assert SECRET not in text, (role, url)
        assert "detained" not in text, (role, url)
    assert answered >= 5, role  # the sweep read real pages, not only refusals


def test_the_sweep_finds_the_secret_where_coordinators_may_read_it(secret_world, login_as):
    """Positive control: the same crawl as a coordinator meets the secret, so the sweep above
    would notice it if it leaked."""
    world, concern, point = secret_world
    client = login_as("coordinator")
    found = {url for url in _urls(world, concern, point) if SECRET in _text(client.get(url))}
    assert {f"/concerns/{concern.id}", "/concerns/export.csv", "/concerns/export.xlsx"} <= found


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
