"""Command-line tools: ``flask init``, ``flask seed-demo``, ``flask create-user``,
``flask backup``, ``flask restore``, ``flask rebuild-summaries``, ..."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import Connection, func, select

from partnership.audit import set_system_actor
from partnership.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user_command)
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(bench_report)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(rebuild_summaries_command)


def _country(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from babel import Locale

    code = (value or "").strip().upper()
    if code not in Locale.parse("en").territories or len(code) != 2 or not code.isalpha():
        raise click.BadParameter(f"{value!r} is not a two-letter country code (e.g. KE, GE).")
    return code


def _timezone(ctx: click.Context, param: click.Parameter, value: str) -> str:
    from zoneinfo import available_timezones

    if value != "UTC" and value not in available_timezones():
        raise click.BadParameter(f"{value!r} is not a time zone (e.g. Africa/Nairobi).")
    return value


@click.command("init")
@with_appcontext
@click.option("--organisation", prompt="Your organisation's name", help="e.g. your NGO.")
@click.option(
    "--kind",
    default="ngo",
    show_default=True,
    type=click.Choice(["ngo", "government", "training_centre", "service", "community_group"]),
    help="What kind of organisation it is.",
)
@click.option("--country", prompt="Country (two-letter code)", default="KE", callback=_country)
@click.option("--city", default="")
@click.option("--timezone", default="Africa/Nairobi", callback=_timezone, show_default=True)
@click.option("--email", prompt="Administrator's email")
@click.option("--name", prompt="Administrator's name")
@click.password_option(help="At least 12 characters; asked for twice, hidden, when not given.")
def init_command(
    organisation: str, kind: str, country: str, city: str, timezone: str, email: str,
    name: str, password: str,
) -> None:  # fmt: skip
    """First start: create your organisation and the first administrator.

    Run once on a new, migrated database; refused when an administrator already exists. Asks
    for what is not given as an option."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from partnership.accounts.services import create_first_administrator, has_administrator
    from partnership.forms import FieldError

    set_system_actor("init")
    try:
        already = has_administrator()
    except (OperationalError, ProgrammingError) as error:
        db.session.rollback()
        raise click.ClickException(
            "The database has no tables yet: run `flask --app wsgi db upgrade` first."
        ) from error
    if already:
        raise click.ClickException(
            "This database already has an administrator; nothing was created. "
            "Sign in as an administrator to add organisations and accounts."
        )
    try:
        user = create_first_administrator(
            {"kind": kind, "name": organisation, "country": country, "city": city,
             "timezone": timezone},
            {"email": email, "name": name, "timezone": timezone, "password": password},
        )  # fmt: skip
    except FieldError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.field}: {error.message}") from error
    db.session.commit()
    click.echo(
        f"Created {organisation} and its administrator {user.email}. Sign in at /login to add "
        "stations, people and accounts (or import them from spreadsheets)."
    )


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


