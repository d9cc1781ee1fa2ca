"""The slip form's issuing officer is chosen by name from suggestions (a JSON endpoint under the
slip form's access rule) instead of a select listing every officer of the programme."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from partnership.extensions import db
from partnership.referrals.models import Slip


def _issue(client, world, referrals, **fields):  # noqa: ANN001, ANN003, ANN202
    data = {"scheme_id": referrals.scheme_id, "number": "00077", "station_id": world.station_a.id,
            "issued_on": date.today().isoformat(), "route": "arrest_diversion"}  # fmt: skip
    data.update(fields)
    return client.post("/referrals/slips/new", data=data)


def test_suggestions_match_part_of_the_name_within_the_users_stations(
    app,
    world,
    referrals,
    make_person,
    officer_client,
    coordinator_client,  # noqa: ANN001
):
    make_person("officer", world.station_a, name="Amani Kombo", rank="Sergeant")
    make_person("officer", world.station_b, name="Amani Wekesa", rank="Constable")
    make_person("officer", world.station_c, name="Amani Chebet", rank="Inspector")
    make_person("ngo_staff", world.ngo, name="Amani Staff")
    everyone = coordinator_client.get("/referrals/officers.json?q=aman").get_json()
    assert [o["label"] for o in everyone] == [
        "Inspector Amani Chebet", "Sergeant Amani Kombo", "Constable Amani Wekesa"
    ]  # fmt: skip
    assert everyone[1]["station"] == "Alpha Police Station"
    # The officer's scope is their station (Alpha) only.
    own = officer_client.get("/referrals/officers.json?q=Amani").get_json()
    assert [o["label"] for o in own] == ["Sergeant Amani Kombo"]
    at_b = coordinator_client.get(f"/referrals/officers.json?q=amani&station={world.station_b.id}")
    assert [o["label"] for o in at_b.get_json()] == ["Constable Amani Wekesa"]
    # One letter, or a wildcard, suggests nothing.
    assert coordinator_client.get("/referrals/officers.json?q=a").get_json() == []
    assert coordinator_client.get("/referrals/officers.json?q=%25%25").get_json() == []


def test_viewers_and_trainers_get_no_suggestions(world, referrals, viewer_client, trainer_client):  # noqa: ANN001
    assert viewer_client.get("/referrals/officers.json?q=amani").status_code == 403
    assert trainer_client.get("/referrals/officers.json?q=amani").status_code == 403


def test_slip_form_has_no_select_of_every_officer(
    world, referrals, make_person, coordinator_client
):  # noqa: ANN001
    for n in range(30):
        make_person("officer", world.station_a, name=f"Listed Officer {n:02d}")
    html = coordinator_client.get("/referrals/slips/new").get_data(as_text=True)
    assert "Listed Officer" not in html
    assert 'data-officer-search="/referrals/officers.json"' in html
    assert 'name="officer_id" type="hidden"' in html


def test_a_typed_name_is_saved_when_it_names_one_officer(
    app, world, referrals, make_person, officer_client
):  # noqa: ANN001, E501
    officer = make_person("officer", world.station_a, name="Amani Kombo", rank="Sergeant")
    response = _issue(officer_client, world, referrals, officer_name="sergeant  amani kombo")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Slip.officer_id)) == officer.id


def test_a_typed_name_outside_the_users_stations_is_refused_next_to_the_field(
    app,
    world,
    referrals,
    make_person,
    officer_client,  # noqa: ANN001
):
    make_person("officer", world.station_b, name="Amani Wekesa")
    response = _issue(officer_client, world, referrals, officer_name="Amani Wekesa")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (
        'id="officer_name-error"' in html and "No officer of your stations has this name." in html
    )
    with app.app_context():
        assert db.session.scalar(select(Slip.id)) is None


def test_two_officers_of_the_same_name_must_be_chosen_from_the_suggestions(
    app,
    world,
    referrals,
    make_person,
    coordinator_client,  # noqa: ANN001
):
    make_person("officer", world.station_a, name="John Mwangi")
    make_person("officer", world.station_b, name="John Mwangi")
    response = _issue(coordinator_client, world, referrals, officer_name="John Mwangi")
    assert response.status_code == 422
    assert "Several officers have this name" in response.get_data(as_text=True)


def test_a_chosen_officer_of_another_station_is_refused_next_to_the_name(
    app,
    world,
    referrals,
    make_person,
    officer_client,  # noqa: ANN001
):
    other = make_person("officer", world.station_c, name="Amani Chebet")
    response = _issue(
        officer_client, world, referrals, officer_id=other.id, officer_name="Amani Chebet"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="officer_name-error"' in html
