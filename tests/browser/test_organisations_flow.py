"""A coordinator sets up a station and records an officer's transfer; an officer stays within
their own station."""

from __future__ import annotations

from sqlalchemy import select

from tests.browser.conftest import sign_in


def test_coordinator_creates_station_finds_it_and_transfers_an_officer(
    page, app, world, make_person
):
    officer = make_person("officer", world.station_b, name="Constable Amani Mwero")
    sign_in(page, "coordinator@test.example")

    page.goto("/organisations/new")
    page.get_by_label("Kind").select_option("police_station")
    page.get_by_label("Name").fill("Tudor Police Station")
    page.get_by_label("Police command").select_option(label="Coast Command")
    page.get_by_label("Country").select_option("KE")
    page.get_by_label("City or town").fill("Mombasa")
    page.get_by_label("Target visit interval (days)").fill("60")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Tudor Police Station was created.").wait_for()

    page.goto("/organisations")
    page.get_by_label("Search", exact=True).fill("tudor")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/organisations?*q=tudor*")  # the filtered list, not the one before
    page.get_by_role("link", name="Tudor Police Station").click()
    page.get_by_role("heading", name="Tudor Police Station").wait_for()

    page.goto(f"/people/{officer.id}")
    page.get_by_role("link", name="Record a transfer").click()
    page.get_by_label("New station").select_option(label="Tudor Police Station")
    page.get_by_label("Transfer date").fill("2026-01-15")
    page.get_by_role("button", name="Record transfer").click()
    page.get_by_text("was transferred to Tudor Police Station").wait_for()
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert "Tudor Police Station" in rows.nth(0).inner_text()
    assert "Bravo Police Station" in rows.nth(1).inner_text()

    from partnership.extensions import db
    from partnership.organisations.models import Person

    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.id == officer.id))
        assert person.organisation.name == "Tudor Police Station"


def test_officer_cannot_reach_another_station(page, world, make_person):
    make_person("officer", world.station_c, name="Officer Far Away")
    sign_in(page, "officer@test.example")
    page.goto("/organisations")
    assert page.get_by_role("link", name="Alpha Police Station").is_visible()
    assert page.get_by_text("Charlie Police Station").count() == 0
    response = page.goto(f"/organisations/{world.station_c.id}")
    assert response.status == 404
    assert page.get_by_text("Charlie Police Station").count() == 0
    page.goto("/people")
    assert page.get_by_text("Officer Far Away").count() == 0
    # No editing links for an officer.
    page.goto(f"/organisations/{world.station_a.id}")
    assert page.get_by_role("link", name="Edit").count() == 0
