"""The loop walked end to end in a real browser, by clicks only after each sign-in, counting the
clicks and page loads it takes: a concern logged → on the agenda of the next meeting → an action
point agreed there (back on the meeting) → the officer, told by the bell and by an email sent
through the queue to a local SMTP server, finds it on a dashboard that leads with their to-do,
follows a tile to the list it counts with the dashboard's filters kept, and acknowledges it and
marks it done → the coordinator, told it is theirs to verify, reads a timeline in labels and
names and verifies it → the resolve prompt → the concern resolved → its verified point on the
station's page.

Issue 13 measured this walk at 50 clicks and 32 page loads; the budget below is half of that
(page loads counted without the three sign-ins, two loads each: the sign-in page and home)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from tests.browser.conftest import serious_accessibility_violations, sign_in, switch_user
from tests.test_password_reset import smtp_server  # noqa: F401 - the local SMTP server fixture

# At most half of what the walk took when issue 13 measured it (50 clicks, 32 page loads).
CLICK_BUDGET = 25
LOAD_BUDGET = 16


class Walk:
    """Counts what the user does: clicks (links, buttons, choices in a list, ticks) and the
    pages that load. Typing into fields is not a click."""

    def __init__(self, page) -> None:  # noqa: ANN001
        self.page = page
        self.clicks = 0
        self.loads = 0
        self.signed_in_loads = 0
        page.on("request", self._requested)

    def _requested(self, request) -> None:  # noqa: ANN001
        # A page the browser loads: a navigation of the main frame (a redirect chain once).
        if (
            request.is_navigation_request()
            and request.frame == self.page.main_frame
            and request.redirected_from is None
        ):
            self.loads += 1

    def click(self, locator) -> None:  # noqa: ANN001
        self.clicks += 1
        locator.click()

    def choose(self, locator, **option) -> None:  # noqa: ANN001, ANN003
        self.clicks += 1
        locator.select_option(**option)

    def tick(self, locator) -> None:  # noqa: ANN001
        self.clicks += 1
        locator.check()

    def sign_in_as(self, email: str) -> None:
        """A new person at the keyboard: the sign-in page, one click, their home page."""
        before = self.loads
        self.clicks += 1
        switch_user(self.page, email)
        self.page.wait_for_load_state()
        self.signed_in_loads += self.loads - before


@pytest.fixture()
def emails(app, smtp_server):  # noqa: F811 - the fixture imported above
    """Notification emails switched on, sent by the queue to the local SMTP server."""
    app.config["NOTIFICATION_EMAILS"] = True
    yield smtp_server
    app.config["NOTIFICATION_EMAILS"] = False


def _emails_to(handler, address: str, n: int) -> list:  # noqa: ANN001
    """The emails the SMTP server received for ``address``, waiting for ``n`` of them."""
    for _ in range(50):
        received = [
            message_from_bytes(e.content, policy=policy.default)
            for e in handler.messages
            if address in e.rcpt_tos
        ]
        if len(received) >= n:
            return received
        time.sleep(0.1)
    return received


def test_the_loop_walked_by_clicks_closes_within_half_the_measured_effort(
    page, app, world, emails
):
    from tests.meetings.helpers import create_meeting

    meeting_id = create_meeting(app, [world.station_a], title="Quarterly meeting at Alpha")
    walk = Walk(page)

    # 1. The coordinator logs a concern from the field.
    walk.sign_in_as("coordinator@test.example")
    walk.click(page.get_by_role("navigation", name="Main").get_by_role("link", name="Concerns"))
    walk.click(page.get_by_role("link", name="Log a concern"))
    walk.choose(page.get_by_label("Police station or post"), label="Alpha Police Station")
    walk.choose(
        page.get_by_label("Category"), label="Confiscation of syringes or other commodities"
    )
    page.get_by_label("Summary").fill("Clean syringes taken from NSP clients on night patrol.")
    page.get_by_label("Restricted details").fill("Client A.O. lost two kits.")
    walk.click(page.get_by_role("button", name="Log the concern"))
    page.get_by_text("The concern was logged.").wait_for()
    concern_url = page.url

    # 2. It is on the agenda of the next meeting with the station: named and linked.
    walk.click(page.get_by_role("link", name="On the agenda of Quarterly meeting at Alpha"))
    page.wait_for_url(f"**/meetings/{meeting_id}")
    agenda = page.locator("ol.agenda")
    assert "Clean syringes taken from NSP clients" in agenda.inner_text()
    assert page.get_by_text("No agenda yet.").count() == 0
    assert serious_accessibility_violations(page) == []

    # 3. The meeting agrees an action point with a police owner, and returns to the meeting.
    walk.click(agenda.get_by_role("link", name="Agree an action point").first)
    page.get_by_label("What will be done").fill("Brief night patrols that NSP kits are legal")
    walk.choose(page.get_by_label("Police owner"), label="Test officer (Alpha Police Station)")
    page.get_by_label("Due date").fill((date.today() + timedelta(days=14)).isoformat())
    walk.click(page.get_by_role("button", name="Save"))
    page.get_by_text("was agreed.").wait_for()
    assert f"/meetings/{meeting_id}" in page.url
    assert "Brief night patrols" in page.locator("ul.agreed-points").inner_text()

    # The owner named is told by email, sent by the queue after the request committed.
    mail = _emails_to(emails, "officer@test.example", 1)
    assert len(mail) == 1 and "Brief night patrols" in mail[0].get_content()

    # 4–5. The officer's dashboard leads with their to-do, and the bell counts one unread.
    walk.sign_in_as("officer@test.example")
    assert page.get_by_role("main").get_by_role("heading", level=2).first.inner_text() == "To do"
    todo = page.locator("section.todo")
    assert "Acknowledge: Brief night patrols that NSP kits are legal" in todo.inner_text()
    assert page.get_by_role("link", name="Notifications 1 unread").is_visible()
    # A tile opens the list it counts, with the dashboard's filters (here its period) kept,
    # and the list shows the same number.
    filters = page.get_by_role("search", name="Dashboard filters")
    start = filters.get_by_label("From").input_value()
    end = filters.get_by_label("To").input_value()
    tile = page.locator("ul.indicators li", has_text="concerns raised in the period")
    shown = tile.locator(".value").inner_text()
    walk.click(tile.get_by_role("link"))
    page.wait_for_url("**/concerns?**")
    assert f"from={start}" in page.url and f"to={end}" in page.url
    assert "Clean syringes taken from NSP clients" in page.locator("table").inner_text()
    listed = page.locator("p.count").inner_text()
    assert shown == "<5" and listed == "1 record"  # a small count is withheld on the tile
    # The in-app list says what was assigned, and leads to the point.
    walk.click(page.locator("a.notifications-link"))
    entry = page.get_by_role("link", name="Test coordinator made you an owner of action point")
    walk.click(entry.first)
    page.get_by_role("heading", name="Brief night patrols that NSP kits are legal").wait_for()
    walk.click(page.get_by_role("button", name="Acknowledge"))
    page.get_by_text("You acknowledged this action point.").wait_for()
    walk.choose(page.get_by_label("Change the status"), value="done")
    page.get_by_label("Action taken").fill("Instruction read at all four shift parades.")
    walk.click(page.get_by_role("button", name="Record the follow-up"))
    page.get_by_text("The follow-up was recorded.").wait_for()

    # 6. The coordinator is told it is theirs to verify, and verifies it.
    walk.sign_in_as("coordinator@test.example")
    walk.click(page.locator("a.notifications-link"))
    walk.click(page.get_by_role("link", name="it is for you to verify").first)
    # Verified on the point's page itself, whose timeline speaks in labels and names.
    assert serious_accessibility_violations(page) == []
    timeline = page.locator("ol.timeline").inner_text()
    assert "Test officer" in timeline and "Status" in timeline
    for raw in ("@test.example", "police_owner_id", "acknowledged_at", "action_taken"):
        assert raw not in timeline, raw
    walk.tick(page.get_by_label("Yes, adequate"))
    walk.click(page.get_by_role("button", name="Record the verification"))
    page.get_by_text("The verification was recorded.").wait_for()

    # 7. The last point of the concern is verified: the page offers to resolve it, with the
    # outcome already written from what was done. Nothing changed by itself.
    prompt = page.locator("section.resolve-prompt")
    outcome = prompt.get_by_label("Outcome")
    assert "Instruction read at all four shift parades." in outcome.input_value()
    assert serious_accessibility_violations(page) == []
    walk.click(prompt.get_by_role("button", name="Resolve this concern"))
    page.get_by_text("The concern is now “Resolved”.").wait_for()
    assert page.url.split("#")[0] == concern_url
    assert "Instruction read at all four shift parades." in page.locator("dl.facts").inner_text()

    # 8. The station's page keeps the verified point, and counts it in its story.
    walk.click(page.locator("dl.facts").get_by_role("link", name="Alpha Police Station"))
    verified = page.locator("section.loop-panel ul[aria-labelledby=loop-verified-h]")
    assert "Brief night patrols that NSP kits are legal" in verified.inner_text()
    tile = page.locator("ul.indicators li", has_text="verified in the period")
    assert tile.locator(".value").inner_text().replace(" ", "") == "1/1"
    # The officer was told by email that their point was verified.
    assert len(_emails_to(emails, "officer@test.example", 2)) == 2

    print(
        f"\nThe loop walked: {walk.clicks} clicks, {walk.loads} page loads "
        f"({walk.signed_in_loads} of them signing in three times); "
        "issue 13 measured 50 clicks and 32 page loads."
    )
    assert walk.clicks <= CLICK_BUDGET, walk.clicks
    assert walk.loads <= LOAD_BUDGET + walk.signed_in_loads, (walk.loads, walk.signed_in_loads)

    from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernStatus
    from partnership.extensions import db

    with app.app_context():
        point = db.session.scalar(select(ActionPoint))
        assert point.status is ActionStatus.VERIFIED
        assert point.origin_meeting_id == meeting_id
        assert point.acknowledged_by.email == "officer@test.example"
        concern = db.session.scalar(select(Concern))
        assert concern.status is ConcernStatus.RESOLVED
        assert "Instruction read at all four shift parades." in concern.outcome


def test_verifying_and_resolving_fit_a_phone(phone_page, world, make_concern, make_action_point):
    page = phone_page
    concern = make_concern(world.station_a, status="being_addressed")
    point = make_action_point(
        world.station_a,
        title="Return the confiscated kits",
        status="done",
        done_side="police",
        action_taken="Kits handed back to the drop-in centre.",
        concerns=[concern],
    )
    sign_in(page, "coordinator@test.example")
    page.goto(f"/action-points/{point.id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_accessibility_violations(page) == []
    page.get_by_label("Yes, adequate").check()
    page.get_by_role("button", name="Record the verification").click()
    page.get_by_text("The verification was recorded.").wait_for()
    prompt = page.locator("section.resolve-prompt")
    assert "Kits handed back" in prompt.get_by_label("Outcome").input_value()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_accessibility_violations(page) == []
