"""Training pages kept rendered until a write (partnership.caching.render_kept): a kept page
equals the page rendered afresh, before and right after a write; officers still see only their
own stations' participants, viewers only aggregates."""

from __future__ import annotations

import re

import pytest

from partnership.caching import cache
from tests.curricula.test_trainings import _participants, _two_station_training


def _page(client, path: str) -> str:  # noqa: ANN001
    """The page without its hidden form fields (CSRF tokens are new on every load)."""
    response = client.get(path)
    assert response.status_code == 200, path
    return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", response.get_data(as_text=True))


def _fresh(app, client, path: str) -> str:  # noqa: ANN001
    with app.app_context():
        cache.clear()
    return _page(client, path)


@pytest.mark.parametrize("listing", [False, True], ids=["training", "trainings"])
def test_kept_training_pages_equal_fresh_before_and_after_scores_are_saved(
    app, world, trainer_client, make_person, make_training, live_cache, listing
):  # noqa: ANN001
    training_id = _two_station_training(make_person, make_training, world)
    path = "/curricula/trainings" if listing else f"/curricula/trainings/{training_id}"
    first = _page(trainer_client, path)
    assert _page(trainer_client, path) == first == _fresh(app, trainer_client, path)
    rows = _participants(app, training_id)
    data = {}
    for pid, *_rest in rows:
        data[f"pre-{pid}"], data[f"post-{pid}"] = "1", "20"
    assert (
        trainer_client.post(f"/curricula/trainings/{training_id}/scores", data=data).status_code
        == 302
    )
    _page(trainer_client, path)  # (shows the confirmation once)
    after = _page(trainer_client, path)
    assert after == _fresh(app, trainer_client, path)
    if not listing:
        assert after != first and "20 / 20" in after


def test_kept_training_page_follows_each_viewers_scope(
    app, world, login_as, make_person, make_training, live_cache
):  # noqa: ANN001
    training_id = _two_station_training(make_person, make_training, world)
    path = f"/curricula/trainings/{training_id}"
    coordinator = _page(login_as("coordinator"), path)
    assert "Charlie 0" in coordinator and "Alpha 0" in coordinator
    # Kept for the coordinator first: the officer and the viewer must not receive it.
    officer = _page(login_as("officer"), path)
    assert "Alpha 0" in officer and "Charlie 0" not in officer and "10 / 20" in officer
    viewer = _page(login_as("viewer"), path)
    assert "Alpha 0" not in viewer and "Charlie 0" not in viewer and 'class="point"' not in viewer
    assert officer == _fresh(app, login_as("officer"), path)
    # A training of other stations only stays out of the officer's reach, kept or not.
    other = make_training(
        stations=[world.station_c], people=[(make_person("officer", world.station_c), 2, 5, 9)]
    )
    assert login_as("coordinator").get(f"/curricula/trainings/{other}").status_code == 200
    assert login_as("officer").get(f"/curricula/trainings/{other}").status_code == 404


def test_issue_certificates_posts_through_the_pages_own_form(
    app, world, coordinator_client, make_person, make_training, live_cache
):  # noqa: ANN001
    training_id = _two_station_training(make_person, make_training, world)
    html = coordinator_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True)
    assert 'form="certificates-form"' in html
    form = html.split('id="certificates-form"')[1].split("</form>")[0]
    assert 'name="csrf_token"' in form
    response = coordinator_client.post(f"/curricula/trainings/{training_id}/certificates")
    assert response.status_code == 302
    issued = _page(coordinator_client, f"/curricula/trainings/{training_id}")
    assert "certificates-form" in issued and "<code>" in issued  # the certificates listed
    assert _page(coordinator_client, f"/curricula/trainings/{training_id}") == _fresh(
        app, coordinator_client, f"/curricula/trainings/{training_id}"
    )


@pytest.mark.parametrize("path", ["/curricula/modules", "/curricula/adoption"])
def test_kept_catalogue_pages_equal_fresh_after_a_new_module(
    app, world, coordinator_client, make_module, make_org, live_cache, path
):  # noqa: ANN001
    make_org("training_centre", "Kenya Police Training College")
    make_module(code="K-1")
    first = _page(coordinator_client, path)
    assert "K-1" in first and first == _fresh(app, coordinator_client, path)
    make_module(code="K-2")
    after = _page(coordinator_client, path)
    assert "K-2" in after and after == _fresh(app, coordinator_client, path)
