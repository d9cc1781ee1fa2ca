"""The README's production steps, run as written on a fresh database: SQLite always, and a new
PostgreSQL database next to the test one when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from partnership.config import normalise_database_url

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "harbour-first-start-2026"


def readme_production_commands() -> list[str]:
    """The flask commands of the README's production steps, in order: the numbered steps that
    start a programme, before the section's subsections on running it (backups, summaries...)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production deployment", 1)[1].split("\n## ", 1)[0]
    section = section.split("\n### ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, flags=re.S)
    lines = [line.strip() for block in blocks for line in block.splitlines()]
    return [line for line in lines if line.startswith(".venv/bin/flask")]


def _fresh_databases() -> list[str]:
    kinds = ["sqlite"]
    if (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgres"):
        kinds.append("postgresql")
    return kinds


@pytest.fixture(params=_fresh_databases())
def fresh_database(request, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"first_start_{uuid.uuid4().hex[:10]}"
    admin = create_engine(normalise_database_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(command: str, env: dict, stdin: str = "") -> subprocess.CompletedProcess:
    args = shlex.split(command)
    assert args[0] == ".venv/bin/flask"
    # The suite's own interpreter stands for .venv/bin/flask (the same virtual environment).
    return subprocess.run(  # noqa: S603 - the README's own commands
        [sys.executable, "-m", "flask", *args[1:]],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_readme_production_steps_start_a_programme_on_a_fresh_database(fresh_database, tmp_path):
    commands = readme_production_commands()
    assert [c.split()[3] for c in commands] == ["db", "init", "create-user"]
    env = {
        **os.environ,
        "DATABASE_URL": fresh_database,
        "SECRET_KEY": "a-long-random-production-secret",
        "HTTPS": "true",
        "TRUSTED_PROXIES": "1",
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    env.pop("FLASK_APP", None)
    for command in commands:
        result = _run(command, env, stdin=f"{PASSWORD}\n{PASSWORD}\n")
        assert result.returncode == 0, (command, result.stdout, result.stderr)

    engine = create_engine(normalise_database_url(fresh_database))
    with engine.connect() as conn:
        users = conn.execute(
            text(
                "SELECT u.email, u.role, o.name, o.kind, o.country FROM users u "
                "JOIN organisations o ON o.id = u.organisation_id ORDER BY u.id"
            )
        ).all()
        audited = conn.execute(
            text("SELECT entity_type, actor FROM audit_entries WHERE action = 'create'")
        ).all()
    engine.dispose()
    assert [tuple(u) for u in users] == [
        ("you@example.org", "admin", "Your NGO", "ngo", "KE"),
        ("coordinator@example.org", "coordinator", "Your NGO", "ngo", "KE"),
    ]
    assert ("Organisation", "init") in [tuple(a) for a in audited]

    # A second first start is refused and creates nothing.
    again = _run(commands[1].replace("you@example.org", "other@example.org"), env,
                 stdin=f"{PASSWORD}\n{PASSWORD}\n")  # fmt: skip
    assert again.returncode != 0
    assert "already has an administrator" in again.stderr + again.stdout
    engine = create_engine(normalise_database_url(fresh_database))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 2
        assert conn.execute(text("SELECT count(*) FROM organisations")).scalar() == 1
    engine.dispose()


def test_init_asks_for_what_is_missing_and_the_password_twice(app, db):
    from partnership.accounts.models import User
    from partnership.accounts.services import verify_password

    answers = "Bahari Outreach\nke\nfirst@bahari.example\nAmina Otieno\n"
    answers += f"{PASSWORD}\n{PASSWORD}\n"
    result = app.test_cli_runner().invoke(args=["init"], input=answers)
    assert result.exit_code == 0, result.output
    assert "Repeat for confirmation" in result.output
    assert PASSWORD not in result.output  # hidden as it is typed
    with app.app_context():
        user = db.session.query(User).one()
        assert (user.email, user.role.value, user.organisation.name, user.organisation.country) == (
            "first@bahari.example", "admin", "Bahari Outreach", "KE",
        )  # fmt: skip
        assert verify_password(user, PASSWORD)


def test_init_refuses_differing_passwords_and_weak_ones(app, db):
    from partnership.accounts.models import User

    runner = app.test_cli_runner()
    base = ["init", "--organisation", "Bahari", "--country", "KE", "--email", "a@b.example",
            "--name", "A"]  # fmt: skip
    differing = runner.invoke(args=base, input=f"{PASSWORD}\nsomething-else-entirely\n")
    assert differing.exit_code != 0
    weak = runner.invoke(args=[*base, "--password", "short"])
    assert weak.exit_code != 0
    assert "at least 12" in weak.output
    with app.app_context():
        assert db.session.query(User).count() == 0


def test_init_refuses_when_an_administrator_exists(app, db, world):
    result = app.test_cli_runner().invoke(
        args=["init", "--organisation", "Another NGO", "--country", "KE", "--email",
              "new@x.example", "--name", "New", "--password", PASSWORD]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "already has an administrator" in result.output
    from partnership.organisations.models import Organisation

    with app.app_context():
        assert db.session.query(Organisation).filter_by(name="Another NGO").count() == 0


def test_init_refuses_an_unknown_country(app):
    result = app.test_cli_runner().invoke(
        args=["init", "--organisation", "X", "--country", "XX", "--email", "x@x.example",
              "--name", "X", "--password", PASSWORD]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "country code" in result.output
