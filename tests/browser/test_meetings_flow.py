"""A coordinator runs a station visit from the due list to the minutes; officers see only what
their station may see."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.browser.conftest import serious_accessibility_violations, sign_in
from tests.meetings.helpers import create_meeting


def test_coordinator_runs_a_visit_and_officers_see_only_their_own(
    page, browser, live_server, app, world, make_person, make_user
):
    make_person("officer", world.station_a, name="Sergeant Amina Chebet", rank="Sergeant")
    make_person("officer", world.station_a, name="Constable Omar Baya", rank="Constable")
    make_user("officer", world.station_c, email="far.officer@test.example")
    yesterday, today = date.today() - timedelta(days=1), date.today()

    sign_in(page, "coordinator@test.example")
    page.goto("/meetings/due")
    page.get_by_role("link", name="Schedule a visit to Alpha Police Station").click()
    page.get_by_label("Title").fill("Visit to Alpha")
    page.get_by_label("Start date").fill(yesterday.isoformat())
    page.get_by_label("Start time").fill("09:00")
    page.get_by_label("End date").fill(today.isoformat())
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("Security notes").fill("Avoid the market road")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("“Visit to Alpha” was scheduled.").wait_for()

    page.get_by_role("button", name="Confirm").click()
    page.get_by_text("“Visit to Alpha” is confirmed.").wait_for()

    page.get_by_role("link", name="Take attendance").click()
    page.get_by_label("Sergeant Amina Chebet · Sergeant", exact=True).check()  # under its station
    page.get_by_label("Constable Omar Baya · Constable", exact=True).check()
    page.get_by_role("button", name="Add the ticked people").click()
    page.get_by_text("2 added to the register.").wait_for()
    first_day = page.get_by_role("button", name="Mark all present on").first
    first_day.click()
    page.get_by_text("The register is saved").wait_for()
    # One day's marks, labelled "<name> on <day>", day first (Kenyan English).
    page.get_by_label(re.compile(rf"^Constable Omar Baya on {today.day} ")).select_option("late")
    page.get_by_label(re.compile(rf"^Sergeant Amina Chebet on {today.day} ")).select_option(
        "present"
    )
    # The first save's notice says the same words: wait for the page this save opens.
    with page.expect_navigation():
        page.get_by_role("button", name="Save attendance").click()
    page.get_by_text("The register is saved: 2 changes.").wait_for()
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Back to the meeting").click()
    page.get_by_role("button", name="Mark as held").click()
    page.get_by_text("was recorded as held").wait_for()
    page.get_by_role("link", name="Write the minutes").click()
    page.get_by_label("Minutes").fill("Officers agreed to refer people to the drop-in centre.")
    page.get_by_role("button", name="Save the minutes").click()
    page.get_by_text("The minutes were saved (revision 1).").wait_for()
    assert page.get_by_text("Minutes recorded").first.is_visible()
    assert page.get_by_text("Avoid the market road").is_visible()
    assert serious_accessibility_violations(page) == []
    meeting_url = page.url

    from meetings.models import Meeting, MeetingStatus
    from partnership.extensions import db

    with app.app_context():
        meeting = db.session.scalars(select(Meeting)).one()
        assert meeting.status is MeetingStatus.MINUTES_RECORDED
        marks = sorted((m.day, m.status.value) for a in meeting.attendees for m in a.marks)
        assert marks == [(yesterday, "present"), (yesterday, "present"),
                         (today, "late"), (today, "present")]  # fmt: skip

    officer_context = browser.new_context(base_url=live_server)
    officer = officer_context.new_page()
    sign_in(officer, "officer@test.example")
    officer.goto(meeting_url)
    assert officer.get_by_role("heading", name="Visit to Alpha").is_visible()
    assert officer.get_by_text("Sergeant Amina Chebet").is_visible()
    assert officer.get_by_text("Avoid the market road").count() == 0
    assert officer.get_by_text("Security notes").count() == 0
    officer_context.close()

    far_context = browser.new_context(base_url=live_server)
    far = far_context.new_page()
    sign_in(far, "far.officer@test.example")
    response = far.goto(meeting_url)
    assert response.status == 404
    assert far.get_by_text("Visit to Alpha").count() == 0
    far.goto("/meetings/")
    assert far.get_by_text("Visit to Alpha").count() == 0
    far_context.close()


@pytest.mark.parametrize(
    "path",
    ["/meetings/", "/meetings/calendar", "/meetings/calendar?view=week", "/meetings/due",
     "/meetings/new", "/meetings/{meeting}", "/meetings/{meeting}/register",
     "/meetings/{meeting}/register/import", "/meetings/feed"],
)  # fmt: skip
def test_meeting_pages_are_accessible_and_fit_a_phone(page, phone_page, app, world, path):
    meeting_id = create_meeting(app, [world.station_a], title="Accessible meeting")
    url = path.format(meeting=meeting_id)
    sign_in(page, "coordinator@test.example")
    page.goto(url)
    assert serious_accessibility_violations(page) == []
    sign_in(phone_page, "coordinator@test.example")
    phone_page.goto(url)
    overflow = phone_page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def test_kept_meeting_page_fields_and_buttons_post_through_the_fresh_forms(
    page, live_server, app, world
):  # noqa: ANN001
    """The page's content is kept rendered without forms: its fields and buttons belong to
    small forms rendered afresh with the session's token (the form attribute)."""
    meeting_id = create_meeting(app, [world.station_a], title="Kept page meeting")
    sign_in(page, "coordinator@test.example")
    page.goto(f"/meetings/{meeting_id}")
    page.reload()  # served from the kept copy
    page.get_by_text("Add an agenda item").click()
    page.get_by_label("Agenda item").fill("Referral desk hours")
    page.get_by_role("button", name="Add to agenda").click()
    page.get_by_text("The agenda item was added.").wait_for()
    page.get_by_text("Record a decision").click()
    page.get_by_label("Decision", exact=True).fill("Meet monthly")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("The decision was recorded.").wait_for()
    assert page.get_by_text("Referral desk hours", exact=True).is_visible()
    # Removing asks first: dismissed, nothing happens; accepted, the item goes.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_role("button", name=re.compile("^Remove.*Referral desk hours")).click()
    assert page.get_by_text("Referral desk hours", exact=True).is_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name=re.compile("^Remove.*Referral desk hours")).click()
    page.get_by_text("The agenda item was removed.").wait_for()
    assert page.get_by_text("Referral desk hours", exact=True).count() == 0
    assert page.get_by_text("Meet monthly", exact=True).is_visible()
