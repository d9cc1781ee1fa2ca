"""The unread count stays true when several people notify the same person at the same moment
(gunicorn, four workers; SQLite here, PostgreSQL with ``TEST_DATABASE_URL``)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from partnership.accounts.models import User
from partnership.extensions import db
from partnership.notifications.models import Notification
from tests.conftest import PASSWORD
from tests.live import live_server
from tests.test_live_races import _all_at_once

CLIENTS = 6


def test_points_assigned_at_once_each_count_once(app, world, tmp_path):
    officer = world.users["officer"]
    with live_server(app, tmp_path, workers=4, NOTIFICATION_EMAILS="false") as server:
        browsers = [server.browser() for _ in range(CLIENTS)]
        for browser in browsers:
            browser.sign_in(world.users["coordinator"].email, PASSWORD)
        forms = [b.form_fields("/action-points/new") for b in browsers]

        def create(browser):  # noqa: ANN001, ANN202
            i = browsers.index(browser)
            return browser.post(
                "/action-points/new",
                {
                    **forms[i],
                    "title": f"Brief shift {i} on the NSP agreement",
                    "station_id": world.station_a.id,
                    "police_owner_id": officer.id,
                    "ngo_owner_id": "",
                    "due_on": (date.today() + timedelta(days=14)).isoformat(),
                    "priority": "normal",
                },
            )

        answers = _all_at_once(browsers, create)
        log = server.log_text()
    assert [a.status for a in answers] == [302] * CLIENTS, log[-3000:]
    with app.app_context():
        made = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.user_id == officer.id)
        )
        unread = db.session.get(User, officer.id).unread_notifications
    assert made == unread == CLIENTS
