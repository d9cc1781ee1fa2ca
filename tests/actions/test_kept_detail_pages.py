"""The concern's and the action point's pages are kept whole but their forms (partnership.caching):
served from the cache they run no SQL, yet each load checks the reader against the kept copy of
the record's station, "Resolve this concern" is offered from the kept copy with a fresh form,
and a write shows at once."""

from __future__ import annotations

import pickle
import re

from partnership.caching import CSRF_SLOT, cache
from partnership.extensions import db
from tests.conftest import fresh_page_html, login, page_html


def _kept_text(app) -> str:  # noqa: ANN001
    with app.app_context():
        store = cache.cache._cache  # SimpleCache: key -> (expires, pickled value)
        return "".join(repr(pickle.loads(value)) for _expires, value in store.values())  # noqa: S301


def _verified_loop(world, make_concern, make_action_point):  # noqa: ANN001, ANN202
    concern = make_concern(
        world.station_a,
        summary="Syringes confiscated at the hotspot",
        restricted_details="Name of the client",
        status="being_addressed",
    )
    point = make_action_point(
        world.station_a,
        title="Brief the night patrols",
        status="verified",
        action_taken="Instruction read at every shift parade.",
        concerns=[concern],
    )
    return concern, point


def test_kept_detail_pages_run_no_sql(  # noqa: PLR0913
    app, world, live_cache, login_as, make_concern, make_action_point, make_person, count_queries
):  # noqa: ANN001
    concern, point = _verified_loop(world, make_concern, make_action_point)
    person = make_person("officer", world.station_a, name="Kept Officer")
    paths = {
        "coordinator": [f"/concerns/{concern.id}", f"/action-points/{point.id}", f"/people/{person.id}"],
        "officer": [f"/concerns/{concern.id}", f"/action-points/{point.id}", f"/people/{person.id}"],
        "viewer": [f"/action-points/{point.id}", f"/people/{person.id}"],
    }  # fmt: skip
    for role, role_paths in paths.items():
        client = login_as(role)
        for path in role_paths:
            client.get(path)  # (kept on the first load)
            with count_queries() as kept:
                response = client.get(path)
            assert response.status_code == 200, (role, path)
            # The session, the record's station (who may see it), the parts, the concerns to
            # resolve: all from the cache.
            assert kept.count == 0, (role, path, kept.statements)
    page = login_as("coordinator").get(f"/action-points/{point.id}").text
    assert "Resolve this concern" in page  # offered from the kept copy


def test_kept_pages_refuse_who_may_not_see_them(  # noqa: PLR0913
    app, world, live_cache, login_as, make_user, make_concern, make_action_point
):  # noqa: ANN001
    concern, point = _verified_loop(world, make_concern, make_action_point)
    charlie = make_user("officer", world.station_c, email="charlie@test.example")
    charlie_client = app.test_client()
    login(charlie_client, charlie.email)
    concern_path, point_path = f"/concerns/{concern.id}", f"/action-points/{point.id}"
    for role in ("coordinator", "officer", "viewer"):  # kept for each of them first
        client = login_as(role)
        for path in (concern_path, point_path):
            client.get(path)
    for _ in range(2):  # computed, then with every other reader's copy kept
        assert charlie_client.get(concern_path).status_code == 404
        assert charlie_client.get(point_path).status_code == 404
        viewer = login_as("viewer")
        assert viewer.get(concern_path).status_code == 403
        # The viewer reads the point without the concerns it answers.
        page = viewer.get(point_path).text
        assert f"/concerns/{concern.id}" not in page and "Syringes confiscated" not in page
    # Restricted details: the coordinator's only, kept or not.
    assert "Name of the client" in login_as("coordinator").get(concern_path).text
    for _ in range(2):
        assert "Name of the client" not in login_as("officer").get(concern_path).text
    # No kept copy holds a form that posts, a token, a slot for one or a submission key.
    kept = _kept_text(app)
    assert '<form method="post"' not in kept and CSRF_SLOT not in kept
    assert "csrf_token" not in kept and "submission_key" not in kept


