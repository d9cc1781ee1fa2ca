"""Signing in and out, throttling, sessions that really end, passwords."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from partnership.accounts.models import LoginAttempt, User, UserSession
from partnership.extensions import db
from partnership.mixins import utcnow
from tests.conftest import PASSWORD, login


def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data
    assert b'name="password"' in response.data


def test_sign_in_and_reach_home(client, world):
    response = login(client, "coordinator@test.example")
    assert response.status_code == 302
    assert response.location == "/"
    home = client.get("/").data
    assert b"<h1>Dashboard</h1>" in home
    assert b"Test coordinator" in home


def test_wrong_password_is_refused_with_a_message(client, world, app):
    response = login(client, "coordinator@test.example", "not-the-password")
    assert response.status_code == 401
    assert b"The email or password is not correct." in response.data
    assert client.get("/").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginAttempt.id))) == 1


def test_unknown_email_gets_the_same_message(client, world):
    response = login(client, "nobody@test.example")
    assert response.status_code == 401
    assert b"The email or password is not correct." in response.data


def test_deactivated_account_cannot_sign_in(client, world, make_user):
    user = make_user("viewer", world.ngo, email="gone@test.example", active=False)
    assert login(client, user.email).status_code == 401


def test_eleventh_attempt_within_the_window_is_throttled(client, world):
    for _ in range(10):
        assert login(client, "coordinator@test.example", "wrong-password-x").status_code == 401
    response = login(client, "coordinator@test.example")  # even the right password
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.data
    # Clients and proxies are told when to try again: within the 15-minute window.
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert client.get("/").status_code == 302


def test_throttle_is_per_address_too(app, world):
    client = app.test_client()
    for i in range(10):
        login(client, f"someone{i}@test.example", "wrong-password-x")
    response = login(client, "coordinator@test.example")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


def test_throttle_is_temporary(client, world, app):
    for _ in range(10):
        login(client, "coordinator@test.example", "wrong-password-x")
    with app.app_context():
        db.session.execute(update(LoginAttempt).values(at=utcnow() - timedelta(minutes=16)))
        db.session.commit()
    assert login(client, "coordinator@test.example").status_code == 302


def test_throttle_is_shared_through_the_database_across_processes(app, world):
    """Failures recorded by one server process count in another: the count lives in the
    database, not in process memory (here: two separate clients, and rows checked)."""
    first, second = app.test_client(), app.test_client()
    for _ in range(5):
        login(first, "coordinator@test.example", "wrong-password-x")
    for _ in range(5):
        login(second, "coordinator@test.example", "wrong-password-x")
    with app.app_context():
        assert db.session.scalar(select(func.count(LoginAttempt.id))) == 10
    assert login(app.test_client(), "coordinator@test.example").status_code == 429


def test_session_cookie_captured_before_logout_is_refused_after_it(app, world):
    client = app.test_client()
    login(client, "coordinator@test.example")
    captured = client.get_cookie("pm_session").value
    assert client.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("pm_session", captured)
    response = thief.get("/organisations")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_password_change_ends_other_sessions(app, world):
    laptop, phone = app.test_client(), app.test_client()
    login(laptop, "coordinator@test.example")
    login(phone, "coordinator@test.example")
    response = laptop.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a-new-and-long-passphrase-7",
            "confirm": "a-new-and-long-passphrase-7",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # continues in a new session
    assert phone.get("/").status_code == 302  # signed out
    assert login(app.test_client(), "coordinator@test.example").status_code == 401
    assert (
        login(
            app.test_client(), "coordinator@test.example", "a-new-and-long-passphrase-7"
        ).status_code
        == 302
    )


@pytest.mark.parametrize(
    "password, message",
    [
        ("short-one", b"at least 12 characters"),
        ("coordinator@test.example", b"must not be your email"),
        ("password1234", b"too common"),
        ("aaaaaaaaaaaaaa", b"too common"),
    ],
)
def test_password_policy(coordinator_client, app, password, message):
    response = coordinator_client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": password, "confirm": password},
    )
    assert response.status_code == 422
    assert message in response.data
    assert coordinator_client.get("/").status_code == 200  # still signed in, nothing changed


def test_password_change_needs_the_current_password(coordinator_client):
    response = coordinator_client.post(
        "/account/password",
        data={
            "current_password": "wrong-current-password",
            "password": "a-new-and-long-passphrase-7",
            "confirm": "a-new-and-long-passphrase-7",
        },
    )
    assert response.status_code == 422
    assert b"The current password is not correct." in response.data


def test_deactivation_ends_sessions(app, world, admin_client):
    viewer = app.test_client()
    login(viewer, "viewer@test.example")
    assert viewer.get("/").status_code == 200
    admin_client.post(f"/admin/users/{world.users['viewer'].id}/deactivate")
    assert viewer.get("/").status_code == 302


def test_admin_ends_all_sessions(app, world, admin_client):
    viewer = app.test_client()
    login(viewer, "viewer@test.example")
    response = admin_client.post(f"/admin/users/{world.users['viewer'].id}/sessions/end")
    assert response.status_code == 302
    assert viewer.get("/").status_code == 302
    with app.app_context():
        open_sessions = db.session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.user_id == world.users["viewer"].id, UserSession.ended_at.is_(None)
            )
        )
        assert open_sessions == 0


def _signed_in_at(app, client) -> datetime:  # noqa: ANN001
    login(client, "coordinator@test.example")
    with app.app_context():
        return db.session.scalar(select(UserSession.last_seen_at))


def _clock_at(monkeypatch, start: datetime, seconds: float) -> None:  # noqa: ANN001
    """The server's clock ``seconds`` after ``start``, for the session checks."""
    import partnership.accounts.services.sessions as account_sessions
    import partnership.auth as auth

    for module in (account_sessions, auth):
        monkeypatch.setattr(
            module, "utcnow", lambda: start + timedelta(seconds=seconds), raising=False
        )


