"""Database engine set-up: SQLite tuned for several server processes, PostgreSQL as is.

SQLite runs in WAL mode with a busy timeout, and a transaction that will write takes the write
lock when it begins (BEGIN IMMEDIATE). Two writers then queue for the lock instead of both reading
first and one failing with "database is locked" when it tries to write. Requests that only read
(GET, HEAD) begin ordinary deferred transactions so readers never wait for each other.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_request_context, request
from sqlalchemy import Connection, Integer, Table, event, func, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from partnership.extensions import db

READ_ONLY_METHODS = {"GET", "HEAD", "OPTIONS"}
_force_immediate: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "force_immediate", default=False
)
_force_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "force_deferred", default=False
)


BUSY_TIMEOUT_MS = 15000


def sqlite_engine_options(busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> dict:
    return {
        # The driver's own transaction handling is turned off; BEGIN is emitted below.
        "connect_args": {"timeout": busy_timeout_ms / 1000, "isolation_level": None},
    }


def _wants_write_lock() -> bool:
    if _force_immediate.get():
        return True
    if _force_deferred.get():
        return False
    if has_request_context():
        return request.method not in READ_ONLY_METHODS
    return True  # CLI commands and jobs


def install_sqlite_pragmas(engine: Engine, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        # Names sort as readers expect (Ё with Е); see partnership/collation.py.
        from partnership.collation import register_sqlite_collation

        register_sqlite_collation(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _wants_write_lock() else "BEGIN")


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            install_sqlite_pragmas(engine)


@contextmanager
def write_transaction(wait_ms: int | None = None) -> Iterator[Connection]:
    """A short transaction of its own that takes the write lock at its start.

    It uses a connection of its own: never call it while the current request's transaction
    holds the write lock (SQLite would make it wait for itself). ``wait_ms`` bounds how long
    SQLite waits for another writer before "database is locked"."""
    token = _force_immediate.set(True)
    try:
        with db.engine.connect() as conn:
            sqlite_raw = None
            if wait_ms is not None and conn.dialect.name == "sqlite":
                # Set on the driver's connection before BEGIN IMMEDIATE is sent, and restored
                # before the connection goes back to the pool.
                sqlite_raw = conn.connection.dbapi_connection
                sqlite_raw.execute(f"PRAGMA busy_timeout={int(wait_ms)}")
            try:
                with conn.begin():
                    yield conn
            finally:
                if sqlite_raw is not None:
                    sqlite_raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    finally:
        _force_immediate.reset(token)


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside only read (long exports): they must not hold the write lock."""
    token = _force_deferred.set(True)
    try:
        yield
    finally:
        _force_deferred.reset(token)


def new_ids(table: Table, count: int) -> list[int]:
    """Primary keys for ``count`` rows about to be inserted in bulk into ``table`` (an integer
    ``id``), so that rows of other tables can point at them without a RETURNING per row.

    PostgreSQL: taken from the table's sequence in one statement. SQLite: the ones after the
    largest stored, which no one else can take first: a writing transaction on SQLite holds the
    database's write lock from its start (BEGIN IMMEDIATE, above)."""
    if count <= 0:
        return []
    if db.engine.dialect.name == "postgresql":
        return list(
            db.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": table.name, "count": count},
            )
        )
    top = db.session.scalar(select(func.max(table.c.id))) or 0
    return list(range(top + 1, top + count + 1))


def bulk_insert(table: Table, rows: list[dict]) -> None:
    """Insert many rows (all with the same keys) with one executemany: SQLite runs it in C,
    psycopg pipelines it (measured: three times quicker than SQLAlchemy's multi-row pages on
    PostgreSQL). Through the session, so caches keyed on changed data learn of the write."""
    if rows:
        db.session.execute(insert(table), rows)


class date_year(FunctionElement):  # noqa: N801 - used like a SQL function
    """The year of a ``Date`` column as an integer. SQLite keeps dates as ISO text, and reading
    its first four characters costs a third of ``strftime`` (the dashboard groups 100,000 slips
    by month)."""

    type = Integer()
    inherit_cache = True


class date_month(FunctionElement):  # noqa: N801 - used like a SQL function
    """The month (1-12) of a ``Date`` column as an integer; see ``date_year``."""

    type = Integer()
    inherit_cache = True


@compiles(date_year)
def _date_year(element, compiler, **kw) -> str:  # noqa: ANN001, ANN003
    return f"CAST(EXTRACT(year FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(date_month)
def _date_month(element, compiler, **kw) -> str:  # noqa: ANN001, ANN003
    return f"CAST(EXTRACT(month FROM {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(date_year, "sqlite")
def _date_year_sqlite(element, compiler, **kw) -> str:  # noqa: ANN001, ANN003
    return f"CAST(substr({compiler.process(element.clauses, **kw)}, 1, 4) AS INTEGER)"


@compiles(date_month, "sqlite")
def _date_month_sqlite(element, compiler, **kw) -> str:  # noqa: ANN001, ANN003
    return f"CAST(substr({compiler.process(element.clauses, **kw)}, 6, 2) AS INTEGER)"


class unindexed(FunctionElement):  # noqa: N801 - used like a SQL function
    """A column whose condition must not choose the index SQLite starts from (``+column``, its
    documented way): without statistics SQLite may drive a subquery from an index on a common
    value (every verified action point) rather than from the key it is correlated on.
    PostgreSQL plans from statistics and reads the column as it is."""

    inherit_cache = True

    def __init__(self, column) -> None:  # noqa: ANN001
        super().__init__(column)
        self.type = column.type


@compiles(unindexed)
def _unindexed(element, compiler, **kw) -> str:  # noqa: ANN001, ANN003
    return compiler.process(element.clauses, **kw)


@compiles(unindexed, "sqlite")
def _unindexed_sqlite(element, compiler, **kw) -> str:  # noqa: ANN001, ANN003
    return f"+{compiler.process(element.clauses, **kw)}"
