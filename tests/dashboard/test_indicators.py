"""Dashboard indicators against hand-counted values on the fixture programme."""

from __future__ import annotations

import re

import pytest

from tests.dashboard.conftest import PERIOD


def tiles(html: str) -> dict[str, str]:
    """Indicator tiles as {label: value}."""
    found = re.findall(r'<span class="value">([^<]*)</span>\s*([^<]+?)\s*(?:</a>)?\s*</li>', html)
    return {label.strip(): value.strip() for value, label in found}


def test_coordinator_sees_the_whole_programme(coordinator_client, programme):
    html = coordinator_client.get(f"/?{PERIOD}").data.decode()
    t = tiles(html)
    assert t["meetings held of those planned"] == "3 / 4"
    assert t["officers reached at meetings"] == "3"
    assert t["officers trained"] == "1"
    assert t["referral slips issued"] == "9"
    assert t["slips that reached a service"] == "3"
    assert t["redemption rate"] == "33%"
    # Visits are as of today: B was visited 10 days ago; A and C are overdue.
    assert t["stations visited within their interval"] == "1 / 3"
    assert t["stations due or overdue for a visit"] == "2"


def test_monthly_chart_numbers(coordinator_client, programme):
    html = coordinator_client.get(f"/?{PERIOD}").data.decode()
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', html)
    cells = [
        (month, re.findall(r'<td data-label="[^"]+">([^<]+)</td>', row)) for month, row in rows
    ]
    # Meetings chart (planned, held) comes first, then slips (issued, redeemed), per month.
    feb = [v for k, v in cells if k.startswith("Feb")]
    # Then concerns raised (none in this programme).
    feb = [v for k, v in cells if k.startswith("Feb")]
    assert feb == [["1", "1"], ["6", "2"], ["0"]]
    mar = [v for k, v in cells if k.startswith("Mar")]
    assert mar == [["1", "1"], ["3", "1"], ["0"]]  # the cancelled visit is not planned
    may = [v for k, v in cells if k.startswith("May")]
    assert may == [["1", "0"], ["0", "0"], ["0"]]


def test_officer_sees_only_their_station_with_small_counts_suppressed(officer_client, programme):
    html = officer_client.get(f"/?{PERIOD}").data.decode()
    t = tiles(html)
    assert t["meetings held of those planned"] == "2 / 2"
    assert t["officers reached at meetings"] == "&lt;5"
    assert t["officers trained"] == "&lt;5"
    assert t["referral slips issued"] == "6"
    assert t["slips that reached a service"] == "&lt;5"
    assert t["redemption rate"] == "—"
    assert "Charlie Police Station" not in html
    assert "Bravo Police Station" not in html


def test_viewer_counts_are_suppressed(viewer_client, programme):
    t = tiles(viewer_client.get(f"/?{PERIOD}").data.decode())
    assert t["officers reached at meetings"] == "&lt;5"
    assert t["referral slips issued"] == "9"


@pytest.mark.parametrize(
    "query, issued, held",
    [
        ("station={a}", "6", "2 / 2"),
        ("command={other}", "3", "1 / 1"),
        ("country=BY", "0", "0 / 0"),
    ],
)
def test_filters_stay_in_the_url(coordinator_client, programme, world, query, issued, held):
    query = query.format(a=world.station_a.id, other=world.other_command.id)
    html = coordinator_client.get(f"/?{PERIOD}&{query}").data.decode()
    t = tiles(html)
    assert t["referral slips issued"] == issued
    assert t["meetings held of those planned"] == held
    # The report form carries the same filters.
    key, value = query.split("=")
    assert f'name="{key}" value="{value}"' in html


def test_officer_cannot_widen_their_scope_with_filters(officer_client, programme, world):
    html = officer_client.get(f"/?{PERIOD}&station={world.station_c.id}").data.decode()
    assert tiles(html)["referral slips issued"] == "0"


def test_station_story(coordinator_client, programme, world):
    html = coordinator_client.get(f"/stations/{world.station_a.id}?{PERIOD}").data.decode()
    t = tiles(html)
    assert t["meetings held of those planned"] == "2 / 2"
    assert t["referral slips issued"] == "6"
    assert t["officers posted now"] == "3"
    assert "Alpha Police Station" in html


def test_station_story_of_another_station_is_not_found_for_an_officer(
    officer_client, programme, world
):
    assert officer_client.get(f"/stations/{world.station_c.id}").status_code == 404


@pytest.mark.parametrize("role", ["admin", "coordinator", "trainer", "officer", "viewer"])
def test_dashboard_query_count_does_not_grow(
    app, login_as, programme, world, count_queries, role, live_cache
):
    from datetime import date

    from partnership.caching import cache
    from tests.dashboard.conftest import at, attend
    from tests.meetings.helpers import create_meeting
    from tests.referrals.conftest import add_slips

    def computed_afresh() -> None:  # the figures' queries, not the cached copy
        with app.app_context():
            cache.clear()

    client = login_as(role)
    client.get(f"/?{PERIOD}")
    computed_afresh()
    with count_queries() as small:
        assert client.get(f"/?{PERIOD}").status_code == 200
    with count_queries() as small_cached:
        assert client.get(f"/?{PERIOD}").status_code == 200
    o1 = programme.officers["o1"]
    for i in range(20):
        m = create_meeting(
            app, [world.station_b], starts=at(f"2026-0{1 + i % 6}-1{i % 9}"), status="held"
        )
        attend(app, m, o1, world.station_a)
    add_slips(app, 1, world.station_b.id, 200, start=1000, issued_on=date(2026, 4, 1))
    add_slips(app, 1, world.station_a.id, 200, start=5000, issued_on=date(2026, 5, 1))
    computed_afresh()
    with count_queries() as large:
        assert client.get(f"/?{PERIOD}").status_code == 200
    with count_queries() as large_cached:
        assert client.get(f"/?{PERIOD}").status_code == 200
    assert large.count == small.count, (small.count, large.count)
    assert small.count <= 40
    assert large_cached.count == small_cached.count < small.count


def test_the_station_filter_groups_stations_by_command(coordinator_client, officer_client, world):
    import re

    html = coordinator_client.get("/").get_data(as_text=True)
    select = html[
        html.index('id="f-station"') : html.index("</select>", html.index('id="f-station"'))
    ]
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    assert [label for label, _ in groups] == ["Coast Command", "Inland Command"]
    coast = dict(groups)["Coast Command"]
    assert f'<option value="{world.station_a.id}">Alpha Police Station</option>' in coast
    assert f'<option value="{world.station_b.id}">Bravo Police Station</option>' in coast
    assert "Charlie" not in coast
    chosen = coordinator_client.get(f"/?station={world.station_b.id}").get_data(as_text=True)
    assert f'<option value="{world.station_b.id}" selected>Bravo Police Station</option>' in chosen
    # An officer of one station gets no station choice at all.
    assert 'id="f-station"' not in officer_client.get("/").get_data(as_text=True)
