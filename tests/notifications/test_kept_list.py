"""The notifications list kept rendered until a write (partnership.caching.render_kept): the kept
list equals one rendered afresh before and right after notifications arrive and are marked read
through the forms, and one person's kept list never reaches another of the same role."""

from __future__ import annotations

from partnership.notifications.models import Notification, NotificationKind
from tests.conftest import PASSWORD, csrf_token_from, fresh_page_html, login, page_html


def _notify(app, db, user, point, actor) -> None:  # noqa: ANN001
    from partnership.notifications.services import notify

    with app.app_context():
        db.session.add(point)
        notify(NotificationKind.ASSIGNED, [db.session.merge(user)], actor=db.session.merge(actor),
               action_point=point)  # fmt: skip
        db.session.commit()


def test_the_kept_list_follows_new_and_read_notifications(  # noqa: ANN001
    app, db, world, live_cache, make_action_point, login_as
):
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    client = login_as("officer")
    assert "No notifications yet" in page_html(client, "/notifications")
    assert page_html(client, "/notifications") == fresh_page_html(app, client, "/notifications")
    # Kept while empty; a notification made meanwhile appears on the next load.
    point = make_action_point(world.station_a, title="Brief the night shift")
    page_html(client, "/notifications")
    _notify(app, db, officer, point, coordinator)
    page = client.get("/notifications").get_data(as_text=True)
    assert "Brief the night shift" in page
    assert "Mark all read" in page and page.count("Mark read") == 1
    kept = page_html(client, "/notifications")
    assert kept == fresh_page_html(app, client, "/notifications")
    # Marked read through its form, its token from a load served kept (written afresh into the
    # kept content): the next load, kept or not, says so.
    page = client.get("/notifications").get_data(as_text=True)
    assert "<kept-" not in page
    with app.app_context():
        first = db.session.query(Notification.id).filter_by(user_id=officer.id).scalar()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = csrf_token_from(page)
        response = client.post(f"/notifications/{first}/read", data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302
    after = client.get("/notifications").get_data(as_text=True)
    assert "Mark read" not in after and "Mark all read" not in after
    assert page_html(client, "/notifications") == fresh_page_html(app, client, "/notifications")


def test_a_kept_list_is_its_owners_alone(  # noqa: ANN001
    app, db, world, live_cache, make_action_point, make_user, login_as
):
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    colleague = make_user("officer", world.station_a, email="colleague@test.example")
    point = make_action_point(world.station_a, title="Only for the first officer")
    _notify(app, db, officer, point, coordinator)
    assert "Only for the first officer" in page_html(login_as("officer"), "/notifications")
    other = app.test_client()
    assert login(other, colleague.email, PASSWORD).status_code == 302
    page = page_html(other, "/notifications")  # same role, same station, same path
    assert "Only for the first officer" not in page
    assert "No notifications yet" in page
