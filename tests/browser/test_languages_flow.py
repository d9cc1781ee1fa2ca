"""Working in one's own language, as issue 14 asks: a Russian-speaking officer opens their pages
and acknowledges an action point in Russian; a Swahili-speaking coordinator logs a concern in
Swahili, the form's labels, button and confirmation included. Expected words are read from the
catalogues (not typed here), so the test follows the translations as they are revised."""

from __future__ import annotations

import re

from flask_babel import force_locale, gettext
from sqlalchemy import select

from partnership.extensions import db
from tests.browser.conftest import serious_accessibility_violations, sign_in

CYRILLIC = re.compile("[А-Яа-яЁё]")


def _set_locale(app, email: str, locale: str) -> None:  # noqa: ANN001
    from partnership.accounts.models import User

    with app.app_context():
        db.session.scalar(select(User).filter_by(email=email)).locale = locale
        db.session.commit()


def _in(app, locale: str, *texts: str) -> list[str]:  # noqa: ANN001
    with app.test_request_context(), force_locale(locale):
        return [gettext(t) for t in texts]


def test_a_russian_speaking_officer_works_in_russian(page, app, world, make_action_point):  # noqa: ANN001
    from partnership.actions.models import ActionPoint

    point = make_action_point(world.station_a, title="Точка сбора у рынка")
    _set_locale(app, "officer@test.example", "ru")
    sign_in(page, "officer@test.example")
    for path in ("/", "/my-review", "/concerns", "/action-points", "/meetings/", "/notifications"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "ru", path
        heading = page.locator("main h1").first.inner_text()
        assert CYRILLIC.search(heading), (path, heading)
    assert serious_accessibility_violations(page) == []

    acknowledge, menu = _in(app, "ru", "Acknowledge", "Menu")
    assert page.locator("header summary", has_text=menu).count() == 1
    page.goto(f"/action-points/{point.id}")
    with page.expect_navigation():
        page.get_by_role("button", name=acknowledge).first.click()
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).acknowledged_at is not None
    assert page.locator("html").get_attribute("lang") == "ru"
    assert CYRILLIC.search(page.locator("main").inner_text())


def test_a_swahili_speaking_coordinator_logs_a_concern_in_swahili(page, app, world):  # noqa: ANN001
    from partnership.actions.models import Concern

    _set_locale(app, "coordinator@test.example", "sw")
    sign_in(page, "coordinator@test.example")
    category, summary, button, logged, raids = _in(
        app,
        "sw",
        "Category",
        "Summary",
        "Log the concern",
        "The concern was logged.",
        "Raids at hotspots",
    )
    assert button != "Log the concern" and logged != "The concern was logged."
    page.goto(f"/concerns/new?station={world.station_a.id}")
    assert page.locator("html").get_attribute("lang") == "sw"
    page.get_by_label(category, exact=True).select_option(label=raids)
    page.get_by_label(summary, exact=True).fill("Vifaa vya sindano vilichukuliwa sokoni.")
    with page.expect_navigation():
        page.get_by_role("button", name=button).click()
    page.get_by_text(logged).first.wait_for()
    with app.app_context():
        assert db.session.scalars(select(Concern.summary)).all() == [
            "Vifaa vya sindano vilichukuliwa sokoni."
        ]
    assert serious_accessibility_violations(page) == []
