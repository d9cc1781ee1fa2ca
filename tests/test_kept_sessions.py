"""Session rows kept by each worker (accounts.services.sessions): a signed-in page then reads no
session from the database, and every way a session ends still ends it on the very next request
(sign-out, password change, deactivation, an administrator ending sessions, idle time, lifetime),
as does a change of role."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from partnership.accounts.models import User, UserSession
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.roles import Role
from tests.conftest import PASSWORD, login
from tests.test_auth import _clock_at


def _kept_client(app, count_queries, email: str = "coordinator@test.example"):  # noqa: ANN001, ANN202
    """A client signed in whose session row this worker keeps: its next page reads none."""
    client = app.test_client()
    assert login(client, email).status_code == 302
    assert client.get("/notifications").status_code == 200  # read, and kept
    with count_queries() as counter:
        assert client.get("/notifications").status_code == 200
    assert not [s for s in counter.statements if "user_sessions" in s], counter.statements
    return client


def _refused(response) -> bool:  # noqa: ANN001
    return response.status_code == 302 and response.location.startswith("/login")


def test_a_captured_cookie_is_refused_after_sign_out(app, world, live_cache, count_queries):  # noqa: ANN001
    client = _kept_client(app, count_queries)
    captured = client.get_cookie("pm_session").value
    assert client.post("/logout").status_code == 302
    thief = app.test_client()
    thief.set_cookie("pm_session", captured)
    assert _refused(thief.get("/notifications"))


def test_a_password_change_ends_the_other_kept_sessions(app, world, live_cache, count_queries):  # noqa: ANN001
    laptop = _kept_client(app, count_queries)
    phone = _kept_client(app, count_queries)
    new = "a-new-and-long-passphrase-7"
    response = laptop.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert laptop.get("/notifications").status_code == 200  # continues in a new session
    assert _refused(phone.get("/notifications"))


def test_deactivation_and_ending_sessions_refuse_kept_sessions(  # noqa: ANN001
    app, world, live_cache, count_queries, admin_client
):
    viewer = _kept_client(app, count_queries, "viewer@test.example")
    admin_client.post(f"/admin/users/{world.users['viewer'].id}/deactivate")
    assert _refused(viewer.get("/notifications"))
    trainer = _kept_client(app, count_queries, "trainer@test.example")
    response = admin_client.post(f"/admin/users/{world.users['trainer'].id}/sessions/end")
    assert response.status_code == 302
    assert _refused(trainer.get("/notifications"))


def test_a_new_role_applies_to_a_kept_session_at_once(app, world, live_cache, count_queries):  # noqa: ANN001
    coordinator = _kept_client(app, count_queries)
    assert coordinator.get("/admin/audit").status_code == 403  # not an administrator
    assert coordinator.get("/referrals/slips/new").status_code == 200
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == world.users["coordinator"].id).values(role=Role.VIEWER)
        )
        db.session.commit()
    assert coordinator.get("/referrals/slips/new").status_code == 403


def test_idle_time_and_lifetime_end_kept_sessions(  # noqa: ANN001
    app, world, live_cache, count_queries, monkeypatch
):
    client = _kept_client(app, count_queries)
    with app.app_context():
        start = db.session.scalar(select(UserSession.last_seen_at))
    _clock_at(monkeypatch, utcnow(), 30 * 60 + 1)  # no request for more than 30 minutes
    assert _refused(client.get("/notifications"))
    monkeypatch.undo()
    client = _kept_client(app, count_queries)
    _clock_at(monkeypatch, start, 12 * 3600 + 60)  # the session is older than its lifetime,
    with client.session_transaction() as sess:  # though its last request was a second ago
        sess["seen"] = (start + timedelta(hours=12, seconds=59)).timestamp()
    assert _refused(client.get("/notifications"))


def _session_reads(counter) -> list[str]:  # noqa: ANN001
    return [
        s
        for s in counter.statements
        if "user_sessions" in s and s.lstrip().upper().startswith("SELECT")
    ]


def _session_writes(counter) -> list[str]:  # noqa: ANN001
    return [s for s in counter.statements if s.lstrip().upper().startswith("UPDATE USER_SESSIONS")]


def test_another_session_s_activity_leaves_kept_sessions_kept(  # noqa: ANN001
    app, world, live_cache, count_queries, monkeypatch
):
    """With many people signed in, each session records its activity once a minute: that
    write does not make the worker read every other session again."""
    coordinator = _kept_client(app, count_queries)
    trainer = _kept_client(app, count_queries, "trainer@test.example")
    assert coordinator.get("/notifications").status_code == 200  # kept again after the sign-in
    _clock_at(monkeypatch, utcnow(), 61)  # both sessions' activity is due
    with count_queries() as counter:
        assert trainer.get("/notifications").status_code == 200
    assert len(_session_writes(counter)) == 1, counter.statements
    with count_queries() as counter:
        assert coordinator.get("/notifications").status_code == 200
    assert not _session_reads(counter), counter.statements


def test_a_worker_s_own_activity_write_keeps_its_copy_current(  # noqa: ANN001
    app, world, live_cache, count_queries, monkeypatch
):
    client = _kept_client(app, count_queries)
    _clock_at(monkeypatch, utcnow(), 61)
    with count_queries() as counter:
        assert client.get("/notifications").status_code == 200
    assert len(_session_writes(counter)) == 1, counter.statements
    with count_queries() as counter:  # recorded a moment ago: neither written nor read again
        assert client.get("/notifications").status_code == 200
    assert not _session_writes(counter) and not _session_reads(counter), counter.statements


def test_a_kept_copy_older_than_the_stored_activity_ends_no_session(  # noqa: ANN001
    app, world, live_cache, count_queries, monkeypatch
):
    """Another worker recorded a later request than the copy this worker keeps: the session is
    alive on what is stored, and ends once what is stored is idle too long."""
    client = _kept_client(app, count_queries)
    now = utcnow()
    with app.app_context():  # recorded by another worker 20 minutes later (a quiet write)
        db.session.execute(update(UserSession).values(last_seen_at=now + timedelta(minutes=20)))
        db.session.commit()
    with client.session_transaction() as sess:  # no exact time in the cookie
        sess.pop("seen", None)
    _clock_at(monkeypatch, now, 31 * 60)  # 31 minutes after the kept copy's time
    assert client.get("/notifications").status_code == 200
    with client.session_transaction() as sess:
        sess.pop("seen", None)
    _clock_at(monkeypatch, now, 61 * 60 + 1)  # 30 minutes after that request, recorded
    assert _refused(client.get("/notifications"))
