"""Lists and measures run the same number of queries for 10 slips as for 1,000."""

from __future__ import annotations

import pytest

from tests.referrals.conftest import add_redemption, add_slips

# page -> (role, url, queries); the count includes the session and user checks of every request.
# The officer's feedback page runs the measures once per scheme of their stations (one here).
BUDGETS = {
    "slip_list": ("coordinator", "/referrals/slips", 8),  # with the command and country choices
    "slip_list_officer": ("officer", "/referrals/slips", 7),
    "redemption_list": ("coordinator", "/referrals/redemptions", 6),
    "scheme_detail": ("coordinator", "/referrals/schemes/{scheme}", 8),
    "scheme_detail_officer": ("officer", "/referrals/schemes/{scheme}", 9),
    "measures_export": ("viewer", "/referrals/schemes/{scheme}/measures.csv", 8),
    "station_feedback": ("officer", "/referrals/feedback", 10),
    "slip_list_filtered": ("coordinator", "/referrals/slips?station={station}&state=redeemed", 8),
    "slip_list_number": ("coordinator", "/referrals/slips?number=0001", 8),
    "slip_list_scheme": ("coordinator", "/referrals/slips?scheme={scheme}", 8),
    "slip_form": ("coordinator", "/referrals/slips/new", 3),
    "slip_form_officer": ("officer", "/referrals/slips/new", 4),
    "redemption_list_scheme": ("coordinator", "/referrals/redemptions?scheme={scheme}", 6),
    "service_point_list": ("coordinator", "/referrals/service-points", 3),
    "scheme_list": ("coordinator", "/referrals/", 4),
    "scheme_list_officer": ("officer", "/referrals/", 5),
}


def _add(app, world, referrals, start: int, count: int) -> None:
    half = count // 2
    ids = add_slips(app, referrals.scheme_id, world.station_a.id, half, start=start)
    ids += add_slips(app, referrals.scheme_id, world.station_b.id, count - half, start=start + half)
    for i, slip_id in enumerate(ids[: count // 3]):
        add_redemption(
            app, referrals.scheme_id, referrals.point_id, slip_id, f"MAJO{1960 + i % 40}M"
        )


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_query_count_does_not_grow_with_slips(app, login_as, world, referrals, count_queries, name):
    role, url, budget = BUDGETS[name]
    url = url.format(scheme=referrals.scheme_id, station=world.station_a.id)
    client = login_as(role)
    _add(app, world, referrals, 1, 10)
    from partnership.caching import cache

    def get_computed() -> None:  # the page's own queries, not the measures' cached copy
        with app.app_context():
            cache.clear()
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()

    client.get(url)  # warm caches (templates, babel)
    with count_queries() as small:
        get_computed()
    _add(app, world, referrals, 1000, 990)
    with count_queries() as large:
        get_computed()
    assert small.count == large.count == budget, (small.statements, large.count)


# Lists kept rendered until a write (partnership.caching): loading one again reads nothing,
# whatever the data, for every list and every viewer (the session row is kept by the worker too).
KEPT = {
    "slip_list": ("coordinator", "/referrals/slips?station={station}&state=open"),
    "slip_list_officer": ("officer", "/referrals/slips?number=00"),
    "redemption_list": ("coordinator", "/referrals/redemptions?scheme={scheme}"),
    "service_point_list": ("coordinator", "/referrals/service-points"),
    "scheme_list": ("officer", "/referrals/"),
}


@pytest.mark.parametrize("name", sorted(KEPT))
def test_a_kept_list_reads_only_the_session(  # noqa: PLR0913
    app, login_as, world, referrals, count_queries, live_cache, name
):
    role, url = KEPT[name]
    url = url.format(scheme=referrals.scheme_id, station=world.station_a.id)
    client = login_as(role)
    counts = []
    for start, count in ((1, 10), (1000, 990)):
        _add(app, world, referrals, start, count)
        assert client.get(url).status_code == 200  # computed after the write, and kept
        with count_queries() as kept:
            response = client.get(url)
            assert response.status_code == 200
            response.get_data()
        counts.append(kept.count)
    assert counts == [KEPT_BUDGET, KEPT_BUDGET], kept.statements


KEPT_BUDGET = 0  # the session, its user and their organisation: kept until one of them changes
