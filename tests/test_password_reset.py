"""Forgotten password: a single-use, expiring link by email, the same answer for unknown
addresses, throttled like sign-in, every session ended; sent to a local SMTP server."""

from __future__ import annotations

import re
import socket
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.conftest import PASSWORD, login

NEW_PASSWORD = "harbour-lighthouse-ferry-77"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server(app):
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            self.messages.append(envelope)
            return "250 OK"

    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    old = (app.config["MAIL_SERVER"], app.config["MAIL_PORT"], app.config["BASE_URL"])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, BASE_URL="https://pm.example.org")
    yield handler
    app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1], BASE_URL=old[2])
    controller.stop()


def _wait_for(handler, n: int) -> list:
    for _ in range(50):
        if len(handler.messages) >= n:
            break
        time.sleep(0.1)
    return handler.messages


def _link(envelope) -> str:  # noqa: ANN001
    from email import message_from_bytes, policy

    body = message_from_bytes(envelope.content, policy=policy.default).get_content()
    match = re.search(r"https://pm\.example\.org(/password/reset/[A-Za-z0-9_\-]+)", body)
    assert match, body
    return match.group(1)


def test_the_answer_is_the_same_for_known_and_unknown_addresses(client, world, smtp_server):
    pages = []
    for email in ("coordinator@test.example", "nobody@test.example"):
        response = client.post("/password/forgot", data={"email": email})
        assert response.status_code == 302
        page = client.get(response.location).data.decode()
        pages.append((response.location, re.findall(r'<p class="flash[^>]*>(.*?)</p>', page)))
    assert pages[0] == pages[1]
    assert "If an account uses this address" in pages[0][1][0]
    messages = _wait_for(smtp_server, 1)
    time.sleep(0.3)
    assert [m.rcpt_tos for m in messages] == [["coordinator@test.example"]]


def test_a_reset_link_sets_the_password_once_and_ends_every_session(
    app, db, client, world, smtp_server, login_as
):
    signed_in = login_as("coordinator")
    assert signed_in.get("/").status_code == 200
    client.post("/password/forgot", data={"email": "Coordinator@Test.example"})
    path = _link(_wait_for(smtp_server, 1)[0])
    assert client.get(path).status_code == 200
    weak = client.post(path, data={"password": "short", "confirm": "short"})
    assert weak.status_code == 422
    done = client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/login")
    # The other browser is signed out; the old password no longer works; the new one does.
    assert signed_in.get("/").status_code == 302
    assert login(app.test_client(), "coordinator@test.example", PASSWORD).status_code == 401
    assert login(app.test_client(), "coordinator@test.example", NEW_PASSWORD).status_code == 302
    # The link works once.
    again = client.get(path)
    assert again.status_code == 404
    assert b"This link does not work" in again.data
    from partnership.audit import AuditEntry

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "password_reset_by_email" in actions


def test_an_expired_link_and_an_older_link_do_not_work(app, db, client, world, smtp_server):
    from partnership.accounts.models import PasswordResetToken

    client.post("/password/forgot", data={"email": "trainer@test.example"})
    first = _link(_wait_for(smtp_server, 1)[0])
    client.post("/password/forgot", data={"email": "trainer@test.example"})
    second = _link(_wait_for(smtp_server, 2)[1])
    assert client.get(first).status_code == 404  # superseded by the newer link
    assert client.get(second).status_code == 200
    with app.app_context():
        from partnership.mixins import utcnow

        db.session.execute(
            update(PasswordResetToken).values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    response = client.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 404
    assert login(app.test_client(), "trainer@test.example", PASSWORD).status_code == 302


def test_requests_are_throttled_like_sign_in(app, client, world, smtp_server):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert client.post("/password/forgot",
                           data={"email": "viewer@test.example"}).status_code == 302  # fmt: skip
    blocked = client.post("/password/forgot", data={"email": "viewer@test.example"})
    assert blocked.status_code == 429
    assert b"Too many attempts" in blocked.data
    time.sleep(0.5)
    assert len(smtp_server.messages) == limit


def test_a_deactivated_account_gets_no_link(app, db, client, world, smtp_server):
    from partnership.accounts.models import User

    with app.app_context():
        db.session.get(User, world.users["viewer"].id).active = False
        db.session.commit()
    assert client.post("/password/forgot",
                       data={"email": "viewer@test.example"}).status_code == 302  # fmt: skip
    time.sleep(0.5)
    assert smtp_server.messages == []


def test_an_imported_account_sets_its_first_password_by_reset(app, db, client, world, smtp_server):
    from partnership.accounts.imports import UNUSABLE_PASSWORD
    from partnership.accounts.models import User

    with app.app_context():
        db.session.add(User(email="new@test.example", name="New", role=world.users["viewer"].role,
                            organisation_id=world.ngo.id, password_hash=UNUSABLE_PASSWORD))  # fmt: skip
        db.session.commit()
    assert login(app.test_client(), "new@test.example", UNUSABLE_PASSWORD).status_code == 401
    client.post("/password/forgot", data={"email": "new@test.example"})
    path = _link(_wait_for(smtp_server, 1)[0])
    client.post(path, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert login(app.test_client(), "new@test.example", NEW_PASSWORD).status_code == 302


def test_the_sign_in_page_offers_the_reset(client):
    assert b'href="/password/forgot"' in client.get("/login").data
