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
"""

from __future__ import annotations

import contextvars
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app, g, has_app_context, has_request_context
from flask_caching import Cache
from markupsafe import Markup, escape
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool
from sqlalchemy.sql import visitors
from sqlalchemy.sql.ddl import BaseDDLElement
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.expression import TableClause

cache = Cache()
T = TypeVar("T")

GENERATION_PREFIX = "gen:"
# Replaced by a write whose tables cannot be told: every figure depends on it.
EVERY_TABLE = "*"
# Replaced by every write: figures computed with SQL the recorder cannot read depend on it.
ANY_WRITE = "+"
# Read before any figure is computed (the officer's station scope, kept for the request), so
# every figure depends on it.
ALWAYS_READ = frozenset({"organisations"})
# Marks, among the tables a figure read, a moment it changes at by itself (see valid_until).
UNTIL = "@until:"
# Columns whose updates change no figure: sign-in and notification bookkeeping.
QUIET_COLUMNS = {"users": frozenset({"last_login_at", "unread_notifications"})}

_WRITE_VERBS = ("insert", "update", "delete", "replace", "merge", "truncate", "copy")
_DDL_VERBS = ("create", "alter", "drop")
_TABLE_AFTER_VERB = re.compile(
    r"^\s*(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into|truncate(?:\s+table)?)"
    r'\s+"?(\w+)"?',
    re.IGNORECASE,
)

# Tables read by the figures being computed in this thread (a stack: figures may nest).
_reading: contextvars.ContextVar[tuple[set[str], ...]] = contextvars.ContextVar(
    "figure_reads", default=()
)
# Tables of transactions just committed, for the second bump once the commit is done.
_committed: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "committed_writes", default=None
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
    # First of all before-request functions: no query of the request has run yet.
    app.before_request_funcs.setdefault(None, []).insert(0, _note_request_start)


def _note_request_start() -> None:
    g._figures_since = time.time()


# ---- generations ------------------------------------------------------------------------------


def _new_token(settled: bool = False) -> str:
    return f"{uuid.uuid4().hex}:{0.0 if settled else time.time():.6f}"


def _token_time(token: str) -> float:
    try:
        return float(token.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return float("inf")


def _request_memo() -> dict[str, str] | None:
    """The generations already read in this request (a page asks for several figures that
    depend on the same tables), or None outside a request."""
    if not has_request_context():
        return None
    if "_figure_generations" not in g:
        g._figure_generations = {}
    return g._figure_generations


def generations(tables: Iterable[str], fresh: bool = False) -> dict[str, str]:
    """The current generation of each table; a table without one gets a new one. Within a
    request each table's generation is read once (as if every figure of the page had been
    looked up at that moment) unless ``fresh``."""
    names = sorted(set(tables))
    memo = _request_memo()
    known = {} if memo is None or fresh else {n: memo[n] for n in names if n in memo}
    missing = [n for n in names if n not in known]
    values = cache.get_many(*(GENERATION_PREFIX + name for name in missing)) if missing else []
    current = dict(known)
    for name, value in zip(missing, values, strict=True):
        if value is None:
            # Not written since the cache began: a token as old as that. ``add`` leaves a token
            # a write has just set in place, and that is the one read back.
            cache.add(GENERATION_PREFIX + name, _new_token(settled=True), timeout=0)
            value = cache.get(GENERATION_PREFIX + name) or _new_token()
        current[name] = value
    if memo is not None:
        memo.update(current)
    return {name: current[name] for name in names}


def tables_changed(tables: Iterable[str]) -> None:
    """Replace the generation of ``tables``: the figures read from them are computed again."""
    names = set(tables)
    if not names:
        return
    names.add(ANY_WRITE)
    token = _new_token()
    cache.set_many({GENERATION_PREFIX + name: token for name in names}, timeout=0)
    memo = _request_memo()
    if memo is not None:
        memo.clear()  # this request wrote: what it reads next is read afresh


def data_changed() -> None:
    """Every figure is computed again on its next request."""
    tables_changed({EVERY_TABLE})


# ---- cached figures ---------------------------------------------------------------------------


def cached(name: str, compute: Callable[[], T], *key: object, timeout: int | None = None) -> T:
    """``compute()``, or its value from the cache while none of the tables it read has changed
    since (and on the same day). ``key`` must name everything else the value depends on: the
    viewer's scope (``viewer_key``), the filters. ``timeout``: seconds a value is kept at most
    (for values asked for once or twice, like one search's results: they leave the cache soon
    and do not crowd out the dashboards' figures); the cache's default otherwise."""
    from flask_babel import get_locale

    if session_has_uncommitted_writes():
        return compute()  # the figure must count this transaction's own writes, and not keep them
    full_key = f"figure:{name}:{date.today().isoformat()}:{get_locale()}:{key!r}"
    entry = cache.get(full_key)
    if entry is not None and len(entry) == 3:
        depends, value, until = entry
        if (until is None or time.time() < until) and generations(depends) == depends:
            for outer in _reading.get():  # a figure computed around this one depends on it too
                outer.update(depends)
                if until is not None:
                    outer.add(f"{UNTIL}{until}")
            return value
    reads: set[str] = set()
    stack = _reading.get()
    token = _reading.set((*stack, reads))
    try:
        value = compute()
    finally:
        _reading.reset(token)
    times = [name for name in reads if name.startswith(UNTIL)]
    until = min((float(name[len(UNTIL) :]) for name in times), default=None)
    depends_on = (reads - set(times)) | ALWAYS_READ | {EVERY_TABLE}
    for outer in stack:
        outer.update(depends_on)
        outer.update(times)
    current = generations(depends_on, fresh=True)
    if _may_store(current):
        cache.set(full_key, (current, value, until), timeout=timeout)
    return value


def valid_until(moment: datetime | None) -> None:
    """The figure being computed changes at ``moment`` even without a write (a meeting that
    starts is no longer the next one): it is kept until then at most."""
    if moment is None:
        return
    stamp = moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=UTC).timestamp()
    for reads in _reading.get():
        reads.add(f"{UNTIL}{stamp}")


def depends_on(*tables: str) -> None:
    """The figure being computed shows rows of ``tables`` read before it began (a record the
    page loaded to authorise the reader): a write to them computes it again."""
    for reads in _reading.get():
        reads.update(tables)


def _may_store(current: dict[str, str]) -> bool:
    """Whether a figure just computed may be kept: not outside a request (a job's transaction
    may be old), and none of its tables written since the request began (its reads may
    predate that write)."""
    if not has_request_context() or "_figures_since" not in g:
        return False
    since = g._figures_since - current_app.config["CACHE_CLOCK_MARGIN_SECONDS"]
    return all(_token_time(token) < since for token in current.values())


def cached_html(
    name: str, render: Callable[[], str], *key: object, timeout: int | None = None
) -> Markup:
    """A fragment of a page (``render()``: its HTML) kept exactly like a figure: until a write
    changes a table that rendering read. ``key`` must name everything else the HTML depends on
    (``page_key`` for who looks, the filters); a fragment never holds a CSRF token or anything
    else of one session."""

    def compute() -> tuple[str, tuple[str, ...]]:
        # Marks the rendering leaves on the request (``not_kept_offline``: the page shows
        # restricted details) are kept with the HTML and set again whenever it is served.
        outer = {flag: g.pop(flag, None) for flag in REPLAYED_FLAGS}
        try:
            html = str(render())
            marks = tuple(flag for flag in REPLAYED_FLAGS if g.get(flag))
        finally:
            for flag, value in outer.items():
                if value:
                    setattr(g, flag, value)
        return html, marks

    kept = cached(f"html:{name}", compute, *key, timeout=timeout)
    html, marks = (kept, ()) if isinstance(kept, str) else kept  # kept by an older release
    for flag in marks:
        setattr(g, flag, True)
    # Our own templates' output, escaped when it was rendered.
    return Markup(html)  # noqa: S704


# Request marks a template sets while it renders (partnership.offline.not_kept_offline: the
# service worker must not keep this page): a kept fragment carries them to every page it is
# served in, or a page served from the cache would lose them.
REPLAYED_FLAGS = ("not_kept_offline",)


# Template globals whose every call writes something of one session or one page load: a form's
# CSRF token, and its one-time submission key (partnership.submissions). In a fragment that
# ``render_kept`` keeps, each call writes a slot instead, filled by calling the global afresh
# on every page served. No value shown can write a slot (values are escaped, "<" with them).
PER_LOAD_GLOBALS = ("csrf_token", "submission_key_field")


def _slot(name: str) -> str:
    return f"<kept-{name}>"


CSRF_SLOT = _slot("csrf_token")


def render_kept(
    template: str,
    body: str,
    context: Callable[[], dict],
    *,
    keep_seconds: int | None = None,
    kept_key: tuple = (),
    **page: object,
) -> str:
    """``template`` around its content ``body`` rendered with ``context()``, the content kept
    like a figure for who looks (``page_key``, and ``kept_key`` when the content depends on
    more, such as the account itself) and the address asked for (path and query: the filters
    and the page); the layout (who is signed in, the sign-out form's CSRF token, messages) is
    rendered afresh. Forms in ``body`` may post: their CSRF tokens and submission keys are
    kept as slots (``PER_LOAD_GLOBALS``) and written afresh for every page served. ``page``:
    what ``template`` itself shows (its title). ``keep_seconds``: kept at most that long
    (``cached``'s ``timeout``)."""
    from flask import render_template, request
    from flask_login import current_user

    slots = {name: (lambda slot=_slot(name): Markup(slot)) for name in PER_LOAD_GLOBALS}  # noqa: S704
    html = str(
        cached_html(
            f"page:{body}",
            lambda: render_template(body, **{**context(), **slots}),
            page_key(current_user),
            request.full_path,
            *kept_key,
            timeout=keep_seconds,
        )
    )
    fill = current_app.jinja_env.globals
    for name in PER_LOAD_GLOBALS:
        parts = html.split(_slot(name))  # one call of the global for each slot
        html = parts[0] + "".join(str(escape(fill[name]())) + part for part in parts[1:])
    # Our own templates' output, escaped when it was rendered.
    return render_template(template, body=Markup(html), **page)  # noqa: S704


def page_key(user) -> tuple:  # noqa: ANN001
    """What a rendered fragment may depend on about who looks: ``viewer_key`` and the time zone
    times are shown in."""
    return (*viewer_key(user), getattr(user, "timezone", None))


def viewer_key(user) -> tuple:  # noqa: ANN001
    """What a figure may depend on about who looks: the role (small-count suppression, what
    each role may see) and the organisation (an officer's stations)."""
    return (str(user.role), user.organisation_id)


# ---- what the SQL reads and writes ------------------------------------------------------------


def _verb(text: str) -> str:
    words = text.lstrip().split(None, 1)
    return words[0].lower() if words else ""


def _written_table(statement, text: str) -> str | None:  # noqa: ANN001
    """The table a statement writes to (``EVERY_TABLE`` when it cannot be told), or None when
    it writes nothing. Updates of quiet columns only (sign-in bookkeeping) write nothing."""
    if isinstance(statement, BaseDDLElement):
        return EVERY_TABLE
    if statement is not None and not isinstance(statement, TextClause):
        if not getattr(statement, "is_dml", False):
            return None  # a select
        table = getattr(getattr(statement, "table", None), "name", None) or EVERY_TABLE
    else:
        verb = _verb(text)
        if verb in _DDL_VERBS:
            return EVERY_TABLE
        if verb not in _WRITE_VERBS:
            return None
        match = _TABLE_AFTER_VERB.match(text)
        table = match.group(1).lower() if match else EVERY_TABLE
    quiet = QUIET_COLUMNS.get(table)
    if quiet and _verb(text) == "update":
        assignments = re.split(r"\sWHERE\s", text.split(" SET ", 1)[-1], maxsplit=1)[0]
        assigned = set(re.findall(r'"?(\w+)"?\s*=', assignments))
        if assigned and assigned <= quiet:
            return None
    return table


def _read_tables(statement, text: str, compiled=None) -> frozenset[str]:  # noqa: ANN001
    if statement is None or isinstance(statement, TextClause):
        # SQL the recorder cannot read: the figure then depends on every write.
        return frozenset({ANY_WRITE} if _verb(text) in {"select", "with", "values"} else ())
    # Statements of one shape share their compiled form (SQLAlchemy's statement cache), and
    # read the same tables: the tree is walked once per shape, not for every execution.
    known = getattr(compiled, "_figure_tables", None)
    if known is not None:
        return known
    tables = frozenset(t.name for t in visitors.iterate(statement) if isinstance(t, TableClause))
    if compiled is not None:
        compiled._figure_tables = tables
    return tables


def session_has_uncommitted_writes() -> bool:
    from partnership.extensions import db

    session = db.session()  # this request's session
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        return True
    if session.get_transaction() is None:
        return False
    return bool(session.connection().info.get("figures_written"))


@event.listens_for(Engine, "before_cursor_execute")
def _note_statement(conn, cursor, text, parameters, context, executemany) -> None:  # noqa: ANN001, PLR0913
    compiled = getattr(context, "compiled", None)
    statement = getattr(compiled, "statement", None)
    written = _written_table(statement, text)
    if written is not None:
        conn.info.setdefault("figures_written", set()).add(written)
        return
    stack = _reading.get()
    if stack:
        tables = _read_tables(statement, text, compiled)
        for reads in stack:
            reads.update(tables)


def _cache_ready() -> bool:
    return has_app_context() and current_app.extensions.get("cache") is not None


@event.listens_for(Engine, "commit")
def _before_commit(conn) -> None:  # noqa: ANN001
    written = conn.info.pop("figures_written", None)
    if not written or not _cache_ready():
        return
    tables_changed(written)
    # Again once the commit is done, so that a figure read in between cannot keep the token
    # (see _may_store): after a session's commit, or when a connection of its own goes back
    # to the pool.
    committed = _committed.get()
    if committed is None:
        committed = set()
        _committed.set(committed)
    committed.update(written)
    conn.info["figures_committed"] = committed


@event.listens_for(Engine, "rollback")
def _on_rollback(conn) -> None:  # noqa: ANN001
    conn.info.pop("figures_written", None)


def _bump_committed(committed: set[str] | None) -> None:
    if committed and _cache_ready():
        tables_changed(committed)
    if committed:
        committed.clear()


@event.listens_for(Session, "after_commit")
def _after_session_commit(session: Session) -> None:
    _bump_committed(_committed.get())


@event.listens_for(Pool, "checkin")
def _after_connection_use(dbapi_connection, record) -> None:  # noqa: ANN001
    if record is not None:
        _bump_committed(record.info.pop("figures_committed", None))
