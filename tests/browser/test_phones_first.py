"""Phones first, on the demo programme at 360 x 740: the first screen of each main page shows
its heading and what the user came for, nothing scrolls sideways, chart labels read at 12 px or
more, axe-core finds nothing serious; the score grid says pre and post on every row, a register
ticks a station's officers in one tap, and the measures page is a short table, not a long list."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from partnership.extensions import db
from tests.browser.conftest import (
    first_screen_problems,
    serious_accessibility_violations,
    sign_in,
    smallest_chart_label,
)

DEMO_PASSWORD = "partnership-demo"

# The dashboard opens with the user's to-do (or, when there is none, the key figures).
DASHBOARD_FIRST = "main .todo li, main .todo p, main .indicators li"
# Each main page with what must be on its first screen: its heading, then its content or action.
PAGES = {
    "coordinator": [
        ("/", ["main h1", DASHBOARD_FIRST]),
        ("/meetings/", ["main h1", "main tbody tr"]),
        ("/concerns", ["main h1", "main a.button.primary, main tbody tr"]),
        ("/action-points", ["main h1", "main tbody tr"]),
        ("/measures", ["main h1", "main table"]),
        ("/curricula/trainings", ["main h1", "main tbody tr"]),
        ("/referrals/", ["main h1", "main tbody tr, main .card, main li"]),
        ("/people", ["main h1", "main tbody tr"]),
    ],
    "officer": [
        ("/", ["main h1", DASHBOARD_FIRST]),
        ("/my-review", ["main h1", "main h2, main .review-item"]),
        ("/meetings/", ["main h1", "main tbody tr"]),
    ],
    "viewer": [
        ("/", ["main h1", DASHBOARD_FIRST]),
        ("/measures", ["main h1", "main table"]),
    ],
}


@pytest.fixture()
def demo(app):  # noqa: ANN001, ANN201
    assert "Demo data created." in app.test_cli_runner().invoke(args=["seed-demo"]).output
    return app


def _phone_sign_in(page, role: str) -> None:  # noqa: ANN001
    sign_in(page, f"{role}@demo.example", DEMO_PASSWORD)


@pytest.mark.parametrize("role", sorted(PAGES))
def test_main_pages_show_what_the_user_came_for_on_the_first_screen(phone_page, demo, role):
    _phone_sign_in(phone_page, role)
    problems = []
    for path, wanted in PAGES[role]:
        phone_page.goto(path)
        problems += [f"{path}: {p}" for p in first_screen_problems(phone_page, *wanted)]
        # Filters are folded away on a phone until asked for.
        if phone_page.locator("details.filters-fold[open]").count():
            problems.append(f"{path}: the filters are not folded")
        label = smallest_chart_label(phone_page)
        if label is not None and label < 12:
            problems.append(f"{path}: a chart label is {label:.1f}px")
        problems += [f"{path}: axe {v}" for v in serious_accessibility_violations(phone_page)]
    assert problems == []


def test_dashboard_charts_are_readable_and_the_filters_open_on_demand(phone_page, demo):
    _phone_sign_in(phone_page, "coordinator")
    phone_page.goto("/")
    assert phone_page.locator(".chart svg text").count() > 0
    assert smallest_chart_label(phone_page) >= 12
    phone_page.get_by_text("Filters", exact=True).click()
    assert phone_page.get_by_label("From").is_visible()
    # A view with filters set opens with them shown, and says how many are set.
    phone_page.goto("/?start=2026-01-01&end=2026-06-30")
    assert phone_page.locator("details.filters-fold[open]").count() == 1
    assert phone_page.get_by_text("Filters (2 set)").is_visible()


def test_meetings_list_starts_with_the_coming_meetings(phone_page, demo):
    from meetings.models import Meeting

    with demo.app_context():
        now = datetime.now(UTC).replace(tzinfo=None)
        meetings = db.session.scalars(select(Meeting).order_by(Meeting.starts_at)).all()
        coming = [m for m in meetings if m.ends_at.replace(tzinfo=None) >= now]
        past = [m for m in meetings if m.ends_at.replace(tzinfo=None) < now]
        assert coming and past, "the demo has both coming and past meetings"
        expected_first, most_recent = coming[0].title, past[-1].title
    _phone_sign_in(phone_page, "coordinator")
    phone_page.goto("/meetings/")
    rows = phone_page.locator("main tbody tr")
    assert expected_first in rows.first.inner_text()
    assert first_screen_problems(phone_page, "main tbody tr") == []
    # After the coming ones, the most recent past meeting (not the oldest).
    titles = [t.strip() for t in rows.locator("td:nth-child(2) a").all_inner_texts()]
    assert titles.index(most_recent) == len(coming)


def test_measures_page_is_a_short_table_on_a_phone(phone_page, demo):
    _phone_sign_in(phone_page, "viewer")
    phone_page.goto("/measures")
    table = phone_page.locator("table.by-month")
    if table.count():
        # A table that scrolls inside its box, its first column kept in view; no month of
        # nothing but zeros.
        assert table.locator("thead th").count() - 1 <= 12
        for column in range(2, table.locator("thead th").count() + 1):
            cells = table.locator(f"tbody tr:last-child td:nth-child({column})")
            assert cells.inner_text().strip() not in ("0", "")
        sticky = phone_page.evaluate(
            "() => getComputedStyle(document.querySelector('table.by-month th')).position"
        )
        assert sticky == "sticky"
    height = phone_page.evaluate("() => document.documentElement.scrollHeight")
    assert height < 4 * 740, f"the measures page is {height / 740:.1f} screens long"
    assert first_screen_problems(phone_page, "main h1", "main table") == []


def test_score_grid_labels_pre_and_post_on_every_row(phone_page, demo):
    from curricula.models import Training

    with demo.app_context():
        training_id = db.session.scalars(select(Training.id).order_by(Training.id)).first()
    _phone_sign_in(phone_page, "trainer")
    phone_page.goto(f"/curricula/trainings/{training_id}/scores")
    rows = phone_page.locator("table.score-grid tbody tr")
    assert rows.count() > 0
    for i in range(rows.count()):
        row = rows.nth(i)
        name = row.locator("th").inner_text().strip()
        for test, box in (("Pre-test", "pre"), ("Post-test", "post")):
            assert row.get_by_text(test, exact=True).is_visible()
            field = row.locator(f"input[data-col={box}]")
            assert field.get_attribute("enterkeyhint") in ("next", "done")
            assert field.get_attribute("inputmode") in ("numeric", "decimal")
            assert phone_page.get_by_label(f"{name}, {test.lower()}", exact=True).count() == 1
    # The keyboard's "next" goes down the pre-test column, then on to the post-tests.
    first_pre = rows.first.locator("input[data-col=pre]")
    first_pre.focus()
    for _ in range(rows.count()):
        phone_page.keyboard.press("Enter")
    assert phone_page.evaluate("() => document.activeElement.dataset.col") == "post"
    assert first_screen_problems(phone_page, "main h1", "table.score-grid tbody tr") == []
    assert serious_accessibility_violations(phone_page) == []


def test_register_ticks_a_stations_officers_in_one_tap(phone_page, demo, make_person):
    from meetings.models import Meeting, MeetingStatus

    with demo.app_context():
        meeting = db.session.scalars(
            select(Meeting).where(Meeting.status != MeetingStatus.CANCELLED).order_by(Meeting.id)
        ).first()
        station = meeting.stations[0]
        meeting_id, station_id, station_name = meeting.id, station.id, station.name
    for n in range(4):
        make_person("officer", SimpleNamespace(id=station_id), name=f"Tick Officer {n}")
    _phone_sign_in(phone_page, "coordinator")
    phone_page.goto(f"/meetings/{meeting_id}/register")
    group = phone_page.locator("[data-tick-group]", has_text=station_name).first
    boxes = group.locator('input[name="person_ids"]')
    assert boxes.count() >= 4
    group.get_by_label(f"Tick all {boxes.count()} of {station_name}").check()
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    with phone_page.expect_navigation():
        phone_page.get_by_role("button", name="Add the ticked people").click()
    for n in range(4):
        names = phone_page.locator("table.register td:first-child", has_text=f"Tick Officer {n}")
        assert names.count() == 1
    assert serious_accessibility_violations(phone_page) == []