def test_resolving_through_kept_pages_shows_at_once(  # noqa: PLR0913
    app, world, live_cache, coordinator_client, officer_client, make_concern, make_action_point
):  # noqa: ANN001
    from partnership.actions.models import Concern, ConcernStatus

    concern, point = _verified_loop(world, make_concern, make_action_point)
    concern_path, point_path = f"/concerns/{concern.id}", f"/action-points/{point.id}"
    tokens = set()
    for path in (concern_path, point_path, concern_path, point_path):
        html = coordinator_client.get(path).text
        assert "Resolve this concern" in html, path
        outcome = html.split(f'id="resolve-{concern.id}-outcome"')[1].split("</textarea>")[0]
        assert f"AP-{point.id} Brief the night patrols" in outcome
        assert "Instruction read at every shift parade." in outcome
        tokens.update(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', html))
    # The officer verifies but does not resolve: no prompt, although the point is kept.
    for _ in range(2):
        assert "Resolve this concern" not in officer_client.get(point_path).text
    response = coordinator_client.post(
        f"{concern_path}/resolve",
        data={f"resolve-{concern.id}-outcome": "Patrols briefed; kits returned."},
    )
    assert response.status_code == 302
    coordinator_client.get(response.location)  # shows the confirmation
    for path in (concern_path, point_path):
        page = page_html(coordinator_client, path)
        assert "Resolve this concern" not in page, path
        assert page == fresh_page_html(app, coordinator_client, path), path
    assert "Patrols briefed; kits returned." in page_html(coordinator_client, concern_path)
    assert "Resolved" in page_html(officer_client, point_path)
    with app.app_context():
        assert db.session.get(Concern, concern.id).status is ConcernStatus.RESOLVED


def test_a_refused_resolve_is_sent_back_with_the_kept_page(
    app, world, live_cache, coordinator_client, make_concern, make_action_point
):  # noqa: ANN001
    concern, _point = _verified_loop(world, make_concern, make_action_point)
    path = f"/concerns/{concern.id}"
    coordinator_client.get(path)  # kept
    response = coordinator_client.post(
        f"{path}/resolve", data={f"resolve-{concern.id}-outcome": "  "}
    )
    assert response.status_code == 422
    page = response.text
    assert f'id="resolve-{concern.id}-outcome-error"' in page
    assert "Syringes confiscated at the hotspot" in page


def test_a_kept_page_takes_no_connection_from_the_pool(
    app, world, live_cache, coordinator_client, make_concern, make_action_point
):  # noqa: ANN001
    """Nothing to read: not even a connection is checked out (on PostgreSQL each checkout is
    a round trip to the server, its ping)."""
    from sqlalchemy import event

    concern, point = _verified_loop(world, make_concern, make_action_point)
    paths = (f"/concerns/{concern.id}", f"/action-points/{point.id}")
    for path in paths:
        coordinator_client.get(path)  # kept, and the session row kept by the worker
    with app.app_context():
        pool = db.engine.pool
    checkouts = []

    def note(*_args) -> None:  # noqa: ANN002
        checkouts.append(1)

    event.listen(pool, "checkout", note)
    try:
        for path in paths:
            assert coordinator_client.get(path).status_code == 200
    finally:
        event.remove(pool, "checkout", note)
    assert checkouts == []


# Computed afresh: the session; the concern with its station; the meetings whose agenda carries
# it (two); its action points as lines; its notes and their count; its action points whole (is
# it ready to resolve, and the outcome to pre-fill).
CONCERN_PAGE_COLD = 8


def test_the_concern_page_computed_afresh_reads_the_same_at_any_size(
    app, world, coordinator_client, make_concern, make_action_point, count_queries
):  # noqa: ANN001
    from partnership.actions.models import ConcernNote

    concern, _point = _verified_loop(world, make_concern, make_action_point)
    path = f"/concerns/{concern.id}"
    coordinator_client.get(path)
    with count_queries() as small:
        assert coordinator_client.get(path).status_code == 200
    for i in range(30):
        make_action_point(world.station_a, status="verified", concerns=[concern], title=f"P{i}")
    with app.app_context():
        db.session.add_all(ConcernNote(concern_id=concern.id, text=f"N{i}") for i in range(40))
        db.session.commit()
    with count_queries() as large:
        assert coordinator_client.get(path).status_code == 200
    assert large.count == small.count == CONCERN_PAGE_COLD, large.statements
