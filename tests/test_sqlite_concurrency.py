"""Several server processes writing to one SQLite file neither lose updates nor fail with
"database is locked": write transactions take the write lock when they begin."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import select

from partnership.extensions import db
from partnership.organisations.models import Organisation

WORKERS = 4
INCREMENTS = 15


def _worker(url: str, organisation_id: int, instance: str, queue) -> None:  # noqa: ANN001
    import os

    os.environ["INSTANCE_PATH"] = instance
    from partnership import create_app
    from partnership.config import TestConfig

    app = create_app(
        type("WorkerConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x"})
    )
    errors = []
    for _ in range(INCREMENTS):
        # A POST request, as a form save would be: read, change, commit.
        with app.test_request_context("/", method="POST"):
            try:
                org = db.session.get(Organisation, organisation_id)
                org.target_visit_days = (org.target_visit_days or 0) + 1
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported to the parent test
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()
    queue.put(errors)


def test_concurrent_writers_lose_nothing(app, world, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite"):
        pytest.skip("SQLite locking behaviour")
    with app.app_context():
        org = db.session.get(Organisation, world.station_a.id)
        org.target_visit_days = 0
        db.session.commit()
        db.session.remove()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(url, world.station_a.id, str(tmp_path), queue))
        for _ in range(WORKERS)
    ]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
    assert results == [[]] * WORKERS, results
    with app.app_context():
        value = db.session.scalar(
            select(Organisation.target_visit_days).where(Organisation.id == world.station_a.id)
        )
    assert value == WORKERS * INCREMENTS


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings")
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
