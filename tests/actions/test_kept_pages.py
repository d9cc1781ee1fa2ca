"""The loop's lists, the officer's review and the measures are kept rendered until a write
(partnership.caching): a kept page equals the page computed afresh, before and right after a
write; each reader gets their own scope and small counts; no kept copy holds a CSRF token or a
form that posts, and the review's buttons post with the token of the session that loads it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from partnership.caching import CSRF_SLOT, cache
from tests.conftest import PASSWORD, fresh_page_html, login, page_html


def _kept_values(app) -> list[str]:  # noqa: ANN001
    """Every value in the cache, as text (the kept fragments among them)."""
    import pickle

    with app.app_context():
        store = cache.cache._cache  # SimpleCache: key -> (expires, pickled value)
        return [repr(pickle.loads(value)) for _expires, value in store.values()]  # noqa: S301


@pytest.fixture()
def commander(app, world, make_user):  # noqa: ANN001, ANN201
    """A senior officer of the command of stations A and B."""
    user = make_user("officer", world.command, email="commander@test.example", name="Commander")
    client = app.test_client()
    login(client, user.email)
    return user, client


COORDINATOR_PAGES = [
    "/concerns",
    "/concerns?status=open",
    "/concerns?q=market",
    "/concerns?page=2",
    "/action-points",
    "/action-points?open=1",
    "/action-points?q=night",
    "/measures",
]


def test_kept_lists_equal_fresh_pages_before_and_right_after_a_write(  # noqa: PLR0913
    app,
    world,
    live_cache,
    coordinator_client,
    officer_client,
    commander,
    make_concern,
    make_action_point,
):  # noqa: ANN001
    a, c = world.station_a, world.station_c
    make_concern(a, summary="Kits taken near the market")
    make_concern(c, summary="Charlie's own concern")
    make_action_point(a, title="Brief the night shift", due_on=date.today() - timedelta(days=20))
    make_action_point(c, title="Charlie's own point")
    _, commander_client = commander
    readers = {
        coordinator_client: COORDINATOR_PAGES,
        officer_client: ["/concerns", "/action-points", "/my-review", "/measures"],
        commander_client: ["/concerns", "/action-points", "/my-review"],
    }
    before = {}
    for client, paths in readers.items():
        for path in paths:
            kept_first = page_html(client, path)
            assert page_html(client, path) == kept_first == fresh_page_html(app, client, path), path
            before[(client, path)] = page_html(client, path)
    # Officers see their own stations only, although the coordinator's copy was kept first.
    for client in (officer_client, commander_client):
        for path in ("/concerns", "/action-points"):
            page = page_html(client, path)
            assert "Charlie" not in page, path
    # Writes through the forms: a concern logged at Alpha, a point marked in progress.
    response = coordinator_client.post(
        "/concerns/new",
        data={
            "category": "confiscation",
            "station_id": a.id,
            "occurred_on": date.today().isoformat(),
            "summary": "Kits taken again at the market",
            "consent_scope": "individual_help",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    coordinator_client.get(response.location)  # shows the confirmation
    point = make_action_point(a, title="Post the circular at night", due_on=date.today())
    for client, paths in readers.items():
        for path in paths:
            after = page_html(client, path)
            assert after == fresh_page_html(app, client, path), path
            if path in ("/concerns", "/action-points", "/my-review", "/concerns?q=market"):
                assert after != before[(client, path)], path  # the write shows at once
    assert "Kits taken again at the market" in page_html(coordinator_client, "/concerns")
    assert "Post the circular at night" in page_html(officer_client, "/my-review")
    assert "Post the circular at night" in page_html(commander_client, "/action-points")
    assert point.id


def test_kept_measures_keep_small_counts_suppressed_for_officers_and_viewers(  # noqa: PLR0913
    app, world, live_cache, coordinator_client, officer_client, viewer_client, make_action_point
):  # noqa: ANN001
    for i in range(3):
        make_action_point(world.station_a, title=f"Point {i}", police_owner_id=None)
    # Owned on the police side, so they count in the measures' police rows.
    officer = world.users["officer"]
    for i in range(3):
        make_action_point(world.station_a, title=f"Owned {i}", police_owner_id=officer.id)
    coordinator = page_html(coordinator_client, "/measures")  # kept first, for the coordinator
    assert "&lt;5" not in coordinator
    for client in (officer_client, viewer_client):
        kept = page_html(client, "/measures")
        assert "&lt;5" in kept and kept == fresh_page_html(app, client, "/measures")
        assert "&lt;5" in page_html(client, "/measures")  # served from the cache


def test_the_review_is_kept_per_account(app, world, live_cache, make_action_point, make_user):  # noqa: ANN001
    """Two senior officers of one command share role and organisation, but each review shows
    the points that officer owns."""
    first = make_user("officer", world.command, email="first@test.example", name="First")
    second = make_user("officer", world.command, email="second@test.example", name="Second")
    make_action_point(world.station_a, title="Owned by the first", police_owner_id=first.id)
    make_action_point(world.station_a, title="Owned by the second", police_owner_id=second.id)
    pages = {}
    for user in (first, second):
        client = app.test_client()
        login(client, user.email)
        pages[user.email] = page_html(client, "/my-review")
    assert "Owned by the first" in pages[first.email]
    assert "Owned by the second" not in pages[first.email]
    assert "Owned by the second" in pages[second.email]
    assert "Owned by the first" not in pages[second.email]


@pytest.fixture()
def csrf_app(app):  # noqa: ANN001, ANN201
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def _tokens(html: str) -> set[str]:
    return set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html))


def test_the_kept_review_carries_each_sessions_own_csrf_token(  # noqa: PLR0913
    csrf_app, world, live_cache, make_action_point, make_user
):  # noqa: ANN001
    from partnership.actions.models import ActionPoint
    from partnership.extensions import db

    app = csrf_app
    point = make_action_point(world.station_a, title="Acknowledge me", due_on=date.today())
    clients = []
    for _ in range(2):  # two sessions of the same officer: same role, station and account
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = next(iter(_tokens(page)))
        response = client.post(
            "/login",
            data={"email": world.users["officer"].email, "password": PASSWORD,
                  "csrf_token": token},
        )  # fmt: skip
        assert response.status_code == 302
        clients.append(client)
    first = clients[0].get("/my-review").get_data(as_text=True)
    second = clients[1].get("/my-review").get_data(as_text=True)  # from the kept copy
    assert "Acknowledge me" in second
    assert CSRF_SLOT not in first and CSRF_SLOT not in second
    # No kept copy holds a token of either session, a slot for one, or a form that posts.
    kept = "".join(_kept_values(app))
    assert CSRF_SLOT not in kept and "<form" not in kept and "submission_key" not in kept
    for token in _tokens(first) | _tokens(second):
        assert token not in kept
    # The review's buttons post through the page's one form, rendered afresh: one token and
    # one new submission key on every load (a key sent once is spent).
    for page in (first, second):
        assert page.count('id="review-form"') == 1
        assert f'form="review-form" formaction="/action-points/{point.id}/acknowledge"' in page
    keys = re.findall(r'name="submission_key" value="([^"]+)"', first + second)
    assert len(keys) >= 2 and len(set(keys)) == len(keys)
    # The second session's buttons work with the token its page carries.
    token = next(iter(_tokens(second)))
    response = clients[1].post(
        f"/action-points/{point.id}/acknowledge", data={"next": "review", "csrf_token": token}
    )
    assert response.status_code == 302 and response.location == "/my-review"
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).acknowledged_at is not None
    # ... and the acknowledgement shows on the next load of the kept review.
    assert "Acknowledge me: " not in re.sub(r"<[^>]+>", "", page_html(clients[0], "/my-review"))


def test_kept_detail_pages_equal_fresh_ones_before_and_right_after_a_write(  # noqa: PLR0913
    app,
    world,
    live_cache,
    coordinator_client,
    officer_client,
    viewer_client,
    make_concern,
    make_action_point,
):  # noqa: ANN001
    from partnership.offline import NOT_KEPT_HEADER

    concern = make_concern(world.station_a, restricted_details="Name of the client")
    point = make_action_point(world.station_a, title="Return the kits", concerns=[concern])
    other = make_action_point(world.station_c, title="Charlie's point")
    concern_path, point_path = f"/concerns/{concern.id}", f"/action-points/{point.id}"
    readers = {
        coordinator_client: [concern_path, point_path],
        officer_client: [concern_path, point_path],
        viewer_client: [point_path],
    }
    for client, paths in readers.items():
        for path in paths:
            kept = page_html(client, path)
            assert page_html(client, path) == kept == fresh_page_html(app, client, path), path
    # What is kept holds no form that posts: the pages' own forms are rendered afresh, and the
    # kept fields and buttons belong to them by id.
    assert '<form method="post"' not in "".join(_kept_values(app))
    page = page_html(coordinator_client, concern_path)
    for form_id, action in (
        ("concern-status-form", f"{concern_path}/status"),
        ("concern-note-form", f"{concern_path}/notes"),
        ("concern-seal-form", f"{concern_path}/seal"),
    ):
        assert f'id="{form_id}" action="{action}"' in page
        assert f'form="{form_id}"' in page
    # Restricted details: the coordinator's kept copy is never the officer's, and the page that
    # shows them is never kept offline, also when its facts come from the cache.
    assert "Name of the client" in page_html(coordinator_client, concern_path)
    assert "Name of the client" not in page_html(officer_client, concern_path)
    response = coordinator_client.get(concern_path)
    assert response.headers.get(NOT_KEPT_HEADER) == "no"
    assert officer_client.get(concern_path).headers.get(NOT_KEPT_HEADER) is None
    # The viewer reads the point without the concerns it answers; the officer not Charlie's.
    assert f"/concerns/{concern.id}" not in page_html(viewer_client, point_path)
    assert officer_client.get(f"/action-points/{other.id}").status_code == 404
    # Writes through the forms: a follow-up on the point, an edit and a note on the concern.
    response = officer_client.post(
        f"{point_path}/follow-up",
        data={"on_date": date.today().isoformat(), "note": "Kits returned to two clients"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    officer_client.get(response.location)  # shows the confirmation
    response = coordinator_client.post(f"{concern_path}/notes", data={"text": "Called the OCS"})
    assert response.status_code == 302
    coordinator_client.get(response.location)
    for client, paths in readers.items():
        for path in paths:
            assert page_html(client, path) == fresh_page_html(app, client, path), path
    assert "Kits returned to two clients" in page_html(viewer_client, point_path)
    assert "Called the OCS" in page_html(coordinator_client, concern_path)
    # A change of the concern itself shows on the point's page (it lists the concern's status).
    from partnership.actions.models import Concern, ConcernStatus
    from partnership.extensions import db

    with app.app_context():
        db.session.get(Concern, concern.id).status = ConcernStatus.CLOSED_UNRESOLVED
        db.session.commit()
    assert "Closed unresolved" in page_html(coordinator_client, point_path)
    assert page_html(coordinator_client, concern_path) == fresh_page_html(
        app, coordinator_client, concern_path
    )


def test_the_measures_show_the_station_rows_a_page_at_a_time(
    app, world, live_cache, coordinator_client, make_action_point, monkeypatch
):  # noqa: ANN001
    from partnership.actions.views import review

    monkeypatch.setattr(review, "MEASURE_ROWS", 2)
    officer = world.users["officer"]
    for station in (world.station_a, world.station_b, world.station_c):
        make_action_point(station, police_owner_id=officer.id)
    first = page_html(coordinator_client, "/measures")
    assert "Rows 1 to 2 of 3" in first and 'href="/measures?page=2"' in first
    assert "Alpha Police Station" in first and "Charlie Police Station" not in first
    second = page_html(coordinator_client, "/measures?page=2")
    assert "Rows 3 to 3 of 3" in second and "Charlie Police Station" in second
    assert second == fresh_page_html(app, coordinator_client, "/measures?page=2")
    assert "Charlie Police Station" in page_html(coordinator_client, "/measures?page=9")
