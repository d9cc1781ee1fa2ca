"""Redeeming slips: the rules for slips, dates, client codes and walk-ins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partnership.audit import MASK, AuditEntry
from partnership.extensions import db
from partnership.referrals.codes import client_code_problem, normalise_client_code
from partnership.referrals.models import Redemption, Scheme, SchemeStatus
from tests.referrals.conftest import add_slips


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Redemption.id)))


def _redeem(client, referrals, **overrides):
    data = {
        "scheme_id": referrals.scheme_id,
        "slip_number": "00001",
        "redeemed_on": date.today().isoformat(),
        "service_point_id": referrals.point_id,
        "consent": "y",
        "client_code": "majo 1990 m",
        "services": ["nsp", "hiv_testing"],
        "outcome": "reached",
        "follow_up": "",
    }
    data.update(overrides)
    return client.post("/referrals/redemptions/new", data=data)


@pytest.fixture()
def slip(app, world, referrals):  # noqa: ANN001, ANN201
    return add_slips(
        app, referrals.scheme_id, world.station_a.id, 1, issued_on=date.today() - timedelta(days=3)
    )[0]


def test_coordinator_redeems_a_slip_with_a_normalised_code(
    app, coordinator_client, referrals, slip
):
    response = _redeem(coordinator_client, referrals)
    assert response.status_code == 302
    with app.app_context():
        r = db.session.scalar(select(Redemption))
        assert r.client_code == "MAJO1990M"
        assert r.slip_id == slip
        assert sorted(s.value for s in r.service_types) == ["hiv_testing", "nsp"]
    html = coordinator_client.get("/referrals/redemptions").get_data(as_text=True)
    assert "MAJO1990M" in html


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"slip_number": "00077"}, "No slip 00077 has been issued in this scheme"),
        (
            {"redeemed_on": (date.today() - timedelta(days=5)).isoformat()},
            "it cannot be redeemed before that",
        ),
        ({"client_code": "JOHN SMITH"}, "does not follow the scheme"),
        ({"client_code": "Johnathan Smithson"}, "never enter a name"),
        ({"client_code": "MAJO1800M"}, "year of birth in the client code is not plausible"),
        ({"client_code": ""}, "Enter the client"),
        ({"consent": "", "client_code": "MAJO1990M"}, "Without the client"),
        ({"services": []}, "Choose the services provided."),
        ({"slip_number": ""}, "or tick walk-in if there is none"),
    ],
)
def test_refused_redemptions_write_nothing(
    app, coordinator_client, referrals, slip, overrides, message
):
    response = _redeem(coordinator_client, referrals, **overrides)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert _count(app) == 0


def test_error_message_never_repeats_the_code(app, coordinator_client, referrals, slip):
    html = _redeem(coordinator_client, referrals, client_code="QQ").get_data(as_text=True)
    assert "does not follow" in html
    assert _count(app) == 0


def test_a_slip_is_redeemed_once(app, coordinator_client, referrals, slip):
    assert _redeem(coordinator_client, referrals).status_code == 302
    response = _redeem(coordinator_client, referrals, client_code="FAAL1985F")
    assert response.status_code == 422
    assert "This slip was already redeemed." in response.get_data(as_text=True)
    assert _count(app) == 1


def test_a_suspended_scheme_refuses_redemptions(app, coordinator_client, referrals, slip):
    with app.app_context():
        db.session.get(Scheme, referrals.scheme_id).status = SchemeStatus.SUSPENDED
        db.session.commit()
    response = _redeem(coordinator_client, referrals)
    assert response.status_code == 422
    assert "The scheme is suspended" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_walk_in_without_a_slip(app, coordinator_client, world, referrals):
    response = _redeem(
        coordinator_client, referrals, slip_number="", walk_in="y", station_id=world.station_b.id
    )
    assert response.status_code == 302
    with app.app_context():
        r = db.session.scalar(select(Redemption))
        assert r.walk_in and r.slip_id is None and r.station_id == world.station_b.id


def test_no_consent_means_no_code(app, coordinator_client, referrals, slip):
    response = _redeem(coordinator_client, referrals, consent="", client_code="")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Redemption.client_code)) == ""


def test_audit_log_masks_the_client_code_and_outcome(
    app, coordinator_client, admin_client, referrals, slip
):
    _redeem(coordinator_client, referrals, follow_up="Called back on Friday")
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Redemption"))
        assert entry.changes["client_code"] == [None, MASK]
        assert entry.changes["outcome"] == [None, MASK]
        assert entry.changes["follow_up"] == [None, MASK]
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "MAJO1990M" not in html
    assert "Called back on Friday" not in html


def test_client_code_rule():
    assert normalise_client_code(" ma-jo 1990 m ") == "MAJO1990M"
    assert client_code_problem("MAJO1990M", "mother2-own2-year-sex", date(2025, 1, 1)) is None
    assert client_code_problem("MAJO1990Q", "mother2-own2-year-sex", date(2025, 1, 1))
    assert client_code_problem("MAJO2020M", "mother2-own2-year-sex", date(2025, 1, 1))
    assert client_code_problem("MAJO9007M", "mother2-own2-yy-day-sex") is None
    assert client_code_problem("MAJO9032M", "mother2-own2-yy-day-sex")