@click.command("backup")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the archive (default: instance/backups/).",
)
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Back up the database, module materials and secret key into one checked archive.

    Safe while the server runs and users write."""
    from flask import current_app

    from partnership.backups import BackupError, create_backup

    folder = output or Path(current_app.instance_path) / "backups"
    try:
        result = create_backup(folder)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(
        f"Backed up the {result.database} database and {result.files - 1} file(s) to {result.path}"
    )
    click.echo(f"SHA-256 {result.sha256} (also in {result.path.name}.sha256)")


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(archive: Path, yes: bool) -> None:
    """Replace the database, module materials and secret key with a backup's.

    The archive is checked first; a damaged one is refused and nothing is changed. Stop the web
    server and the queue consumer before restoring."""
    from partnership.backups import BackupError, restore_backup

    if not yes:
        click.confirm("This replaces ALL current data with the backup's. Continue?", abort=True)
    try:
        manifest = restore_backup(archive)
    except BackupError as error:
        raise click.ClickException(f"Nothing was restored. {error}") from error
    click.echo(
        f"Restored the backup of {manifest['created_at']} ({len(manifest['files'])} file(s))."
    )
    click.echo(
        "Run `flask db upgrade` if this release is newer than the backup, then start the server."
    )


def _summaries() -> dict[str, tuple[str, list[str], Callable[[Connection], int]]]:
    """Every summary kept in step with the records, by the name ``--only`` takes: what it is
    called, its tables, and the function that counts it again from the records into its
    emptied tables."""
    from meetings import reach
    from meetings.models import OfficerReach
    from partnership.actions import summary as point_summary
    from partnership.actions.models import ActionPointCount, ActionPointDays
    from partnership.referrals import summary as slip_summary
    from partnership.search import index
    from partnership.search.models import SearchEntry

    return {
        "action-points": ("Action points summary (counts and days to verification)",
                          [ActionPointCount.__tablename__, ActionPointDays.__tablename__],
                          point_summary.rebuild),
        "slips": ("Slips and visits summary", list(slip_summary.TABLES), slip_summary.rebuild),
        "reach": ("Officers reached", [OfficerReach.__tablename__], reach.rebuild),
        "search": ("Search index", [SearchEntry.__tablename__], index.rebuild),
    }  # fmt: skip


@click.command("rebuild-summaries")
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(["action-points", "slips", "reach", "search"]),
    help="Rebuild only this summary (may be given more than once); default: every one.",
)
@with_appcontext
def rebuild_summaries_command(only: tuple[str, ...]) -> None:
    """Count every summary table again from the records, in one transaction.

    For after the database was edited by hand (a row deleted or changed in SQL, past the
    application): the summaries the measures and dashboards read are then out of step with
    the records until rebuilt. Nothing is changed if any summary fails. While it runs, writes
    wait for it (PostgreSQL: the summaries are locked until it commits; pages still read
    them) or are refused as busy (SQLite): at programme scale it takes minutes (the slips and
    the search index), so run it when nobody is writing."""
    summaries = [summary for name, summary in _summaries().items() if not only or name in only]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        # Writes already counted commit first and are recounted; later ones wait and add
        # their change to the recount, so none is lost or counted twice.
        tables = sorted({table for _name, tables, _rebuild in summaries for table in tables})
        connection.exec_driver_sql(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
    try:
        rebuilt = [(name, rebuild(connection)) for name, _tables, rebuild in summaries]
    except Exception:
        db.session.rollback()
        raise
    db.session.commit()
    for name, rows in rebuilt:
        click.echo(f"{name}: {rows} rows.")
    click.echo(f"Rebuilt {len(rebuilt)} summaries from the records in one transaction.")


@click.command("bench-report")
@click.option("--rows", default=200_000, show_default=True, help="Rows in the data sheet.")
@click.option("--memory/--no-memory", default=True, help="Also measure peak memory (slower).")
@with_appcontext
def bench_report(rows: int, memory: bool) -> None:
    """Measure the report writer against raw xlsxwriter writing the same rows in constant-memory
    mode (the issue's reference: the report within 1.2x its time), and an in-memory workbook.

    Prints the time and CPU time of each (without tracing; the faster of two alternating rounds:
    CPU time is what a loaded machine does not inflate) and, with --memory, the peak Python memory of each
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

    def report(path: str) -> None:
        write_report_workbook(path, "Benchmark", [], [], [], [ReportSheet(Table(headers, data()))])

    def raw(path: str, constant_memory: bool) -> None:
        workbook = xlsxwriter.Workbook(
            path, {"strings_to_formulas": False, "constant_memory": constant_memory}
        )
        sheet = workbook.add_worksheet("Data")
        sheet.write_row(0, 0, headers)
        for r, values in enumerate(data(), start=1):
            sheet.write_row(r, 0, values)
        workbook.close()

    writers = (
        ("report", report),
        ("raw constant", lambda path: raw(path, True)),
        ("raw in-memory", lambda path: raw(path, False)),
    )
    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    peaks: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        # Two alternating rounds, the faster of each kept: a busy machine slows one pass or another.
        for _round in range(2):
            for name, writer in writers:
                began, cpu = time.perf_counter(), time.process_time()
                writer(f"{folder}/{name}.xlsx")
                took, took_cpu = time.perf_counter() - began, time.process_time() - cpu
                seconds[name] = min(seconds.get(name, took), took)
                cpu_seconds[name] = min(cpu_seconds.get(name, took_cpu), took_cpu)
        for name, _writer in writers:
            click.echo(
                f"{name:16} {rows:>9,} rows  {seconds[name]:7.2f} s  CPU {cpu_seconds[name]:7.2f} s"
            )
        if memory:
            for name, writer in writers:
                tracemalloc.start()
                writer(f"{folder}/{name}-traced.xlsx")
                peaks[name] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
                tracemalloc.stop()
                click.echo(f"{name:16} peak Python memory {peaks[name]:8.1f} MiB")
    for other in ("raw constant", "raw in-memory"):
        click.echo(
            f"ratio report / {other}: time {seconds['report'] / seconds[other]:.2f}, "
            f"CPU {cpu_seconds['report'] / cpu_seconds[other]:.2f}"
        )
    if memory:
        click.echo(f"ratio report / raw in-memory: peak memory "
                   f"{peaks['report'] / peaks['raw in-memory']:.3f}")  # fmt: skip
