"""When two saves pass the service's checks at the same moment, the database's constraint
refuses the second: the refusal is the form's error next to the field (both databases), and a
race nobody anticipated is the conflict page, not the error page."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from partnership.extensions import db
from partnership.referrals.models import Redemption, Slip
from partnership.referrals.services.slips import issuing as slip_issuing
from tests.referrals.conftest import add_slips
from tests.referrals.conftest import referrals as referrals  # noqa: F401 - the fixture


def _count(app, model) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_slip_number_taken_between_check_and_save(
    app, coordinator_client, world, referrals, monkeypatch
):  # noqa: E501
    add_slips(app, referrals.scheme_id, world.station_a.id, 1)
    # The check ran before the other save was committed: it saw no slip 00001.
    monkeypatch.setattr(slip_issuing, "_number_taken", lambda scheme, number: False)
    response = coordinator_client.post(
        "/referrals/slips/new",
        data={
            "scheme_id": referrals.scheme_id,
            "number": "00001",
            "station_id": world.station_a.id,
            "issued_on": date.today().isoformat(),
            "route": "arrest_diversion",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Slip 00001 was recorded in this scheme by someone else a moment ago" in page
    assert 'id="number-error"' in page
    assert _count(app, Slip) == 1


def test_slip_redeemed_between_check_and_save(
    app, coordinator_client, world, referrals, monkeypatch
):  # noqa: E501
    slip_id = add_slips(
        app, referrals.scheme_id, world.station_a.id, 1, issued_on=date.today() - timedelta(days=2)
    )[0]
    data = {
        "scheme_id": referrals.scheme_id,
        "slip_number": "00001",
        "redeemed_on": date.today().isoformat(),
        "service_point_id": referrals.point_id,
        "services": ["nsp"],
        "outcome": "reached",
    }
    assert coordinator_client.post("/referrals/redemptions/new", data=data).status_code == 302
    # The second request read the slip before the first redemption was committed.
    real_scalar = db.session.scalar

    def slip_without_redemption(stmt, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        result = real_scalar(stmt, *args, **kwargs)
        if isinstance(result, Slip) and result.id == slip_id:
            db.session.expunge(result.redemption)
            result.__dict__["redemption"] = None
        return result

    monkeypatch.setattr(db.session, "scalar", slip_without_redemption)
    response = coordinator_client.post("/referrals/redemptions/new", data=data)
    monkeypatch.undo()
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This slip was redeemed by someone else a moment ago" in page
    assert 'id="slip_number-error"' in page
    assert _count(app, Redemption) == 1


def test_unexpected_version_race_is_the_conflict_page(app, coordinator_client, world, monkeypatch):
    from partnership.organisations import services

    def lost_race(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise StaleDataError("UPDATE statement on table 'organisations' expected to update 1 row")

    monkeypatch.setattr(services, "set_organisation_active", lost_race)
    response = coordinator_client.post(
        f"/organisations/{world.station_a.id}/deactivate",
        headers={"Referer": f"http://localhost/organisations/{world.station_a.id}"},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this record at the same moment" in page
    assert f'href="/organisations/{world.station_a.id}"' in page
