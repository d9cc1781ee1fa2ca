"""Background jobs (Huey): long exports run outside the web workers.

The queue lives in SQLite next to the database by default (``instance/jobs.sqlite3``), so a
single server needs nothing else; set ``REDIS_URL`` to use Redis in production. ``make run``
starts a consumer beside the web server; in production run ``huey_consumer partnership.worker.huey``
as its own service. Tests switch the queue to immediate mode (tasks run in-process).
"""

from __future__ import annotations

import os
from pathlib import Path

from huey import RedisHuey, SqliteHuey

_ROOT = Path(__file__).resolve().parent.parent


def _make_huey():  # noqa: ANN202
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("partnership", url=redis_url)
    instance = Path(os.environ.get("INSTANCE_PATH", str(_ROOT / "instance")))
    instance.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("partnership", filename=str(instance / "jobs.sqlite3"))


huey = _make_huey()

_app = None


def job_app():  # noqa: ANN201
    """The Flask app a task runs in: the current one (immediate mode, tests) or one made once
    per consumer process."""
    global _app
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from partnership import create_app

        _app = create_app()
    return _app
