"""Admin pages for accounts and the create-user command."""

from __future__ import annotations

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.extensions import db
from tests.conftest import login


def new_user(**overrides) -> dict:  # noqa: ANN003
    data = {"email": "new.trainer@test.example", "name": "New Trainer", "role": "trainer",
            "organisation_id": "", "timezone": "Africa/Nairobi",
            "password": "a-long-first-passphrase-1"}  # fmt: skip
    data.update(overrides)
    return data


def test_admin_creates_a_user_who_can_sign_in(app, world, admin_client):
    response = admin_client.post(
        "/admin/users/new", data=new_user(organisation_id=str(world.ngo.id))
    )
    assert response.status_code == 302
    assert (
        login(
            app.test_client(), "new.trainer@test.example", "a-long-first-passphrase-1"
        ).status_code
        == 302
    )


def test_officer_account_must_belong_to_a_police_unit(app, world, admin_client):
    response = admin_client.post(
        "/admin/users/new", data=new_user(role="officer", organisation_id=str(world.ngo.id))
    )
    assert response.status_code == 422
    assert b"belongs to a police station or command" in response.data
    with app.app_context():
        assert (
            db.session.scalar(select(User).where(User.email == "new.trainer@test.example")) is None
        )


def test_duplicate_email_and_weak_password_are_refused(app, world, admin_client):
    response = admin_client.post(
        "/admin/users/new",
        data=new_user(email="COORDINATOR@test.example", organisation_id=str(world.ngo.id)),
    )
    assert response.status_code == 422 and b"already exists" in response.data
    response = admin_client.post(
        "/admin/users/new", data=new_user(password="short", organisation_id=str(world.ngo.id))
    )
    assert response.status_code == 422 and b"at least 12 characters" in response.data


def test_role_change_signs_the_user_out(app, world, admin_client):
    viewer = app.test_client()
    login(viewer, "viewer@test.example")
    user = world.users["viewer"]
    response = admin_client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "email": user.email,
            "name": user.name,
            "role": "trainer",
            "organisation_id": str(world.ngo.id),
            "timezone": "Africa/Nairobi",
            "version": "1",
        },  # fmt: skip
    )
    assert response.status_code == 302
    assert viewer.get("/").status_code == 302


def test_admin_cannot_deactivate_themselves(app, world, admin_client):
    response = admin_client.post(f"/admin/users/{world.users['admin'].id}/deactivate")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, world.users["admin"].id).active is True


def test_create_user_command(app, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "cli@test.example",
            "--name",
            "CLI User",
            "--role",
            "coordinator",
            "--organisation",
            "Harbour Harm Reduction",
            "--password",
            "a-long-cli-passphrase-3",
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "Created cli@test.example" in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "--email",
            "cli2@test.example",
            "--name",
            "CLI",
            "--role",
            "viewer",
            "--organisation",
            "Harbour Harm Reduction",
            "--password",
            "short",
        ],  # fmt: skip
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output


def test_seed_demo_fills_an_empty_database_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert "Demo data created." in first.output
    second = runner.invoke(args=["seed-demo"])
    assert "nothing seeded" in second.output
    client = app.test_client()
    for email in ("admin", "coordinator", "trainer", "officer", "viewer"):
        response = login(client, f"{email}@demo.example", "partnership-demo")
        assert response.status_code == 302, email
        client.post("/logout")
    login(client, "officer@demo.example", "partnership-demo")
    html = client.get("/organisations").data.decode()
    assert "Kisauni Police Station" in html and "Nyali Police Station" not in html


def test_bench_report_command_runs_and_reports_ratios(app):
    result = app.test_cli_runner().invoke(args=["bench-report", "--rows", "300"])
    assert result.exit_code == 0, result.output
    assert "ratio report / raw constant: time" in result.output
    assert "ratio report / raw in-memory: time" in result.output
    assert "peak memory" in result.output
