"""Every tile of the dashboard that links somewhere opens the list that counts the same number,
with the dashboard's filters kept (place, and the period for figures of the period)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import pytest

from tests.dashboard.conftest import PERIOD
from tests.dashboard.test_loop_indicators import loop_fixture

LINKED_TILE = re.compile(r'<a href="([^"]+)"><span class="value">([^<]*)</span>\s*([^<]+?)\s*</a>')


def linked_tiles(page: str) -> dict[str, tuple[str, str]]:
    """{label: (href, value)} of the tiles that are links."""
    return {
        re.sub(r"\s*\(.*", "", label.strip()): (html_lib.unescape(href), value.strip())
        for href, value, label in LINKED_TILE.findall(page)
    }


def record_count(page: str) -> int:
    match = re.search(r'<p class="count">([\d,]+) (?:record|station)', page)
    assert match, page[-2000:]
    return int(match.group(1).replace(",", ""))


@pytest.fixture()
def busy_programme(
    programme, world, make_org, make_person, make_concern, make_action_point, make_training
):  # noqa: ANN001
    """The fixture programme and loop, a training at A, and a station in Uganda with an
    overdue point and a concern, so that every place filter changes some figure."""
    loop_fixture(world, make_concern, make_action_point)
    far = make_org("police_station", "Entebbe Police Station", country="UG", city="Entebbe")
    make_action_point(far, due_on=date.today() - timedelta(days=30))
    make_concern(far, occurred_on=date(2026, 2, 11))
    officer = make_person("officer", far, name="Officer Entebbe")
    make_training(
        stations=[world.station_a],
        people=[(programme.officers["o1"], 2, 8, 15), (programme.officers["o2"], 2, 10, 14)],
        starts_on=date(2026, 3, 2),
    )
    make_training(stations=[far], people=[(officer, 2, 4, 9)], starts_on=date(2026, 3, 5))
    return far


def _filters(world) -> list[str]:  # noqa: ANN001
    return [
        "",
        "&country=KE",
        "&country=UG",
        f"&command={world.command.id}",
        f"&station={world.station_a.id}",
    ]


def test_every_linked_tile_opens_a_list_with_its_number(coordinator_client, world, busy_programme):
    checked = 0
    for extra in _filters(world):
        dashboard = coordinator_client.get(f"/?{PERIOD}{extra}").get_data(as_text=True)
        tiles = linked_tiles(dashboard)
        assert len(tiles) >= 13, (extra, sorted(tiles))
        for label, (href, value) in tiles.items():
            # The dashboard's place filters travel with every link.
            for name in ("country", "command", "station"):
                kept = re.search(rf"{name}=(\w+)", extra)
                if kept:
                    assert f"{name}={kept.group(1)}" in href, (extra, label, href)
            page = coordinator_client.get(href)
            assert page.status_code == 200, href
            text = page.get_data(as_text=True)
            if "mean test score" in label:
                pre, post = re.findall(r"(\d+)%", value)
                shown = re.search(r'id="gain-pooled">[^<]*?(\d+)% before, (\d+)% after', text)
                assert shown and shown.groups() == (pre, post), (extra, href)
            elif "median days since the last visit" in label:
                median = re.search(r'id="due-median">[^<]*: ([^<]+)</p>', text)
                assert median and median.group(1) == value, (extra, href, value)
            elif "verified in the period" in label:  # "done on time / verified"
                expected = int(value.split("/")[1].strip().replace(",", ""))
                assert record_count(text) == expected, (extra, label, href)
            elif "completed a training" in label:
                total = re.search(r'id="coverage-total">(\S+) of the officers', text)
                assert total and total.group(1) == value, (extra, href, value)
            else:
                expected = int(value.split("/")[0].strip().replace(",", ""))
                assert record_count(text) == expected, (extra, label, href)
            checked += 1
    assert checked >= 65


def test_the_filters_change_what_the_tiles_count(coordinator_client, world, busy_programme):
    everywhere = linked_tiles(coordinator_client.get(f"/?{PERIOD}").get_data(as_text=True))
    uganda = linked_tiles(coordinator_client.get(f"/?{PERIOD}&country=UG").get_data(as_text=True))
    assert everywhere["action points overdue"][1] == "3"
    assert uganda["action points overdue"][1] == "1"
    assert uganda["concerns raised in the period"][1] == "1"
    assert "country=UG" in uganda["stations due or overdue for a visit"][0]
    assert "state=overdue" in uganda["stations due or overdue for a visit"][0]


def test_an_officer_follows_the_tiles_to_their_own_stations_only(
    officer_client, world, busy_programme
):
    dashboard = officer_client.get(f"/?{PERIOD}").get_data(as_text=True)
    tiles = linked_tiles(dashboard)
    assert "action points open" in tiles
    for href, _value in tiles.values():
        page = officer_client.get(href).get_data(as_text=True)
        assert "Entebbe" not in page and "Charlie Police Station" not in page, href
    open_list = officer_client.get(tiles["action points open"][0]).get_data(as_text=True)
    shown = tiles["action points open"][1]
    if shown == "&lt;5":  # a small count is withheld on the tile; the list shows the points
        assert 1 <= record_count(open_list) <= 4
    else:
        assert record_count(open_list) == int(shown)


def test_the_slip_tiles_link_only_for_those_who_may_open_the_list(
    officer_client, login_as, world, busy_programme
):
    officer = linked_tiles(officer_client.get(f"/?{PERIOD}").get_data(as_text=True))
    # Officers open their own stations' slips, but which slip reached a service is a
    # redemption record they never see: that tile is not a link for them.
    assert "referral slips issued" in officer
    assert "slips that reached a service" not in officer
    viewer_client = login_as("viewer")
    viewer = linked_tiles(viewer_client.get(f"/?{PERIOD}").get_data(as_text=True))
    assert "referral slips issued" not in viewer and "slips that reached a service" not in viewer
    assert viewer_client.get("/referrals/slips").status_code == 403
    assert "meetings held of those planned" in viewer
