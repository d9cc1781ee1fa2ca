"""Which tables the SQL of a request reads and writes, recorded below the ORM on the connection,
and the commit hooks that replace the written tables' generations (before the commit and again
after it)."""

from __future__ import annotations

import contextvars
import re

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool
from sqlalchemy.sql import visitors
from sqlalchemy.sql.ddl import BaseDDLElement
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.expression import TableClause

from partnership.caching.generations import ANY_WRITE, EVERY_TABLE, tables_changed

# Marks, among the tables a figure read, a moment it changes at by itself (see valid_until).
UNTIL = "@until:"
# Columns whose updates change no figure: sign-in and notification bookkeeping.
QUIET_COLUMNS = {
    "users": frozenset({"last_login_at", "unread_notifications"}),
    # A session's activity time, recorded once a minute (see accounts.services.sessions).
    "user_sessions": frozenset({"last_seen_at"}),
}

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
    transaction = session.get_transaction()
    if transaction is None:
        return False
    if not getattr(transaction, "_connections", True):
        # Begun (merging the kept session row begins one) but no statement has run in it yet:
        # it has written nothing. Asking for its connection would check one out of the pool,
        # a round trip to the database server, only to see that.
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
    # (see figures.may_keep): after a session's commit, or when a connection of its own goes back
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
