"""A form sent twice (a double click, a browser sending it again after the connection dropped)
is stored once, and the second answer leads to the stored record."""

from __future__ import annotations

import re
import secrets
import time
from datetime import timedelta

import pytest
from flask import Response, get_flashed_messages
from sqlalchemy import func, select, update

from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.organisations.models import Organisation
from partnership.submissions import SubmissionKey
from tests.conftest import PASSWORD
from tests.live import live_server


def _key_from(html: str) -> str:
    match = re.search(r'name="submission_key" value="([^"]+)"', html)
    assert match, "no submission key on the form"
    return match.group(1)


def _ngo(name: str, key: str) -> dict:
    return {
        "kind": "ngo",
        "name": name,
        "country": "KE",
        "city": "Mombasa",
        "timezone": "Africa/Nairobi",
        "submission_key": key,
    }


def _count_named(app, name: str) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(
            select(func.count(Organisation.id)).where(Organisation.name == name)
        )


def test_every_post_form_carries_a_fresh_key(coordinator_client, world):
    page = coordinator_client.get(f"/stations/{world.station_a.id}").get_data(as_text=True)
    post_forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>", page, re.I)
    keys = re.findall(r'name="submission_key" value="([^"]+)"', page)
    assert post_forms and len(keys) == len(post_forms)
    assert len(set(keys)) == len(keys)
    again = coordinator_client.get(f"/stations/{world.station_a.id}").get_data(as_text=True)
    assert set(keys).isdisjoint(re.findall(r'name="submission_key" value="([^"]+)"', again))


def test_the_same_form_sent_twice_is_stored_once(app, coordinator_client, world):
    key = _key_from(coordinator_client.get("/organisations/new").get_data(as_text=True))
    first = coordinator_client.post("/organisations/new", data=_ngo("Twice NGO", key))
    assert first.status_code == 302
    second = coordinator_client.post("/organisations/new", data=_ngo("Twice NGO", key))
    assert second.status_code == 303
    assert second.location == first.location
    assert _count_named(app, "Twice NGO") == 1
    shown = coordinator_client.get(second.location).get_data(as_text=True)
    assert "Twice NGO" in shown
    assert "This form had already been sent and was saved once" in shown
    # A new rendering of the form is a new key: the user can add another one on purpose.
    other = _key_from(coordinator_client.get("/organisations/new").get_data(as_text=True))
    assert (
        coordinator_client.post("/organisations/new", data=_ngo("Thrice NGO", other)).status_code
        == 302
    )
    assert _count_named(app, "Thrice NGO") == 1


def test_a_refused_form_can_be_corrected_and_sent_with_the_same_key(app, coordinator_client):
    key = _key_from(coordinator_client.get("/organisations/new").get_data(as_text=True))
    refused = coordinator_client.post("/organisations/new", data={**_ngo("", key), "city": ""})
    assert refused.status_code == 422
    fixed = coordinator_client.post("/organisations/new", data=_ngo("Corrected NGO", key))
    assert fixed.status_code == 302
    assert _count_named(app, "Corrected NGO") == 1


def test_keys_belong_to_their_user(app, coordinator_client, admin_client):
    key = _key_from(coordinator_client.get("/organisations/new").get_data(as_text=True))
    assert (
        coordinator_client.post("/organisations/new", data=_ngo("Mine NGO", key)).status_code == 302
    )
    assert admin_client.post("/organisations/new", data=_ngo("Theirs NGO", key)).status_code == 302
    assert _count_named(app, "Theirs NGO") == 1


def test_keys_older_than_a_day_are_pruned(app, coordinator_client):
    key = _key_from(coordinator_client.get("/organisations/new").get_data(as_text=True))
    coordinator_client.post("/organisations/new", data=_ngo("Old NGO", key))
    with app.app_context():
        db.session.execute(
            update(SubmissionKey).values(created_at=utcnow() - timedelta(days=1, minutes=1))
        )
        db.session.commit()
    fresh = _key_from(coordinator_client.get("/organisations/new").get_data(as_text=True))
    coordinator_client.post("/organisations/new", data=_ngo("New NGO", fresh))
    with app.app_context():
        assert db.session.scalars(select(SubmissionKey.key)).all() == [fresh]


