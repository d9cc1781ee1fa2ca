"""Every form that creates a record opens clean: no edit-conflict banner before anything was saved
(it used to appear on the new person, organisation, account and module forms)."""

from __future__ import annotations

import pytest

BANNER = "Someone else saved this record while you were editing"


def _create_urls(app):  # noqa: ANN001, ANN202
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and rule.rule.endswith("/new"):
            urls.append((rule.endpoint, rule.rule, sorted(rule.arguments)))
    return urls


def test_the_known_create_forms_are_walked(app):  # noqa: ANN001
    endpoints = {e for e, _rule, _args in _create_urls(app)}
    assert {"organisations.person_create", "organisations.organisation_create",
            "accounts.user_create", "curricula.module_create"} <= endpoints  # fmt: skip


def test_every_create_form_loads_without_the_conflict_banner(app, world, admin_client):  # noqa: ANN001
    from curricula.models import Audience, Module
    from tests.conftest import _saved
    from tests.meetings.helpers import create_meeting

    module = _saved(app, Module(code="HR-101", title="Basics", version_number=1, max_score=20,
                                audience=Audience.OPERATIONAL, duration_hours=4))  # fmt: skip
    meeting_id = create_meeting(app, [world.station_a])  # action points agreed at a meeting
    checked = 0
    for endpoint, rule, args in _create_urls(app):
        url = rule.replace("<int:module_id>", str(module.id))
        url = url.replace("<int:meeting_id>", str(meeting_id))
        assert "<" not in url, f"{endpoint}: give the test a value for {args}"
        response = admin_client.get(url)
        assert response.status_code == 200, (endpoint, response.status_code)
        assert BANNER not in response.get_data(as_text=True), endpoint
        checked += 1
    assert checked >= 10


@pytest.mark.parametrize("url", ["/people/new", "/organisations/new", "/admin/users/new",
                                 "/curricula/modules/new"])  # fmt: skip
def test_named_create_forms_have_no_banner(admin_client, url):  # noqa: ANN001
    html = admin_client.get(url).get_data(as_text=True)
    assert "<form" in html and BANNER not in html
