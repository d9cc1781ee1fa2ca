"""Notifications on a phone: the header's bell says how many are unread (to screen readers
too), the list fits a 360px screen without serious accessibility problems, and marking read
brings the count down."""

from __future__ import annotations

from tests.browser.conftest import serious_accessibility_violations, sign_in


def _notify(app, db, world, points) -> None:  # noqa: ANN001
    from partnership.accounts.models import User
    from partnership.notifications.models import Notification, NotificationKind

    with app.app_context():
        officer = world.users["officer"]
        for point, kind in zip(
            points, (NotificationKind.ASSIGNED, NotificationKind.VERIFIED), strict=True
        ):
            db.session.add(
                Notification(
                    user_id=officer.id,
                    kind=kind,
                    actor_id=world.users["coordinator"].id,
                    action_point_id=point.id,
                )
            )
        db.session.execute(
            db.update(User).where(User.id == officer.id).values(unread_notifications=len(points))
        )
        db.session.commit()


def test_the_bell_counts_unread_and_the_list_marks_them_read_on_a_phone(
    app, db, phone_page, world, make_action_point
):
    points = [
        make_action_point(world.station_a, title="Brief the night shift on the NSP agreement"),
        make_action_point(world.station_a, title="Return the confiscated naloxone kits"),
    ]
    _notify(app, db, world, points)
    page = phone_page
    sign_in(page, "officer@test.example")
    bell = page.get_by_role("link", name="Notifications 2 unread")
    assert bell.is_visible()
    assert page.get_by_text("Menu").is_visible()
    # The brand, the bell and the menu share one line of the header.
    tops = [page.locator(s).bounding_box()["y"] for s in (".brand", ".notifications-link", ".menu")]
    assert max(tops) - min(tops) < 20, tops
    with page.expect_navigation():
        bell.click()
    assert page.get_by_role("heading", name="Notifications").is_visible()
    assert page.get_by_role("link", name="Test coordinator verified action point AP-").is_visible()
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert serious_accessibility_violations(page) == []

    with page.expect_navigation():
        page.get_by_role("button", name="Mark read").first.click()
    assert page.get_by_role("link", name="Notifications 1 unread").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Mark all read").click()
    assert page.get_by_text("All your notifications are marked read.").is_visible()
    assert page.get_by_role("link", name="Notifications", exact=True).is_visible()


def test_the_email_settings_are_a_group_of_checkboxes_that_saves(phone_page, world):
    page = phone_page
    sign_in(page, "coordinator@test.example")
    page.goto("/notifications/settings")
    group = page.get_by_role("group", name="Email me when")
    box = group.get_by_role("checkbox", name="An action point of mine is verified")
    assert box.is_checked()
    box.uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Save the email settings").click()
    assert page.get_by_text("Your email settings were saved.").is_visible()
    assert not page.get_by_role("checkbox", name="An action point of mine is verified").is_checked()
    assert page.get_by_role("checkbox", name="An action point is assigned to me").is_checked()
    assert serious_accessibility_violations(page) == []
