"""Saves through real server processes (gunicorn, two workers) sharing the test database."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.organisations.models import Organisation
from tests.conftest import PASSWORD
from tests.live import live_server

ACTIVITY_SECONDS = 1


def _new_ngo(name: str, fields: dict) -> dict:
    return {
        **fields,
        "kind": "ngo",
        "name": name,
        "country": "KE",
        "city": "Mombasa",
        "timezone": "Africa/Nairobi",
    }


def test_a_form_kept_open_past_the_activity_interval_is_saved(app, world, tmp_path):
    """The first request after the session's activity interval is a save: it is stored, and
    another user's save at the same moment is stored too (before, the idle user's request
    waited for the write lock it held itself and answered 500)."""
    with live_server(app, tmp_path, SESSION_ACTIVITY_SECONDS=str(ACTIVITY_SECONDS)) as server:
        idle, busy = server.browser(), server.browser()
        idle.sign_in(world.users["coordinator"].email, PASSWORD)
        busy.sign_in(world.users["admin"].email, PASSWORD)
        idle_form = idle.form_fields("/organisations/new")
        busy_form = busy.form_fields("/organisations/new")
        time.sleep(ACTIVITY_SECONDS + 1)  # the form stays open past the interval

        with ThreadPoolExecutor(2) as pool:
            idle_save = pool.submit(
                idle.post, "/organisations/new", _new_ngo("Kept open NGO", idle_form)
            )
            busy_save = pool.submit(
                busy.post, "/organisations/new", _new_ngo("Busy NGO", busy_form)
            )
            answers = [idle_save.result(), busy_save.result()]

        assert [a.status for a in answers] == [302, 302], server.log_text()[-3000:]
        assert all(a.location.startswith("/organisations/") for a in answers)
        # The session is still signed in and its activity was recorded after the save.
        assert idle.get("/").status == 200
    with app.app_context():
        names = set(
            db.session.scalars(
                select(Organisation.name).where(
                    Organisation.name.in_(["Kept open NGO", "Busy NGO"])
                )
            )
        )
        assert names == {"Kept open NGO", "Busy NGO"}
        assert db.session.scalar(select(func.count(Organisation.id))) == 8
