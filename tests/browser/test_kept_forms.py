"""A form sent while the network is down is not lost: what was typed stays on the device (the
outbox, static/js/app.js) with a "Send again" button, is sent by itself when the network is
back, comes back into its form from the list of waiting forms, and is stored exactly once."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.browser.conftest import serious_accessibility_violations, sign_in, switch_user

NOTICE = "Not sent yet: kept on this device."
SUMMARY = "Kits taken from outreach workers during the night patrol."


def _count(app, model, *where) -> int:  # noqa: ANN001
    from partnership.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(*where))


def _kept(page) -> str:  # noqa: ANN001
    """Everything of typed forms this device holds: kept form values and the outbox."""
    return page.evaluate(
        """async () => {
          const kept = Object.keys(localStorage).filter(k => k.startsWith('kept-form:'))
            .map(k => localStorage.getItem(k));
          const waiting = await new Promise(resolve => {
            const open = indexedDB.open('partnership-outbox', 1);
            open.onupgradeneeded = () => open.result.createObjectStore('forms', {keyPath: 'id', autoIncrement: true});
            open.onsuccess = () => {
              const all = open.result.transaction('forms').objectStore('forms').getAll();
              all.onsuccess = () => resolve(all.result.map(item => JSON.stringify(item.entries)));
            };
          });
          return kept.concat(waiting).join('\\n');
        }"""
    )


def _fail_posts(page) -> None:  # noqa: ANN001
    """The network drops for forms sent to the server, not for the pages."""
    page.route("**/*", lambda r: r.abort() if r.request.method == "POST" else r.continue_())


def _fill_concern(page, station_id: int) -> None:  # noqa: ANN001
    page.goto(f"/concerns/new?station={station_id}")
    page.get_by_label("Category").select_option(
        label="Confiscation of syringes or other commodities"
    )
    page.get_by_label("Place").fill("Mlaleo hotspot")
    page.get_by_label("Summary").fill(SUMMARY)
    page.get_by_label("Restricted details").fill("Client B.K. lost a kit.")


def test_a_concern_and_a_follow_up_sent_offline_are_sent_again_once(
    page, app, world, make_action_point
):  # noqa: ANN001
    from partnership.actions.models import Concern, FollowUp

    sign_in(page, "coordinator@test.example")
    _fill_concern(page, world.station_a.id)
    page.context.set_offline(True)
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text(NOTICE).wait_for()
    # The form is still there with what was typed, and nothing reached the server.
    assert page.get_by_label("Summary").input_value() == SUMMARY
    assert _count(app, Concern, Concern.summary == SUMMARY) == 0
    assert SUMMARY in _kept(page)
    assert serious_accessibility_violations(page) == []

    # The network comes back: the concern is sent by itself, once, and nothing stays behind.
    page.context.set_offline(False)
    page.get_by_text("The concern was logged.").wait_for()
    assert _count(app, Concern, Concern.summary == SUMMARY) == 1
    assert _kept(page) == ""

    # A follow-up from the officer's review, the same way.
    point = make_action_point(world.station_a, title="Brief the night shift")
    switch_user(page, "officer@test.example")
    page.goto("/my-review")
    page.get_by_role("link", name="Comment or mark done").first.click()
    page.get_by_label("Note", exact=True).fill("Briefed two of the four shifts so far.")
    page.context.set_offline(True)
    page.get_by_role("button", name="Record the follow-up").click()
    page.get_by_text(NOTICE).wait_for()
    assert _count(app, FollowUp, FollowUp.action_point_id == point.id) == 0
    page.context.set_offline(False)
    page.get_by_text("The follow-up was recorded.").wait_for()
    notes = select(FollowUp.note).where(FollowUp.action_point_id == point.id)
    from partnership.extensions import db

    with app.app_context():
        assert db.session.scalars(notes).all() == ["Briefed two of the four shifts so far."]


def test_kept_values_come_back_from_the_list_of_waiting_forms(page, app, world):  # noqa: ANN001
    from partnership.actions.models import Concern

    sign_in(page, "coordinator@test.example")
    _fill_concern(page, world.station_a.id)
    _fail_posts(page)
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text(NOTICE).wait_for()

    # Opened again, the page has an empty form for the next concern; the waiting one is listed
    # at the top, and its link brings what was typed back into the form.
    page.reload()
    assert page.get_by_label("Summary").input_value() == ""
    page.locator("#outbox").get_by_role("link", name="Log a concern").click()
    page.get_by_text(NOTICE).wait_for()
    assert page.get_by_label("Summary").input_value() == SUMMARY
    assert page.get_by_label("Place").input_value() == "Mlaleo hotspot"
    assert page.get_by_label("Restricted details").input_value() == "Client B.K. lost a kit."
    page.unroute("**/*")
    page.get_by_role("button", name="Send again").click()
    page.get_by_text("The concern was logged.").wait_for()
    assert _count(app, Concern, Concern.summary == SUMMARY) == 1
    assert _kept(page) == ""

    # Sending the kept form again (a second tab, a second press) stores nothing more.
    _fill_concern(page, world.station_a.id)
    _fail_posts(page)
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text(NOTICE).wait_for()
    page.unroute("**/*")
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text("The concern was logged.").wait_for()
    assert _count(app, Concern, Concern.summary == SUMMARY) == 2
    page.reload()
    assert _count(app, Concern, Concern.summary == SUMMARY) == 2
    assert _kept(page) == ""


def test_nothing_is_kept_after_sign_out(page, world):  # noqa: ANN001
    sign_in(page, "coordinator@test.example")
    _fill_concern(page, world.station_a.id)
    _fail_posts(page)
    page.get_by_role("button", name="Log the concern").click()
    page.get_by_text(NOTICE).wait_for()
    assert "Client B.K." in _kept(page)
    page.unroute("**/*")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    assert _kept(page) == ""
