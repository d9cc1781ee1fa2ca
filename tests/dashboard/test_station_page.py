"""The station as one page: composed from every domain, the old addresses lead to it, and an
officer only ever opens their own stations' pages."""

from __future__ import annotations

from datetime import date, timedelta

from tests.dashboard.conftest import PERIOD


def test_the_station_page_brings_every_domain_together(
    coordinator_client, world, programme, make_concern, make_action_point
):
    a = world.station_a
    make_concern(a, summary="Kits taken at the market")
    make_action_point(a, title="Return the kits", due_on=date.today() + timedelta(days=4))
    html = coordinator_client.get(f"/stations/{a.id}?{PERIOD}").get_data(as_text=True)
    for heading in (
        "Meetings",
        "Concerns and action points",
        "Training of this station",
        "Referrals",
        "People here",
        "Details",
        "Concerns before and after sensitisation",
    ):
        assert heading in html, heading
    assert "Return the kits" in html and "Kits taken at the market" in html
    assert "Officer One" in html  # people posted here
    assert f'href="/stations/{a.id}/brief"' in html
    assert f'href="/referrals/feedback?station={a.id}"' in html
    assert f'href="/organisations/{a.id}/edit"' in html
    feedback = coordinator_client.get(f"/referrals/feedback?station={a.id}").get_data(as_text=True)
    assert f'href="/stations/{a.id}#station-referrals"' in feedback


def test_the_old_addresses_lead_to_the_station_page(coordinator_client, world):
    a = world.station_a
    old = coordinator_client.get(f"/organisations/{a.id}")
    assert old.status_code == 302 and old.location == f"/stations/{a.id}"
    story = coordinator_client.get(f"/dashboard/stations/{a.id}?start=2026-01-01&end=2026-06-30")
    assert story.status_code == 302
    assert story.location == f"/stations/{a.id}?start=2026-01-01&end=2026-06-30"
    # A command keeps its own page.
    assert coordinator_client.get(f"/organisations/{world.command.id}").status_code == 200


def test_an_officer_only_opens_their_own_stations(officer_client, world):
    a, c = world.station_a, world.station_c
    assert officer_client.get(f"/stations/{a.id}").status_code == 200
    for url in (
        f"/stations/{c.id}",
        f"/organisations/{c.id}",
        f"/dashboard/stations/{c.id}",
        f"/stations/{c.id}/brief",
    ):
        response = officer_client.get(url)
        assert response.status_code == 404, url
        assert b"Charlie Police Station" not in response.data


def test_a_viewer_reads_the_page_without_summaries_or_edits(login_as, world, make_concern):
    make_concern(world.station_a, summary="Kits taken at the market")
    html = login_as("viewer").get(f"/stations/{world.station_a.id}").get_data(as_text=True)
    assert "Alpha Police Station" in html
    assert "Kits taken at the market" not in html
    assert "/edit" not in html


def test_the_station_page_lists_the_first_30_open_points_and_concerns_and_links_to_all(
    coordinator_client, viewer_client, world, make_concern, make_action_point
):
    a = world.station_a
    for i in range(31):
        make_action_point(a, title=f"Point {i:02d}", due_on=date.today() + timedelta(days=i))
        make_concern(a, summary=f"Concern {i:02d}")
    html = coordinator_client.get(f"/stations/{a.id}").get_data(as_text=True)
    panel = html[html.index('id="loop-h"') : html.index("</section>", html.index('id="loop-h"'))]
    assert "Point 29" in panel and "Point 30" not in panel  # the earliest due first
    assert panel.count("The first 30 of 31.") == 2
    assert f'href="/action-points?open=1&amp;station={a.id}">See them all</a>' in panel
    assert f'href="/concerns?open=1&amp;station={a.id}">See them all</a>' in panel
    # Viewers get no concern summaries, and so no count of them either.
    viewer = viewer_client.get(f"/stations/{a.id}").get_data(as_text=True)
    assert viewer.count("The first 30 of 31.") == 1
