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


def test_the_station_page_keeps_verified_points_and_the_whole_history(
    coordinator_client, world, make_concern, make_action_point
):
    from datetime import UTC, datetime

    a = world.station_a
    make_concern(a, summary="Kits taken at the market", status="resolved")
    for n in range(12):
        make_action_point(
            a,
            title=f"Verified point {n:02d}",
            status="verified",
            verified_at=datetime(2026, 3, 1 + n, 9, tzinfo=UTC),
        )
    make_action_point(a, title="Still open here")
    make_action_point(world.station_c, title="Verified elsewhere", status="verified")
    html = coordinator_client.get(f"/stations/{a.id}").get_data(as_text=True)
    assert "Verified action points" in html and "Still open here" in html
    # The ten most recently verified, newest first; the rest one click away.
    assert "Verified point 11" in html and "Verified point 02" in html
    assert "Verified point 01" not in html and "Verified elsewhere" not in html
    assert html.index("Verified point 11") < html.index("Verified point 02")
    assert f'href="/action-points?station={a.id}&amp;status=verified">See all 12</a>' in html
    # Closed concerns stay on the page, and the history counts every status with its list.
    assert "Concerns resolved or closed" in html
    assert f'/concerns?station={a.id}&amp;status=resolved">Resolved: 1</a>' in html
    assert f'/action-points?station={a.id}&amp;status=verified">Verified: 12</a>' in html
    assert f'/action-points?station={a.id}&amp;status=open">Open: 1</a>' in html
    listed = coordinator_client.get(f"/action-points?station={a.id}&status=verified")
    assert listed.get_data(as_text=True).count("Verified point") == 12


def test_the_officer_sees_their_station_history_and_the_viewer_no_concerns(
    officer_client, login_as, world, make_concern, make_action_point
):
    a = world.station_a
    make_concern(a, summary="Kits taken at the market", status="resolved")
    make_action_point(a, title="Kits returned", status="verified")
    make_action_point(world.station_c, title="Verified elsewhere", status="verified")
    officer = officer_client.get(f"/stations/{a.id}").get_data(as_text=True)
    assert "Kits returned" in officer and "Verified elsewhere" not in officer
    assert "Concerns resolved or closed" in officer
    # The history links each status's list; small counts are not shown to officers.
    assert f'/concerns?station={a.id}&amp;status=resolved">Resolved</a>' in officer
    assert "Resolved: 1" not in officer and "Verified: 1" not in officer
    viewer = login_as("viewer").get(f"/stations/{a.id}").get_data(as_text=True)
    assert "Kits returned" in viewer
    assert "Concerns resolved or closed" not in viewer and "Resolved: 1" not in viewer
