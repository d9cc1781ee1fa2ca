"""Races between real concurrent requests (gunicorn, four workers) end in the form error or the
conflict page, never the error page, on SQLite and on PostgreSQL (``.ci/postgres-tests``).

SQLite serialises writers, so there the later requests find the first one's record through the
service's own checks; PostgreSQL runs them side by side and the database's constraints or the
version check settle the race."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partnership.actions.models import Concern
from partnership.extensions import db
from partnership.referrals.models import Redemption, Slip
from tests.conftest import PASSWORD
from tests.live import Answer, Browser, live_server
from tests.referrals.conftest import add_slips
from tests.referrals.conftest import referrals as referrals  # noqa: F401 - the fixture

CLIENTS = 8


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):  # noqa: ANN001, ANN201
    """One server for the module: each test brings its own rows and signs in afresh."""
    with live_server(app, tmp_path_factory.mktemp("live"), workers=4) as running:
        yield running


def _signed_in(server, email: str) -> list[Browser]:  # noqa: ANN001
    browsers = [server.browser() for _ in range(CLIENTS)]
    for browser in browsers:
        browser.sign_in(email, PASSWORD)
    return browsers


def _all_at_once(browsers: list[Browser], send) -> list[Answer]:  # noqa: ANN001
    """``send(browser)`` from every browser, released together."""
    start = threading.Barrier(len(browsers))

    def one(browser: Browser) -> Answer:
        start.wait()
        return send(browser)

    with ThreadPoolExecutor(len(browsers)) as pool:
        return list(pool.map(one, browsers))


def test_same_slip_number_issued_at_once(app, world, referrals, server):  # noqa: ANN001
    data = {
        "scheme_id": referrals.scheme_id,
        "number": "04242",
        "station_id": world.station_a.id,
        "officer_id": "",
        "issued_on": date.today().isoformat(),
        "route": "arrest_diversion",
    }
    browsers = _signed_in(server, world.users["coordinator"].email)
    forms = [b.form_fields("/referrals/slips/new") for b in browsers]
    answers = _all_at_once(
        browsers,
        lambda b: b.post("/referrals/slips/new", {**forms[browsers.index(b)], **data}),
    )
    log = server.log_text()
    statuses = sorted(a.status for a in answers)
    assert statuses == [302] + [422] * (CLIENTS - 1), (statuses, log[-3000:])
    for refused in (a for a in answers if a.status == 422):
        assert (
            "04242" in refused.text
            and "was recorded" in refused.text
            or ("already issued" in refused.text)
        )
    with app.app_context():
        assert db.session.scalar(select(func.count(Slip.id))) == 1


def test_same_slip_redeemed_at_once(app, world, referrals, server):  # noqa: ANN001
    add_slips(
        app, referrals.scheme_id, world.station_a.id, 1, issued_on=date.today() - timedelta(days=2)
    )
    data = {
        "scheme_id": referrals.scheme_id,
        "slip_number": "00001",
        "redeemed_on": date.today().isoformat(),
        "service_point_id": referrals.point_id,
        "consent": "y",
        "client_code": "majo 1990 m",
        "services": ["nsp"],
        "outcome": "reached",
        "follow_up": "",
    }
    browsers = _signed_in(server, world.users["coordinator"].email)
    forms = [b.form_fields("/referrals/redemptions/new") for b in browsers]
    answers = _all_at_once(
        browsers,
        lambda b: b.post("/referrals/redemptions/new", {**forms[browsers.index(b)], **data}),
    )
    log = server.log_text()
    statuses = sorted(a.status for a in answers)
    assert statuses == [302] + [422] * (CLIENTS - 1), (statuses, log[-3000:])
    for refused in (a for a in answers if a.status == 422):
        assert "redeemed" in refused.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Redemption.id))) == 1


def test_concurrent_status_changes(app, world, make_concern, server):  # noqa: ANN001
    concern = make_concern(world.station_a)
    path = f"/concerns/{concern.id}/status"
    browsers = _signed_in(server, world.users["coordinator"].email)
    forms = [b.form_fields(f"/concerns/{concern.id}") for b in browsers]
    answers = _all_at_once(
        browsers,
        lambda b: b.post(
            path,
            {
                "csrf_token": forms[browsers.index(b)]["csrf_token"],
                "status": "being_addressed",
                "reason": "",
            },
        ),
    )
    log = server.log_text()
    statuses = [a.status for a in answers]
    # The first change is saved (302 to the concern); a later one is refused as a transition
    # (302 with the reason shown) or, when it ran side by side, with the conflict page.
    assert set(statuses) <= {302, 409}, (statuses, log[-3000:])
    for conflict in (a for a in answers if a.status == 409):
        assert "Someone else changed this record at the same moment" in conflict.text
    with app.app_context():
        stored = db.session.get(Concern, concern.id)
        assert stored.status.value == "being_addressed"
        assert stored.version == 2


def test_the_same_form_sent_four_times_at_once_is_stored_once(app, world, server):  # noqa: ANN001
    """A impatient double (quadruple) click: the same rendered form, sent side by side."""
    from partnership.organisations.models import Organisation

    browser = server.browser()
    browser.sign_in(world.users["coordinator"].email, PASSWORD)
    fields = browser.form_fields("/organisations/new")
    data = {
        **fields,
        "kind": "ngo",
        "name": "Clicked NGO",
        "country": "KE",
        "city": "Mombasa",
        "timezone": "Africa/Nairobi",
    }
    answers = _all_at_once([browser] * 4, lambda b: b.post("/organisations/new", data))
    log = server.log_text()
    with app.app_context():
        ids = list(
            db.session.scalars(select(Organisation.id).where(Organisation.name == "Clicked NGO"))
        )
    assert len(ids) == 1
    assert sorted(a.status for a in answers) == [302, 303, 303, 303], (
        [a.status for a in answers],
        log[-3000:],
    )
    assert {a.location for a in answers} == {f"/organisations/{ids[0]}"}
