"""Figures that take many aggregate queries over all history (dashboards, measures, the station
story, knowledge gain) are computed once and kept until a write changes what they were computed
from.

Every table has a *generation*: a random token kept in the cache and replaced whenever a
committed transaction wrote to that table. A cached figure is stored with the generations of the
tables its computation read (recorded from the SQL it ran, subqueries and lazy loads included),
and is served only while each of them is unchanged. So a new slip recomputes the figures that
read ``slips`` and nothing else; a sign-in, which writes only ``user_sessions`` and
``users.last_login_at``, recomputes nothing. The figures stay exactly what a plain query gives.

Why it cannot serve a stale figure:
- Writes are noticed on the connection, below the ORM (flushes, bulk statements, association
  tables, writes on a connection of their own), and their tables' generations are replaced just
  before the commit and again after it.
- A figure is stored only when no generation it depends on changed after the request began (its
  reads may have started before such a write was committed), and never from a transaction that
  has itself written and not yet committed.
- SQL the recorder cannot read (text) ties the figure to every write; a write whose table it
  cannot tell replaces every figure.

The cache is Flask-Caching: files in ``instance/cache/`` by default (shared by every worker
process of one server), Redis when ``REDIS_URL`` is set (several servers; then
``CACHE_CLOCK_MARGIN_SECONDS`` allows for their clocks differing).

The package: ``generations`` (the tokens, and the worker's memo of them), ``recorder`` (which
tables the SQL reads and writes, the commit hooks), ``figures`` (``cached``, ``cached_html``,
``render_kept`` and the keys of who looks).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask import Flask, g

from partnership.caching.figures import (
    ALWAYS_READ,
    CSRF_SLOT,
    PER_LOAD_GLOBALS,
    REPLAYED_FLAGS,
    cached,
    cached_html,
    depends_on,
    may_keep,
    page_key,
    release,
    render_kept,
    valid_until,
    viewer_key,
)
from partnership.caching.generations import (
    ANY_WRITE,
    EVERY_TABLE,
    GENERATION_PREFIX,
    cache,
    data_changed,
    generations,
    tables_changed,
)
from partnership.caching.recorder import (
    QUIET_COLUMNS,
    UNTIL,
    _reading,
    session_has_uncommitted_writes,
)


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("CACHE_TYPE"):
        redis_url = os.environ.get("REDIS_URL")
        if redis_url:
            config["CACHE_TYPE"] = "RedisCache"
            config["CACHE_REDIS_URL"] = redis_url
            config.setdefault("CACHE_CLOCK_MARGIN_SECONDS", 2.0)
        else:
            config["CACHE_TYPE"] = "FileSystemCache"
            config.setdefault("CACHE_DIR", str(Path(app.instance_path) / "cache"))
            config.setdefault("CACHE_THRESHOLD", 2000)
    config.setdefault("CACHE_CLOCK_MARGIN_SECONDS", 0.0)
    config.setdefault("CACHE_DEFAULT_TIMEOUT", 24 * 3600)
    config.setdefault("CACHE_KEY_PREFIX", "partnership:")
    cache.init_app(app)
    release()  # once per process, at start rather than in its first request
    # First of all before-request functions: no query of the request has run yet.
    app.before_request_funcs.setdefault(None, []).insert(0, _note_request_start)


def _note_request_start() -> None:
    g._figures_since = time.time()


__all__ = [
    "ALWAYS_READ",
    "ANY_WRITE",
    "CSRF_SLOT",
    "EVERY_TABLE",
    "GENERATION_PREFIX",
    "PER_LOAD_GLOBALS",
    "QUIET_COLUMNS",
    "REPLAYED_FLAGS",
    "UNTIL",
    "_reading",
    "cache",
    "cached",
    "cached_html",
    "data_changed",
    "depends_on",
    "generations",
    "init_app",
    "may_keep",
    "page_key",
    "release",
    "render_kept",
    "session_has_uncommitted_writes",
    "tables_changed",
    "valid_until",
    "viewer_key",
]
