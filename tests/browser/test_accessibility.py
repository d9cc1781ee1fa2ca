"""axe-core finds no serious or critical problems on the main kinds of page, and pages fit a
360px-wide phone screen without sideways scrolling."""

from __future__ import annotations

import pytest

from tests.browser.conftest import serious_accessibility_violations, sign_in


def test_login_page_is_accessible(page):
    page.goto("/login")
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/organisations",
        "/organisations/{station}",
        "/organisations/new",
        "/organisations/{station}/edit",
        "/people",
        "/people/{person}",
        "/people/new",
        "/people/{person}/transfer",
        "/admin/users",
        "/admin/audit",
    ],
)
def test_pages_are_accessible(page, world, make_person, path):
    person = make_person("officer", world.station_a)
    sign_in(page, "admin@test.example")
    page.goto(path.format(station=world.station_a.id, person=person.id))
    assert serious_accessibility_violations(page) == []


def test_form_errors_are_accessible(page, world):
    sign_in(page, "coordinator@test.example")
    page.goto("/organisations/new")
    page.get_by_role("button", name="Save").click()
    page.locator(".error").first.wait_for()
    assert page.locator(".error").count() > 0
    assert serious_accessibility_violations(page) == []


@pytest.mark.parametrize("path", ["/login", "/organisations", "/people", "/organisations/new"])
def test_pages_fit_a_phone_screen(phone_page, world, path):
    if path != "/login":
        sign_in(phone_page, "coordinator@test.example")
    phone_page.goto(path)
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_menu_is_usable_on_a_phone(phone_page, world):
    sign_in(phone_page, "coordinator@test.example")
    phone_page.get_by_text("Menu").click()
    phone_page.get_by_role("link", name="People").click()
    phone_page.wait_for_url("**/people")
    phone_page.get_by_role("heading", name="People").wait_for()
