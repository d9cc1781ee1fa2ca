"""Figures that take many aggregate queries over all history (dashboards, measures, the station
story, knowledge gain) are computed once and kept until the next write.

Every committed change to the programme's data replaces the *data generation*, a random token
kept in the same cache; cached figures are filed under the generation they were computed in, so
the first request after a write computes them afresh from the database and nothing stale is
ever shown: the figures stay live, exactly as a plain query would give them. Sign-ins and
session bookkeeping do not count as changes.

The cache is Flask-Caching: files in ``instance/cache/`` by default (shared by every worker
process of one server), Redis when ``REDIS_URL`` is set (several servers).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g, has_app_context
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

cache = Cache()
T = TypeVar("T")

GENERATION_KEY = "data-generation"
# Tables whose writes do not change any figure: sign-in bookkeeping, the job queue's rows.
QUIET_TABLES = frozenset({"user_sessions", "login_attempts", "report_jobs", "audit_entries"})


def init_app(app: Flask) -> None:
    config = app.config
    if not config.get("CACHE_TYPE"):
        redis_url = os.environ.get("REDIS_URL")
        if redis_url:
            config["CACHE_TYPE"] = "RedisCache"
            config["CACHE_REDIS_URL"] = redis_url
        else:
            config["CACHE_TYPE"] = "FileSystemCache"
            config.setdefault("CACHE_DIR", str(Path(app.instance_path) / "cache"))
            config.setdefault("CACHE_THRESHOLD", 2000)
    config.setdefault("CACHE_DEFAULT_TIMEOUT", 24 * 3600)
    config.setdefault("CACHE_KEY_PREFIX", "partnership:")
    cache.init_app(app)


def generation() -> str:
    """The current data generation (read once per request)."""
    if "_data_generation" in g:
        return g._data_generation
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = uuid.uuid4().hex
        cache.set(GENERATION_KEY, value, timeout=0)
    g._data_generation = value
    return value


def data_changed() -> None:
    """Start a new generation: every cached figure is computed again on its next request."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=0)
    g.pop("_data_generation", None)


def cached(name: str, compute: Callable[[], T], *key: object) -> T:
    """``compute()``, or its value from this data generation and day for the same ``key``
    (which must name everything the value depends on: the viewer's scope, the filters)."""
    from flask_babel import get_locale

    full_key = f"{name}:{generation()}:{date.today().isoformat()}:{get_locale()}:{key!r}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value)
    return value


def viewer_key(user) -> tuple:  # noqa: ANN001
    """What a figure may depend on about who looks: the role (small-count suppression, what
    each role may see) and the organisation (an officer's stations)."""
    return (str(user.role), user.organisation_id)


# ---- invalidation: a commit that changed programme data starts a new generation --------------


def _changed_tables(session: Session) -> set[str]:
    return {
        getattr(obj, "__tablename__", "")
        for obj in (*session.new, *session.dirty, *session.deleted)
    }


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, flush_context) -> None:  # noqa: ANN001
    if _changed_tables(session) - QUIET_TABLES:
        session.info["data_changed"] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state) -> None:  # noqa: ANN001
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", "") not in QUIET_TABLES:
            state.session.info["data_changed"] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    changed = session.info.pop("data_changed", False)
    if changed and has_app_context() and current_app.extensions.get("cache") is not None:
        data_changed()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop("data_changed", None)
