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
    app.cli.add_command(bench_report)


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
    click.echo(f"Created {user.email} ({user.role}) at {orgs[0].name}.")


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


@click.command("bench-report")
@click.option("--rows", default=200_000, show_default=True, help="Rows in the data sheet.")
@click.option("--memory/--no-memory", default=True, help="Also measure peak memory (slower).")
@with_appcontext
def bench_report(rows: int, memory: bool) -> None:
    """Measure the report writer: constant-memory streaming against an in-memory workbook.

    Prints the time of each (without tracing) and, with --memory, the peak Python memory of each
    in a second, traced pass, and their ratios, all from one run."""
    import tempfile
    import time
    import tracemalloc
    from datetime import date, timedelta

    import xlsxwriter

    from partnership.spreadsheets import ReportSheet, Table, write_report_workbook

    headers = ["Station", "Month", "Slips issued", "Slips redeemed", "Date", "Note"]

    def data():  # noqa: ANN202
        start = date(2025, 1, 1)
        for i in range(rows):
            yield [f"Station {i % 300}", f"2026-{1 + i % 12:02d}", i % 17, i % 5,
                   start + timedelta(days=i % 365), "=not a formula" if i % 1000 == 0 else "ok"]  # fmt: skip

    def streaming(path: str) -> None:
        write_report_workbook(path, "Benchmark", [], [], [], [ReportSheet(Table(headers, data()))])

    def in_memory(path: str) -> None:
        workbook = xlsxwriter.Workbook(path, {"strings_to_formulas": False})
        sheet = workbook.add_worksheet("Data")
        for r, values in enumerate(data(), start=1):
            sheet.write_row(r, 0, values)
        workbook.close()

    writers = (("constant-memory", streaming), ("in-memory", in_memory))
    seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, writer in writers:
            began = time.perf_counter()
            writer(f"{folder}/{name}.xlsx")
            seconds[name] = time.perf_counter() - began
            click.echo(f"{name:16} {rows:>9,} rows  {seconds[name]:7.2f} s")
        if memory:
            for name, writer in writers:
                tracemalloc.start()
                writer(f"{folder}/{name}-traced.xlsx")
                peaks[name] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
                tracemalloc.stop()
                click.echo(f"{name:16} peak Python memory {peaks[name]:8.1f} MiB")
    ratio = seconds["constant-memory"] / seconds["in-memory"]
    click.echo(f"ratio constant-memory / in-memory: time {ratio:.2f}")
    if memory:
        click.echo(f"ratio constant-memory / in-memory: peak memory "
                   f"{peaks['constant-memory'] / peaks['in-memory']:.3f}")  # fmt: skip
