"""A full disk and read-only storage: the user learns that nothing was saved, the
administrator's log names the cause, sign-in answers 503 with a message, and the server refuses
to start with one clear line."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, func, select

from partnership import create_app
from partnership.config import TestConfig
from partnership.extensions import db
from partnership.organisations.models import Organisation
from tests.conftest import login

NOTES = "A long note. " * 300


@contextmanager
def disk_full(app) -> Iterator[None]:  # noqa: ANN001
    """The SQLite database cannot grow by a single page: what a full disk looks like to it."""
    with app.app_context():
        engine = db.engine

    def limit(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    # Rows deleted by earlier tests leave free pages inside the file, which SQLite reuses
    # without growing it: compact the file first so that "full" means full whatever ran before.
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("VACUUM")
    finally:
        raw.close()
    engine.dispose()
    event.listen(engine, "connect", limit)
    try:
        yield
    finally:
        event.remove(engine, "connect", limit)
        engine.dispose()


def _sqlite_only(app) -> None:  # noqa: ANN001
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("fills a SQLite database; the same handler serves PostgreSQL's disk-full error")


def _org_count(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(Organisation.id)))


def _new_ngo(name: str) -> dict:
    return {
        "kind": "ngo",
        "name": name,
        "country": "KE",
        "city": "Mombasa",
        "timezone": "Africa/Nairobi",
        "notes": NOTES,
    }


def test_disk_full_save_says_nothing_was_saved_and_logs_why(app, coordinator_client, caplog):
    _sqlite_only(app)
    before = _org_count(app)
    with disk_full(app), caplog.at_level(logging.ERROR):
        for n in range(40):  # until the pages the database had are used up
            response = coordinator_client.post("/organisations/new", data=_new_ngo(f"NGO {n}"))
            if response.status_code != 302:
                break
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "The server cannot save right now" in page
    assert "nothing was saved" in page
    assert f"NGO {n}" not in _names(app)
    assert _org_count(app) == before + n
    assert "the disk holding the database is full" in caplog.text


def _names(app) -> list[str]:  # noqa: ANN001
    with app.app_context():
        return list(db.session.scalars(select(Organisation.name)))


def test_sign_in_while_the_disk_is_full_answers_503_with_a_message(app, world, client, caplog):
    _sqlite_only(app)
    with disk_full(app), caplog.at_level(logging.ERROR):
        # Fill what is left with sign-ins (each stores a session) until one cannot be stored.
        for _ in range(200):
            response = login(app.test_client(), world.users["coordinator"].email)
            if response.status_code != 302:
                break
    assert response.status_code == 503
    assert "Signing in is not possible right now" in response.get_data(as_text=True)
    assert "sign-in refused, cannot save the session" in caplog.text
    assert "database is full" in caplog.text or "disk holding the database is full" in caplog.text


def test_no_space_for_a_file_is_named_in_the_log(app, coordinator_client, monkeypatch, caplog):
    from partnership.organisations import services

    def no_space(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError(errno.ENOSPC, "No space left on device", "/srv/instance/materials/x.pdf")

    monkeypatch.setattr(services, "create_organisation", no_space)
    with caplog.at_level(logging.ERROR):
        response = coordinator_client.post("/organisations/new", data=_new_ngo("Full NGO"))
    assert response.status_code == 503
    assert "nothing was saved" in response.get_data(as_text=True)
    assert "the disk is full (/srv/instance/materials/x.pdf)" in caplog.text
    assert "Full NGO" not in _names(app)


def test_read_only_database_refuses_to_start_with_one_line(app, tmp_path):
    _sqlite_only(app)
    source = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with pytest.raises(SystemExit) as stopped:
        create_app(
            type(
                "ReadOnly",
                (TestConfig,),
                {"SQLALCHEMY_DATABASE_URI": f"sqlite:///file:{source}?mode=ro&uri=true"},
            )
        )
    message = str(stopped.value)
    assert "\n" not in message
    assert message.startswith("The partnership manager cannot start: the database")
    assert "read-only" in message


def test_unwritable_instance_folder_refuses_to_start_with_one_line(app, tmp_path, monkeypatch):
    import tempfile

    def read_only(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(SystemExit) as stopped:
        create_app(TestConfig)
    assert str(stopped.value) == (
        f"The partnership manager cannot start: the instance folder {tmp_path} cannot be "
        "written: the storage is read-only."
    )
