"""Cached figures stay exactly right: each cached page equals the figures computed afresh, a
write shows on the next load, a rolled-back write changes nothing, and each viewer gets figures
for their own scope with small counts suppressed as before."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from partnership.caching import GENERATION_KEY, cache
from tests.referrals.conftest import add_slips, referrals  # noqa: F401

PERIOD = f"start={(date.today() - timedelta(days=60)).isoformat()}&end={date.today().isoformat()}"


def _slips_issued(html: str) -> str:
    match = re.search(r'<span class="value">([^<]+)</span> referral slips issued', html)
    assert match, "the dashboard shows no slip count"
    return match.group(1)


def _plain_slip_count(app, station_ids=None) -> int:  # noqa: ANN001
    from partnership.extensions import db
    from partnership.referrals.models import Slip

    start = date.today() - timedelta(days=60)
    with app.app_context():
        stmt = select(func.count(Slip.id)).where(Slip.issued_on.between(start, date.today()))
        if station_ids is not None:
            stmt = stmt.where(Slip.station_id.in_(station_ids))
        return db.session.scalar(stmt)


def _page(client, path: str) -> str:  # noqa: ANN001
    """The page without its hidden form fields (CSRF tokens and submission keys are new on
    every load)."""
    html = client.get(path).get_data(as_text=True)
    return re.sub(r'<input[^>]*type="hidden"[^>]*>', "", html)


def _fresh(app, client, path: str) -> str:  # noqa: ANN001
    """The page with every figure computed from the database (no cached copy)."""
    with app.app_context():
        cache.clear()
    return _page(client, path)


def test_a_new_slip_appears_on_the_next_dashboard_load(
    app,
    world,
    referrals,  # noqa: F811
    coordinator_client,
    live_cache,
):  # noqa: ANN001
    add_slips(app, referrals.scheme_id, world.station_a.id, 7)
    first = coordinator_client.get(f"/?{PERIOD}").get_data(as_text=True)
    assert _slips_issued(first) == "7" == str(_plain_slip_count(app))
    # Issued through the form, as an officer or coordinator would.
    response = coordinator_client.post(
        "/referrals/slips/new",
        data={
            "scheme_id": referrals.scheme_id,
            "number": "00900",
            "station_id": world.station_b.id,
            "issued_on": date.today().isoformat(),
            "route": "social_contact",
        },  # fmt: skip
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    after = _page(coordinator_client, f"/?{PERIOD}")
    assert _slips_issued(after) == "8" == str(_plain_slip_count(app))
    # (The first load also showed the form's confirmation.)
    assert _page(coordinator_client, f"/?{PERIOD}") == _fresh(
        app, coordinator_client, f"/?{PERIOD}"
    )


def test_cached_figures_follow_each_viewers_scope_and_suppression(  # noqa: ANN001
    app,
    live_cache,
    world,
    referrals,  # noqa: F811
    coordinator_client,
    officer_client,
    viewer_client,  # noqa: F811
):
    add_slips(app, referrals.scheme_id, world.station_a.id, 3, start=1)
    add_slips(app, referrals.scheme_id, world.station_c.id, 9, start=100)
    # The coordinator's figures are cached first; the others must not receive them.
    assert _slips_issued(coordinator_client.get(f"/?{PERIOD}").get_data(as_text=True)) == "12"
    officer = officer_client.get(f"/?{PERIOD}").get_data(as_text=True)
    assert _slips_issued(officer) == "&lt;5"  # 3 at the officer's station, suppressed
    viewer = viewer_client.get(f"/?{PERIOD}").get_data(as_text=True)
    assert _slips_issued(viewer) == "12"
    # Cached pages equal pages computed afresh.
    assert _page(officer_client, f"/?{PERIOD}") == _fresh(app, officer_client, f"/?{PERIOD}")
    story = f"/stations/{world.station_a.id}?{PERIOD}"
    cached_story = _page(coordinator_client, story)
    assert cached_story == _fresh(app, coordinator_client, story)


def test_only_committed_changes_start_a_new_generation(app, world, live_cache) -> None:  # noqa: ANN001
    from partnership.caching import generation
    from partnership.extensions import db
    from partnership.organisations.models import Organisation, OrganisationKind

    with app.test_request_context():
        before = generation()
        db.session.add(Organisation(kind=OrganisationKind.NGO, name="Rolled back", country="KE"))
        db.session.flush()
        db.session.rollback()
        assert cache.get(GENERATION_KEY) == before
        db.session.add(Organisation(kind=OrganisationKind.NGO, name="Kept", country="KE"))
        db.session.commit()
        assert cache.get(GENERATION_KEY) != before
