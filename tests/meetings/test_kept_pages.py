"""Meeting pages kept rendered until a write (partnership.caching.render_kept): a kept page
equals the page rendered afresh, before and right after a write, and each viewer gets their own
scope."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from partnership.caching import cache
from tests.meetings.helpers import create_meeting

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def _page(client, path: str) -> str:  # noqa: ANN001
    """The page without its hidden form fields (CSRF tokens are new on every load)."""
    response = client.get(path)
    assert response.status_code == 200, path
    return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", response.get_data(as_text=True))


def _fresh(app, client, path: str) -> str:  # noqa: ANN001
    with app.app_context():
        cache.clear()
    return _page(client, path)


LIST_PAGES = [
    "/meetings/",
    "/meetings/?kind=training",
    "/meetings/calendar",
    "/meetings/calendar?view=week",
]


@pytest.mark.parametrize("path", LIST_PAGES)
def test_kept_list_equals_fresh_before_and_after_a_write(
    app, world, coordinator_client, live_cache, path
):  # noqa: ANN001
    meeting_id = create_meeting(
        app,
        [world.station_a],
        title="Alpha meeting",
        kind="training",
        starts=NOW + timedelta(days=1),
    )
    first = _page(coordinator_client, path)
    assert "Alpha meeting" in first
    assert _page(coordinator_client, path) == first  # served kept
    assert first == _fresh(app, coordinator_client, path)
    # A status change through the page's button shows on the next load.
    assert coordinator_client.post(f"/meetings/{meeting_id}/confirm").status_code == 302
    _page(coordinator_client, path)  # (shows the confirmation message once)
    after = _page(coordinator_client, path)
    assert after != first and "Confirmed" in after
    assert after == _fresh(app, coordinator_client, path)
    # A new meeting too.
    create_meeting(
        app,
        [world.station_b],
        title="Bravo meeting",
        kind="training",
        starts=NOW + timedelta(days=2),
    )
    assert "Bravo meeting" in _page(coordinator_client, path)


@pytest.mark.parametrize("path", LIST_PAGES)
def test_kept_list_follows_each_viewers_scope(
    app, world, coordinator_client, officer_client, live_cache, path
):  # noqa: ANN001
    create_meeting(
        app,
        [world.station_a],
        title="Alpha meeting",
        kind="training",
        starts=NOW + timedelta(days=1),
    )
    create_meeting(
        app,
        [world.station_c],
        title="Charlie meeting",
        kind="training",
        starts=NOW + timedelta(days=1),
    )
    coordinator = _page(coordinator_client, path)
    assert "Alpha meeting" in coordinator and "Charlie meeting" in coordinator
    # Kept for the coordinator first: the officer must not receive it.
    officer = _page(officer_client, path)
    assert "Alpha meeting" in officer and "Charlie meeting" not in officer
    assert _page(officer_client, path) == officer == _fresh(app, officer_client, path)


def test_kept_list_is_kept_until_the_next_meeting_ends(app, world, coordinator_client, live_cache):  # noqa: ANN001
    """The list puts the meetings not yet over first: it changes by itself when one ends."""
    from meetings.services import queries
    from partnership.caching import UNTIL, _reading

    create_meeting(
        app, [world.station_a], title="Ending soon", starts=NOW - timedelta(hours=1), hours=3
    )
    create_meeting(app, [world.station_a], title="Later", starts=NOW + timedelta(days=3))
    reads: set[str] = set()
    with app.test_request_context():
        token = _reading.set((reads,))
        try:
            queries.kept_until_next_end()
        finally:
            _reading.reset(token)
    until = [float(name[len(UNTIL) :]) for name in reads if name.startswith(UNTIL)]
    assert until == [(NOW + timedelta(hours=2)).timestamp()]
