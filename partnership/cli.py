"""Command-line tools: ``flask seed-demo``, ``flask create-user``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from partnership.audit import set_system_actor
from partnership.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user_command)
    app.cli.add_command(send_reminders_command)


@click.command("seed-demo")
@with_appcontext
def seed_demo() -> None:
    """Fill an empty database with a demo programme (does nothing if data exists)."""
    from partnership.demo import seed

    set_system_actor("seed-demo")
    created = seed()
    db.session.commit()
    click.echo("Demo data created." if created else "Database already has data; nothing seeded.")


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "coordinator", "trainer", "officer", "viewer"]),
)
@click.option("--organisation", "organisation", required=True, help="Organisation name or id.")
@click.option("--timezone", default="Africa/Nairobi", show_default=True)
@click.password_option(help="At least 12 characters; prompted for when not given.")
def create_user_command(
    email: str, name: str, role: str, organisation: str, timezone: str, password: str
) -> None:
    """Create an account."""
    from partnership.accounts.services import create_user
    from partnership.forms import FieldError
    from partnership.organisations.models import Organisation

    set_system_actor("create-user")
    stmt = select(Organisation)
    stmt = (
        stmt.where(Organisation.id == int(organisation))
        if organisation.isdigit()
        else stmt.where(func.lower(Organisation.name) == organisation.strip().lower())
    )
    orgs = db.session.scalars(stmt).all()
    if len(orgs) != 1:
        raise click.ClickException(
            f"No single organisation matches {organisation!r} ({len(orgs)} found)."
        )
    try:
        user = create_user(
            {
                "email": email,
                "name": name,
                "role": role,
                "organisation_id": orgs[0].id,
                "timezone": timezone,
                "password": password,
            }
        )
    except FieldError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from error
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role.value}) at {orgs[0].name}.")


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """Email each owner and reviewer a digest of action points due and overdue."""
    import smtplib
    from datetime import date

    from partnership.actions.reminders import send_reminders

    set_system_actor("send-reminders")
    try:
        sent = send_reminders(date.today())
    except (OSError, smtplib.SMTPException) as error:
        message = f"Could not send the reminders through the mail server: {error}"
        raise click.ClickException(message) from error
    click.echo(f"Sent {sent} reminder digest(s).")
