"""The audit log records who changed what, masks secrets, and only admins browse it."""

from __future__ import annotations

from sqlalchemy import select

from partnership.audit import MASK, AuditEntry
from partnership.extensions import db


def entries(app, **where):  # noqa: ANN001, ANN003, ANN201
    with app.app_context():
        stmt = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEntry, key) == value)
        return list(db.session.scalars(stmt))


def test_create_update_delete_are_recorded(app, world):
    from partnership.audit import set_system_actor
    from partnership.organisations.models import Organisation, OrganisationKind

    with app.app_context():
        set_system_actor("unit-test")
        org = Organisation(kind=OrganisationKind.NGO, name="Audit NGO", country="KE", city="Lamu")
        db.session.add(org)
        db.session.commit()
        org.city = "Malindi"
        db.session.commit()
        org_id = org.id
        db.session.delete(org)
        db.session.commit()
    log = entries(app, entity_type="Organisation", entity_id=org_id)
    assert [e.action for e in log] == ["create", "update", "delete"]
    assert log[0].changes["name"] == [None, "Audit NGO"]
    assert log[1].changes == {"city": ["Lamu", "Malindi"]}
    assert log[1].actor == "unit-test"
    assert log[1].version == 2


def test_password_hash_is_masked(app, world, admin_client):
    user = world.users["viewer"]
    admin_client.post(
        f"/admin/users/{user.id}/password",
        data={"password": "a-brand-new-passphrase-9", "confirm": "a-brand-new-passphrase-9"},
    )
    log = entries(app, entity_type="User", entity_id=user.id, action="update")
    assert log, "the reset is audited"
    assert log[-1].changes["password_hash"] == [MASK, MASK]
    assert "argon2" not in str([e.changes for e in entries(app)])
    assert [e.action for e in entries(app, entity_type="User", entity_id=user.id)][
        -1
    ] == "password_reset"


def test_login_and_logout_are_recorded(app, world, login_as):
    client = login_as("coordinator")
    client.post("/logout")
    actions = [e.action for e in entries(app, entity_type="User")]
    assert "login" in actions and "logout" in actions


def test_admin_browses_and_filters_the_log(app, world, admin_client, coordinator_client):
    coordinator_client.post(
        f"/organisations/{world.station_a.id}/edit",
        data={
            "kind": "police_station",
            "name": "Alpha Renamed Station",
            "country": "KE",
            "city": "Mombasa",
            "command_id": str(world.command.id),
            "timezone": "Africa/Nairobi",
            "version": "1",
        },  # fmt: skip
    )
    html = admin_client.get("/admin/audit?entity=Organisation&action=update").data.decode()
    assert "Alpha Renamed Station" in html
    assert "coordinator@test.example" in html
    html = admin_client.get("/admin/audit?actor=nobody-matches").data.decode()
    assert "Alpha Renamed Station" not in html


def test_only_admins_see_the_audit_log(login_as, world):
    for role in ("coordinator", "trainer", "officer", "viewer"):
        assert login_as(role).get("/admin/audit").status_code == 403


def test_audit_and_account_exports(app, world, admin_client, coordinator_client):
    import csv
    import io

    coordinator_client.post(
        f"/organisations/{world.station_a.id}/edit",
        data={
            "kind": "police_station",
            "name": "Alpha Exported Station",
            "country": "KE",
            "city": "Mombasa",
            "command_id": str(world.command.id),
            "timezone": "Africa/Nairobi",
            "version": "1",
        },  # fmt: skip
    )
    rows = list(csv.reader(io.StringIO(
        admin_client.get("/admin/audit/export.csv?entity=Organisation&action=update").data.decode("utf-8-sig")
    )))  # fmt: skip
    assert rows[0][:3] == ["When (UTC)", "Who", "Action"]
    assert len(rows) == 2 and "Alpha Exported Station" in rows[1][6]
    users = list(csv.reader(io.StringIO(
        admin_client.get("/admin/users/export.csv?role=officer").data.decode("utf-8-sig")
    )))  # fmt: skip
    assert [r[0] for r in users[1:]] == ["officer@test.example"]
    assert "argon2" not in admin_client.get("/admin/users/export.csv").data.decode()