def test_idle_timeout(app, world, monkeypatch):
    client = app.test_client()
    start = _signed_in_at(app, client)
    _clock_at(monkeypatch, start, 30 * 60 + 1)
    assert client.get("/").status_code == 302


def test_idle_timeout_is_exact_to_the_second(app, world, monkeypatch):
    """The stored activity time is refreshed once a minute, but the timeout counts from the
    last request: a request 59 s after sign-in, then 29 min 59 s later the session is alive,
    and 30 min 1 s after that one it has ended."""
    client = app.test_client()
    start = _signed_in_at(app, client)
    _clock_at(monkeypatch, start, 59)
    assert client.get("/").status_code == 200
    with app.app_context():
        # Written once a minute at most: not at 59 s, where only the cookie knows the time.
        assert db.session.scalar(select(UserSession.last_seen_at)) == start
    _clock_at(monkeypatch, start, 59 + 30 * 60 - 1)
    assert client.get("/").status_code == 200
    _clock_at(monkeypatch, start, 59 + 30 * 60 - 1 + 30 * 60 + 1)
    assert client.get("/").status_code == 302


def test_stored_activity_time_alone_ends_an_idle_session(app, world, monkeypatch):
    """A cookie without the activity time (or from before it) still ends with the stored one."""
    client = app.test_client()
    login(client, "coordinator@test.example")
    with client.session_transaction() as sess:
        sess.pop("seen", None)
    with app.app_context():
        db.session.execute(
            update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=31))
        )
        db.session.commit()
    assert client.get("/").status_code == 302


def test_activity_keeps_the_session_alive(app, world):
    client = app.test_client()
    login(client, "coordinator@test.example")
    with app.app_context():
        db.session.execute(
            update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=29))
        )
        db.session.commit()
    assert client.get("/").status_code == 200
    with app.app_context():
        seen = db.session.scalar(select(UserSession.last_seen_at))
        assert utcnow() - seen < timedelta(minutes=1)


def test_absolute_lifetime(app, world):
    client = app.test_client()
    login(client, "coordinator@test.example")
    with app.app_context():
        db.session.execute(
            update(UserSession).values(
                created_at=utcnow() - timedelta(hours=12, minutes=1), last_seen_at=utcnow()
            )
        )
        db.session.commit()
    assert client.get("/").status_code == 302


def test_session_identifier_changes_at_login(app, world):
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["sid"] = "planted-by-an-attacker"
    login(client, "coordinator@test.example")
    with client.session_transaction() as sess:
        assert sess["sid"] != "planted-by-an-attacker"
    with app.app_context():
        assert db.session.scalar(select(func.count(UserSession.id))) == 1


def test_session_cookie_flags(client, world):
    response = login(client, "coordinator@test.example")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in tests; HTTPS=true sets it


def test_secure_cookie_and_hsts_over_https(world):
    from partnership import create_app
    from partnership.config import TestConfig

    https_app = create_app({**{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
                            "HTTPS": True, "SQLALCHEMY_DATABASE_URI": "sqlite://",
                            "SECRET_KEY": "x"})  # fmt: skip
    assert https_app.config["SESSION_COOKIE_SECURE"] is True
    response = https_app.test_client().get("/healthz")
    assert "max-age" in response.headers["Strict-Transport-Security"]


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/people", "/people"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_redirect_is_safe(client, world, target, expected):
    response = client.post(
        f"/login?next={target}",
        data={"email": "coordinator@test.example", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == expected


def test_password_is_stored_as_argon2id(app, world):
    with app.app_context():
        user = db.session.get(User, world.users["coordinator"].id)
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


def test_logout_needs_post(coordinator_client):
    assert coordinator_client.get("/logout").status_code == 405
    assert coordinator_client.get("/").status_code == 200
