"""Issuing slips: the rules, what the form says, and that nothing is written when refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.referrals.models import Scheme, SchemeStatus, Slip
from tests.referrals.conftest import add_slips


def _slip_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Slip.id)))


def _issue(client, world, referrals, **overrides):
    data = {
        "scheme_id": referrals.scheme_id,
        "number": "00001",
        "station_id": world.station_a.id,
        "officer_id": "",
        "issued_on": date.today().isoformat(),
        "route": "arrest_diversion",
    }
    data.update(overrides)
    return client.post("/referrals/slips/new", data=data)


def test_officer_issues_a_slip_for_their_station(app, officer_client, world, referrals):
    response = _issue(officer_client, world, referrals)
    assert response.status_code == 302
    page = officer_client.get("/referrals/slips").get_data(as_text=True)
    assert "00001" in page
    assert "Alpha Police Station" in page
    with app.app_context():
        slip = db.session.scalar(select(Slip))
        assert slip.station_id == world.station_a.id
        assert slip.recorded_by_id == world.users["officer"].id


def test_officer_form_offers_only_their_own_station(officer_client, world, referrals):
    page = officer_client.get("/referrals/slips/new").get_data(as_text=True)
    assert "Alpha Police Station" in page
    assert "Bravo Police Station" not in page
    assert "Charlie Police Station" not in page


def test_officer_cannot_issue_for_another_station(app, officer_client, world, referrals):
    response = _issue(officer_client, world, referrals, station_id=world.station_b.id)
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert _slip_count(app) == 0


def test_coordinator_issues_on_an_officers_behalf_at_any_partner_station(
    app, coordinator_client, world, referrals, make_person
):
    officer = make_person("officer", world.station_c, name="Sgt Kamau")
    response = _issue(
        coordinator_client, world, referrals, station_id=world.station_c.id, officer_id=officer.id
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Slip.officer_id)) == officer.id


def test_duplicate_slip_number_is_refused(app, coordinator_client, world, referrals):
    add_slips(app, referrals.scheme_id, world.station_a.id, 1, start=1)
    response = _issue(coordinator_client, world, referrals, number="00001")
    assert response.status_code == 422
    assert "Slip 00001 was already issued in this scheme." in response.get_data(as_text=True)
    assert _slip_count(app) == 1


@pytest.mark.parametrize("station", ["station_a", "station_c"])
def test_officer_duplicate_slip_answer_does_not_say_where_the_number_exists(
    app, officer_client, world, referrals, station
):
    """The officer (station A) gets the same answer whether the number was issued at their own
    station or at station C, which they may not see."""
    add_slips(app, referrals.scheme_id, getattr(world, station).id, 1, start=1)
    response = _issue(officer_client, world, referrals, number="00001")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Slip 00001 cannot be recorded. Check the number on the slip" in html
    assert "already issued" not in html
    assert world.station_c.name not in html
    assert _slip_count(app) == 1


def test_malformed_slip_number_is_refused(app, coordinator_client, world, referrals):
    response = _issue(coordinator_client, world, referrals, number="12AB")
    assert response.status_code == 422
    assert "Slip numbers in this scheme look like #####" in response.get_data(as_text=True)
    assert _slip_count(app) == 0


def test_future_date_is_refused(app, coordinator_client, world, referrals):
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = _issue(coordinator_client, world, referrals, issued_on=tomorrow)
    assert response.status_code == 422
    assert "A slip cannot be issued in the future." in response.get_data(as_text=True)


def test_slip_of_a_suspended_scheme_is_refused(app, coordinator_client, world, referrals):
    with app.app_context():
        db.session.get(Scheme, referrals.scheme_id).status = SchemeStatus.SUSPENDED
        db.session.commit()
    from partnership.forms import FieldError
    from partnership.referrals.services import slips as slip_services

    with app.test_request_context():
        from partnership.accounts.models import User

        user = db.session.get(User, world.users["coordinator"].id)
        try:
            slip_services.issue_slip(
                {
                    "scheme_id": referrals.scheme_id,
                    "number": "00009",
                    "station_id": world.station_a.id,
                    "issued_on": date.today(),
                    "route": "custody",
                },
                user,
            )
        except FieldError as error:
            assert error.field == "scheme_id"
            assert "suspended" in error.message
        else:
            raise AssertionError("a slip was issued in a suspended scheme")
    # The form does not even offer a suspended scheme.
    page = coordinator_client.get("/referrals/slips/new").get_data(as_text=True)
    assert "Coast referral scheme" not in page
    assert _slip_count(app) == 0


def test_missing_fields_are_reported_next_to_each_field(app, officer_client, world, referrals):
    response = officer_client.post("/referrals/slips/new", data={})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert html.count('class="error"') >= 3
    assert _slip_count(app) == 0


def test_officer_slip_list_shows_only_their_station_and_no_redemption_state(
    app, officer_client, coordinator_client, world, redeemed
):
    html = officer_client.get("/referrals/slips").get_data(as_text=True)
    assert "00001" in html and "00002" in html
    assert "00050" not in html  # station C
    assert "Record a visit" not in html
    coordinator_html = coordinator_client.get("/referrals/slips").get_data(as_text=True)
    assert "00050" in coordinator_html
    assert "Record a visit" in coordinator_html