def test_a_form_resent_after_the_connection_dropped_is_stored_once(app, world, tmp_path):
    """The browser sends the form and the connection drops before the answer arrives (the
    server saved it); the browser sends it again: one record, and the answer leads to it."""
    with live_server(app, tmp_path) as server:
        browser = server.browser()
        browser.sign_in(world.users["coordinator"].email, PASSWORD)
        fields = browser.form_fields("/organisations/new")
        browser.send_and_hang_up(
            "/organisations/new", _ngo("Dropped NGO", fields["submission_key"]) | fields
        )
        deadline = time.monotonic() + 30
        while _count_named(app, "Dropped NGO") == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _count_named(app, "Dropped NGO") == 1, server.log_text()[-2000:]
        again = browser.post(
            "/organisations/new", _ngo("Dropped NGO", fields["submission_key"]) | fields
        )
        assert again.status in (302, 303), again.text[:500]
        with app.app_context():
            org_id = db.session.scalar(
                select(Organisation.id).where(Organisation.name == "Dropped NGO")
            )
        assert again.location == f"/organisations/{org_id}"
        assert "Dropped NGO" in browser.get(again.location).text
    assert _count_named(app, "Dropped NGO") == 1


def _answer_in_place(app, world, key: str, answer, name: str):  # noqa: ANN001, ANN201
    """Send the new-organisation form through the real request hooks, with a view that stores
    the record and answers in place (a page or a download) instead of redirecting."""
    from flask_login import login_user

    from partnership.accounts.models import User

    calls = []
    with app.test_request_context(
        "/organisations/new",
        method="POST",
        data=_ngo(name, key),
        headers={"Referer": "http://localhost/organisations/"},
    ):
        login_user(db.session.get(User, world.users["coordinator"].id))
        response = app.preprocess_request()
        if response is None:  # the view runs only when the hooks let it
            calls.append(name)
            db.session.add(
                Organisation(
                    kind="ngo", name=name, country="KE", city="Mombasa", timezone="Africa/Nairobi"
                )  # fmt: skip
            )
            db.session.commit()
            response = answer()
        response = app.process_response(app.make_response(response))
        flashes = [m for _, m in get_flashed_messages(with_categories=True)]
        db.session.remove()
    return response, calls, flashes


@pytest.mark.parametrize(
    "answer",
    [
        lambda: ("<p>Saved, shown in place</p>", 200),
        lambda: Response(
            b"%PDF-1.4",
            mimetype="application/pdf",
            headers={"Content-Disposition": "attachment; filename=x.pdf"},
        ),  # fmt: skip
    ],
    ids=["page", "download"],
)
def test_a_form_whose_first_answer_was_a_page_or_a_download_is_not_run_again(app, world, answer):
    """The first answer was shown in place (a page, or a file), not a redirect: a repeat of the
    same form (a retry, the page's script sending a download form again) is not processed a
    second time; it goes back to the page the form was on and says so."""
    key = secrets.token_urlsafe(18)
    first, calls, _ = _answer_in_place(app, world, key, answer, "Shown In Place NGO")
    assert first.status_code == 200 and calls == ["Shown In Place NGO"]
    again, calls, flashes = _answer_in_place(app, world, key, answer, "Shown In Place NGO")
    assert calls == []  # the view did not run again
    assert again.status_code == 303 and again.location == "/organisations/"
    assert "it was not processed again" in " ".join(flashes)
    assert _count_named(app, "Shown In Place NGO") == 1


def test_a_preview_that_stored_nothing_can_be_sent_again(app, coordinator_client):
    """The import preview runs the import and rolls it back, then shows a page: nothing was
    stored, so the same form sent again shows the preview again (not "already processed")."""
    import io

    key = _key_from(coordinator_client.get("/admin/imports").get_data(as_text=True))
    csv = b"reference,kind,name,command,country,region,city,timezone,target_visit_days\n"
    csv += b"NGO-9,ngo,Preview Outreach,,KE,Coast,Lamu,,\n"
    for _ in range(2):
        response = coordinator_client.post(
            "/admin/imports",
            data={
                "kind": "organisations",
                "file": (io.BytesIO(csv), "orgs.csv"),
                "submission_key": key,
            },  # fmt: skip
            content_type="multipart/form-data",
        )
        assert response.status_code == 200, response.status_code
        assert "Preview Outreach" in response.get_data(as_text=True)
    assert _count_named(app, "Preview Outreach") == 0
