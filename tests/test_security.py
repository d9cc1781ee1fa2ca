"""Security headers, CSRF on every state-changing endpoint, request limits, error pages."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from partnership import create_app
from partnership.config import TestConfig
from tests.conftest import PASSWORD, csrf_token_from


def test_security_headers_on_pages(coordinator_client):
    response = coordinator_client.get("/organisations")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # only over HTTPS


def test_no_inline_scripts_or_styles_in_pages(coordinator_client, world):
    for path in ("/", "/organisations", "/organisations/new", "/people"):
        html = coordinator_client.get(path).data.decode()
        assert "<script>" not in html and "onclick=" not in html and "style=" not in html


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"


@pytest.fixture()
def csrf_app(app) -> Flask:  # noqa: ANN001
    """The same app and database with CSRF protection switched on."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def _state_changing_rules(app: Flask):  # noqa: ANN202
    for rule in app.url_map.iter_rules():
        if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            yield rule


def test_every_state_changing_endpoint_refuses_a_request_without_csrf_token(
    csrf_app, world, make_person
):
    person = make_person("officer", world.station_a)
    client = csrf_app.test_client()
    page = client.get("/login")
    token = csrf_token_from(page.data.decode())
    assert (
        client.post(
            "/login",
            data={"email": "admin@test.example", "password": PASSWORD, "csrf_token": token},
        ).status_code
        == 302
    )
    values = {
        "organisation_id": world.station_a.id,
        "person_id": person.id,
        "user_id": world.users["viewer"].id,
    }
    checked = 0
    for rule in _state_changing_rules(csrf_app):
        args = {name: values.get(name, 1) for name in rule.arguments}
        url = csrf_app.url_map.bind("localhost").build(rule.endpoint, args)
        response = client.post(url, data={"email": "x@test.example", "password": "y"})
        if rule.endpoint.startswith("api."):
            # The API takes tokens only: the signed-in browser's cookie does not act there.
            assert response.status_code == 401, (rule.endpoint, response.status_code)
            continue
        assert response.status_code == 400, (rule.endpoint, response.status_code)
        assert b"The form expired" in response.data
        checked += 1
    assert checked >= 10


def test_login_form_without_csrf_token_is_refused(csrf_app, world):
    client = csrf_app.test_client()
    response = client.post("/login", data={"email": "admin@test.example", "password": PASSWORD})
    assert response.status_code == 400


def test_a_valid_csrf_token_is_accepted(csrf_app, world):
    client = csrf_app.test_client()
    token = csrf_token_from(client.get("/login").data.decode())
    response = client.post(
        "/login",
        data={"email": "coordinator@test.example", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    token = csrf_token_from(client.get("/organisations/new").data.decode())
    response = client.post(
        "/organisations/new",
        data={
            "csrf_token": token,
            "kind": "ngo",
            "name": "Token Test NGO",
            "country": "KE",
            "city": "Mombasa",
            "timezone": "Africa/Nairobi",
        },
    )
    assert response.status_code == 302
    assert response.location.startswith("/organisations/")


# That no GET changes data is checked by behaviour, not by endpoint names:
# tests/test_leak_sweep.py::test_no_get_changes_data_for_administrators requests every GET route
# and compares a fingerprint of the database before and after.


def test_request_size_limit(coordinator_client, app):
    big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = coordinator_client.post(
        "/organisations/new", data=big, content_type="application/octet-stream"
    )
    assert response.status_code == 413


def test_unknown_page_is_a_plain_404(coordinator_client):
    response = coordinator_client.get("/no/such/page")
    assert response.status_code == 404
    assert b"This page does not exist" in response.data


def test_server_error_page_shows_no_traceback(world):
    application = create_app(
        {
            **{k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()},
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "SECRET_KEY": "x",
        }  # fmt: skip
    )
    from partnership.permissions import ENDPOINT_RULES, PUBLIC

    @application.get("/boom")
    def boom():  # noqa: ANN202
        raise RuntimeError("secret internal detail")

    ENDPOINT_RULES["boom"] = PUBLIC
    try:
        response = application.test_client().get("/boom")
    finally:
        del ENDPOINT_RULES["boom"]
    assert response.status_code == 500
    assert b"Something went wrong" in response.data
    assert b"secret internal detail" not in response.data
    assert b"Traceback" not in response.data


def test_nothing_is_half_written_when_a_request_fails(app, world, coordinator_client, monkeypatch):
    """An error in the middle of a save rolls everything back."""
    from partnership.extensions import db
    from partnership.organisations import services
    from partnership.organisations.models import Organisation

    original = services.create_organisation

    def failing(data):  # noqa: ANN001, ANN202
        original(data)
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "create_organisation", failing)
    response = coordinator_client.post(
        "/organisations/new",
        data={
            "kind": "ngo",
            "name": "Half Written",
            "country": "KE",
            "city": "Mombasa",
            "timezone": "Africa/Nairobi",
        },  # fmt: skip
    )
    assert response.status_code == 500
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Organisation.id)).where(Organisation.name == "Half Written")
            )
            == 0
        )
