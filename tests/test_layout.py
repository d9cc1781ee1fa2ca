"""The frame of every page (partnership/layout.py): its menu follows the access rules of each role,
its kept parts follow the language and hold nothing of a person or a session, and a signed-in page
costs one statement more than the sign-in page (the session and its user)."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from partnership import layout
from partnership.permissions import ENDPOINT_RULES, endpoints_for_role
from tests.conftest import login

ROLES = ("admin", "coordinator", "trainer", "officer", "viewer")


def _menu_links(html: str) -> list[str]:
    menu = html.split('<nav aria-label="', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'<li><a href="([^"]+)"', menu)


@pytest.mark.parametrize("role", ROLES)
def test_menu_shows_exactly_the_pages_the_role_may_open(app, world, login_as, role):
    client = login_as(role)
    links = _menu_links(client.get("/notifications").get_data(as_text=True))
    user_role = world.users[role].role
    with app.test_request_context():
        expected = [
            url_for(e)
            for e in layout.MENU_ENDPOINTS
            if (rule := ENDPOINT_RULES.get(e)) and user_role in rule.roles
        ]
    assert links == expected
    # Every link shown opens, and the menu page the role does not see is refused.
    for link in links:
        assert client.get(link).status_code in (200, 302), link
    with app.test_request_context():
        hidden = [url_for(e) for e in layout.MENU_ENDPOINTS if url_for(e) not in links]
    for link in hidden:
        assert client.get(link).status_code == 403, link


def test_a_denied_role_is_still_denied_after_the_menu_is_kept(app, world, login_as):
    admin, officer = login_as("admin"), login_as("officer")
    assert "/admin/users" in _menu_links(admin.get("/").get_data(as_text=True))
    page = officer.get("/").get_data(as_text=True)
    assert "/admin/users" not in _menu_links(page)
    assert "/admin/audit" not in page
    assert officer.get("/admin/users").status_code == 403
    assert endpoints_for_role(world.users["officer"].role, ("accounts.user_list",)) == ()


def test_menu_marks_the_current_page_only(world, coordinator_client):
    page = coordinator_client.get("/meetings", follow_redirects=True).get_data(as_text=True)
    assert re.search(r'<li><a href="/meetings[^"]*" aria-current="page">', page)
    menu = page.split('<nav aria-label="', 1)[1].split("</ul>", 1)[0]
    assert menu.count('aria-current="page"') == 1
    other = coordinator_client.get("/notifications").get_data(as_text=True)
    assert "<li><a" in other and not re.search(r"<li><a [^>]*aria-current", other)
    assert 'class="notifications-link" href="/notifications" aria-current="page"' in other


def test_kept_frame_follows_each_users_language(app, world, client, db):
    from partnership.accounts.models import User

    english = app.test_client()
    login(english, world.users["coordinator"].email)
    assert ">Meetings</a>" in english.get("/notifications").get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, world.users["trainer"].id)
        user.locale = "ru"
        db.session.commit()
    login(client, world.users["trainer"].email)
    russian = client.get("/notifications").get_data(as_text=True)
    assert ">Встречи</a>" in russian and ">Meetings</a>" not in russian
    assert "Выйти" in russian or "Sign out" not in russian
    # The English reader's next page is still English.
    assert ">Meetings</a>" in english.get("/notifications").get_data(as_text=True)


def test_kept_parts_hold_nothing_of_a_person_or_session(app, world, coordinator_client):
    page = coordinator_client.get("/notifications").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    user = world.users["coordinator"]
    assert user.name in page and token in page
    kept = app.extensions["layout_kept"]
    assert kept
    for value in kept.values():
        texts = (
            [str(value)]
            if not hasattr(value, "__dict__")
            else [str(v) for v in vars(value).values()]
        )
        for text in texts:
            assert token not in text
            assert user.name not in text
            assert user.email not in text


def test_signed_in_frame_costs_one_statement(app, world, login_as, client, count_queries):
    client.get("/login")
    with count_queries() as anonymous:
        client.get("/login")
    coordinator = login_as("coordinator")
    coordinator.get("/account/password")
    with count_queries() as signed_in:
        response = coordinator.get("/account/password")
    assert response.status_code == 200
    assert anonymous.count == 0
    # The session with its user and organisation in one statement; the frame reads nothing else.
    assert signed_in.count == 1, signed_in.statements
