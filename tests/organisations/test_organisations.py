"""Organisations and stations: list, search, filters, create, edit, conflicts, deactivate."""

from __future__ import annotations

from sqlalchemy import func, select

from partnership.audit import AuditEntry
from partnership.extensions import db
from partnership.organisations.models import Organisation


def station_form(**overrides) -> dict:  # noqa: ANN003
    data = {
        "kind": "police_station",
        "name": "Tudor Police Station",
        "command_id": "",
        "country": "KE",
        "region": "Mombasa County",
        "city": "Mombasa",
        "target_visit_days": "60",
        "timezone": "Africa/Nairobi",
    }
    data.update(overrides)
    return data


def count_orgs(app, name: str) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(
            select(func.count(Organisation.id)).where(Organisation.name == name)
        )


def test_list_shows_organisations_with_their_command(coordinator_client, world):
    html = coordinator_client.get("/organisations").data.decode()
    assert "Alpha Police Station" in html
    assert "Coast Command" in html
    assert "Harbour Harm Reduction" in html


def test_search_and_filters(coordinator_client, world, make_org):
    make_org("police_station", "Minsk Frunzensky Station", command=world.other_command,
             country="BY", city="Minsk")  # fmt: skip
    html = coordinator_client.get("/organisations?q=alpha").data.decode()
    assert "Alpha Police Station" in html and "Bravo Police Station" not in html
    html = coordinator_client.get("/organisations?country=BY").data.decode()
    assert "Minsk Frunzensky Station" in html and "Alpha Police Station" not in html
    html = coordinator_client.get("/organisations?kind=ngo").data.decode()
    assert "Harbour Harm Reduction" in html and "Alpha Police Station" not in html
    html = coordinator_client.get(f"/organisations?command={world.command.id}").data.decode()
    assert "Alpha Police Station" in html and "Charlie Police Station" not in html


def test_pagination(coordinator_client, world, make_org):
    for i in range(30):
        make_org("ngo", f"Paged NGO {i:02d}")
    first = coordinator_client.get("/organisations?kind=ngo").data.decode()
    second = coordinator_client.get("/organisations?kind=ngo&page=2").data.decode()
    assert "Page 1 of 2" in first
    assert "31 records" in first
    assert "Paged NGO 29" in second and "Paged NGO 00" not in second


def test_coordinator_creates_a_station(coordinator_client, world, app):
    response = coordinator_client.post(
        "/organisations/new", data=station_form(command_id=str(world.command.id))
    )
    assert response.status_code == 302
    with app.app_context():
        station = db.session.scalar(
            select(Organisation).where(Organisation.name == "Tudor Police Station")
        )
        assert station.command_id == world.command.id
        assert station.target_visit_days == 60
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.entity_type == "Organisation", AuditEntry.entity_id == station.id
            )  # fmt: skip
        )
        assert entry.action == "create"
        assert entry.actor == "coordinator@test.example"
        assert entry.changes["name"] == [None, "Tudor Police Station"]


def test_station_without_command_is_refused(coordinator_client, world, app):
    response = coordinator_client.post("/organisations/new", data=station_form())
    assert response.status_code == 422
    assert b"must belong to a command" in response.data
    assert count_orgs(app, "Tudor Police Station") == 0


def test_station_under_a_non_command_is_refused(coordinator_client, world, app):
    response = coordinator_client.post(
        "/organisations/new", data=station_form(command_id=str(world.station_b.id))
    )
    assert response.status_code == 422
    assert b'id="command_id-error"' in response.data
    assert count_orgs(app, "Tudor Police Station") == 0


def test_duplicate_name_in_the_same_city_is_refused(coordinator_client, world, app):
    response = coordinator_client.post(
        "/organisations/new",
        data=station_form(name="alpha police station", command_id=str(world.command.id)),
    )
    assert response.status_code == 422
    assert b"already exists in this city" in response.data
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count(Organisation.id)).where(
                    func.lower(Organisation.name) == "alpha police station"
                )
            )
            == 1
        )


def test_same_name_in_another_city_is_fine(coordinator_client, world, app):
    response = coordinator_client.post(
        "/organisations/new",
        data=station_form(
            name="Alpha Police Station", city="Malindi", command_id=str(world.command.id)
        ),  # fmt: skip
    )
    assert response.status_code == 302


