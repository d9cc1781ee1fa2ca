"""The loop the product exists for, in a real browser: a concern is logged at a station, the
next meeting there carries it on its agenda and agrees an action point with a police owner, the officer acknowledges it and marks it done, the
coordinator verifies it, the concern is resolved and the station brief shows the change."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.browser.conftest import serious_accessibility_violations, sign_in, switch_user


def test_concern_to_verified_action_point(page, app, world):
    from tests.meetings.helpers import create_meeting

    meeting_id = create_meeting(app, [world.station_a], title="Quarterly meeting at Alpha")
    sign_in(page, "coordinator@test.example")

    # From the station page, one click to log a concern.
    page.goto(f"/organisations/{world.station_a.id}")
    page.get_by_role("link", name="Log a concern").click()
    page.get_by_label("Category").select_option(
        label="Confiscation of syringes or other commodities"
    )
    page.get_by_label("Place").fill("Mlaleo hotspot")
    page.get_by_label("Number of people affected").fill("4")
    page.get_by_label("Summary").fill("Clean syringes taken from NSP clients on night patrol.")
    page.get_by_label("Restricted details").fill("Client A.O. lost two kits.")
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text("The concern was logged.").wait_for()
    assert serious_accessibility_violations(page) == []

    # The next meeting with the station carries it on its agenda; the meeting agrees an
    # action point with a police owner, one click from the concern on the agenda.
    page.goto(f"/meetings/{meeting_id}")
    agenda = page.locator("ol.agenda")  # carried forward as agenda items
    assert "Clean syringes taken from NSP clients" in agenda.inner_text()
    assert "On an agenda" in agenda.inner_text()
    assert serious_accessibility_violations(page) == []
    agenda.get_by_role("link", name="Agree an action point").first.click()
    page.get_by_text("Agreed at: Quarterly meeting at Alpha").wait_for()
    page.get_by_label("What will be done").fill("Brief night patrols that NSP kits are legal")
    page.get_by_label("Police owner").select_option(label="Test officer (Alpha Police Station)")
    page.get_by_label("Due date").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Save").click()
    # Back on the meeting, ready to agree the next point.
    page.get_by_text("was agreed.").wait_for()
    agreed = page.locator("ul.agreed-points")
    assert "Brief night patrols that NSP kits are legal" in agreed.inner_text()
    point_url = agreed.get_by_role("link").first.get_attribute("href")

    # The officer acknowledges it and marks it done from their review.
    switch_user(page, "officer@test.example")
    page.goto("/my-review")
    assert page.get_by_text("Clean syringes taken from NSP clients").is_visible()
    assert page.get_by_text("Client A.O.").count() == 0
    assert serious_accessibility_violations(page) == []
    page.get_by_role("button", name="Acknowledge").first.click()
    page.get_by_text("You acknowledged this action point.").wait_for()
    # Commenting and marking done happen on the point's page, which leads back to the review.
    page.get_by_role("link", name="Comment or mark done").first.click()
    page.get_by_label("Change the status").select_option("done")
    page.get_by_label("Action taken").fill("Instruction read at all four shift parades.")
    page.get_by_role("button", name="Record the follow-up").click()
    page.get_by_text("The follow-up was recorded.").wait_for()
    assert page.url.endswith("/my-review")

    # The coordinator (the other side) verifies it and resolves the concern.
    switch_user(page, "coordinator@test.example")
    page.goto(point_url)
    page.get_by_role("link", name="Verify").first.click()
    page.get_by_label("Yes, adequate").check()
    page.get_by_role("button", name="Record the verification").click()
    page.get_by_text("The verification was recorded.").wait_for()
    assert page.get_by_text("Instruction read at all four shift parades.").first.is_visible()
    page.get_by_role("link", name="Confiscation of syringes or other commodities").first.click()
    page.get_by_label("New status").select_option("resolved")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("The concern is now “Resolved”.").wait_for()

    # The station brief shows what changed.
    since = (date.today() - timedelta(days=1)).isoformat()
    page.goto(f"/stations/{world.station_a.id}/brief?since={since}")
    changes = page.locator("ul.changes").inner_text()
    assert "Resolved" in changes
    assert "Verified" in changes
    assert serious_accessibility_violations(page) == []

    from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernStatus
    from partnership.extensions import db

    with app.app_context():
        point = db.session.scalar(select(ActionPoint))
        assert point.status is ActionStatus.VERIFIED
        assert point.done_side.value == "police"
        assert point.verified_by.email == "coordinator@test.example"
        assert point.origin_meeting_id == meeting_id
        assert db.session.scalar(select(Concern)).status is ConcernStatus.RESOLVED


def test_review_works_on_a_phone(phone_page, world, make_action_point):
    make_action_point(world.station_a, title="Overdue on a phone",
                      due_on=date.today() - timedelta(days=20))  # fmt: skip
    sign_in(phone_page, "officer@test.example")
    phone_page.goto("/my-review")
    assert phone_page.get_by_role("link", name="Overdue on a phone", exact=True).is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    assert serious_accessibility_violations(phone_page) == []