def test_missing_fields_are_reported_next_to_them(coordinator_client, world, app):
    response = coordinator_client.post(
        "/organisations/new", data={"kind": "ngo", "name": "", "country": "", "city": ""}
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="name-error"' in html
    assert 'id="country-error"' in html
    assert 'id="city-error"' in html
    assert 'aria-invalid="true"' in html


def test_bad_email_and_interval_are_refused(coordinator_client, world, app):
    response = coordinator_client.post(
        "/organisations/new",
        data=station_form(
            email="not-an-email", target_visit_days="2", command_id=str(world.command.id)
        ),  # fmt: skip
    )
    assert response.status_code == 422
    html = response.data.decode()
    assert 'id="email-error"' in html
    assert 'id="target_visit_days-error"' in html
    assert count_orgs(app, "Tudor Police Station") == 0


def test_edit_records_old_and_new_values(coordinator_client, world, app):
    form = coordinator_client.get(f"/organisations/{world.station_a.id}/edit").data.decode()
    assert 'name="version" type="hidden" value="1"' in form
    response = coordinator_client.post(
        f"/organisations/{world.station_a.id}/edit",
        data=station_form(
            name="Alpha Central Police Station", command_id=str(world.command.id), version="1"
        ),  # fmt: skip
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.get(Organisation, world.station_a.id)
        assert org.name == "Alpha Central Police Station"
        assert org.version == 2
        entry = db.session.scalar(
            select(AuditEntry).where(
                AuditEntry.action == "update", AuditEntry.entity_id == org.id
            )  # fmt: skip
        )
        assert entry.changes["name"] == ["Alpha Police Station", "Alpha Central Police Station"]
        assert entry.version == 2


def test_two_edits_from_stale_forms_one_saved_one_refused(login_as, world, app):
    first, second = login_as("coordinator"), login_as("admin")
    url = f"/organisations/{world.station_a.id}/edit"
    # Both open the form at version 1.
    assert 'value="1"' in first.get(url).data.decode()
    assert 'value="1"' in second.get(url).data.decode()
    saved = first.post(url, data=station_form(name="Alpha North Station", version="1",
                                              command_id=str(world.command.id)))  # fmt: skip
    assert saved.status_code == 302
    refused = second.post(url, data=station_form(name="Alpha South Station", version="1",
                                                 command_id=str(world.command.id)))  # fmt: skip
    assert refused.status_code == 409
    html = refused.data.decode()
    assert "Someone else saved this record" in html
    assert "coordinator@test.example" in html
    assert "Alpha North Station" in html  # what changed meanwhile
    with app.app_context():
        assert db.session.get(Organisation, world.station_a.id).name == "Alpha North Station"


def test_deactivate_and_reactivate(coordinator_client, world, app):
    response = coordinator_client.post(f"/organisations/{world.station_b.id}/deactivate")
    assert response.status_code == 302
    assert "was deactivated" in coordinator_client.get(response.location).data.decode()
    assert "Bravo Police Station" not in coordinator_client.get("/organisations").data.decode()
    assert (
        "Bravo Police Station" in coordinator_client.get("/organisations?inactive=1").data.decode()
    )
    coordinator_client.post(f"/organisations/{world.station_b.id}/reactivate")
    with app.app_context():
        assert db.session.get(Organisation, world.station_b.id).active is True


def test_command_with_stations_cannot_become_an_ngo(coordinator_client, world, app):
    response = coordinator_client.post(
        f"/organisations/{world.command.id}/edit",
        data={
            "kind": "ngo",
            "name": "Coast Command",
            "country": "KE",
            "city": "Mombasa",
            "timezone": "Africa/Nairobi",
            "version": "1",
        },  # fmt: skip
    )
    assert response.status_code == 422
    assert b"still has stations" in response.data


def test_officer_sees_only_their_station(officer_client, world):
    html = officer_client.get("/organisations").data.decode()
    assert "Alpha Police Station" in html
    assert "Bravo Police Station" not in html
    assert "Charlie Police Station" not in html
    assert "Harbour Harm Reduction" not in html
    assert "New organisation" not in html


def test_viewer_and_trainer_read_but_do_not_edit(login_as, world):
    for role in ("viewer", "trainer"):
        client = login_as(role)
        html = client.get(f"/stations/{world.station_a.id}").data.decode()
        assert "Alpha Police Station" in html
        assert "/edit" not in html
        assert client.post("/organisations/new", data=station_form()).status_code == 403
