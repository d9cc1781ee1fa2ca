"""Bench-only instrumentation: SQL statements per request, reported in response headers.

Enabled by the ``BENCH_COUNT_SQL`` setting, which only ``make bench`` sets: production never
counts. With the ``X-Bench-Explain`` request header, the slowest statement of the request (its
main query) is explained on the same connection and the plan written to the bench folder, so the
bench can show whether each page's main query uses an index.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from flask import Flask, g, has_request_context, request
from sqlalchemy import event

from partnership.bench.plans import summarise
from partnership.extensions import db

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def install(app: Flask) -> None:
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _started(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        if has_request_context() and not g.get("_bench_explaining"):
            conn.info.setdefault("_bench_started", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def _finished(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001, ANN202
        if not has_request_context() or g.get("_bench_explaining"):
            return
        started = conn.info.get("_bench_started") or [time.perf_counter()]
        elapsed = time.perf_counter() - started.pop()
        g._bench_sql_count = g.get("_bench_sql_count", 0) + 1
        g._bench_sql_seconds = g.get("_bench_sql_seconds", 0.0) + elapsed
        slowest = g.get("_bench_slowest")
        if statement.lstrip().upper().startswith("SELECT") and (
            slowest is None or elapsed > slowest[0]
        ):
            g._bench_slowest = (elapsed, statement, parameters)

    @app.after_request
    def _report(response):  # noqa: ANN001, ANN202
        response.headers["X-SQL-Statements"] = str(g.get("_bench_sql_count", 0))
        response.headers["X-SQL-Milliseconds"] = f"{g.get('_bench_sql_seconds', 0.0) * 1000:.1f}"
        token = request.headers.get("X-Bench-Explain", "")
        slowest = g.get("_bench_slowest")
        if token and _TOKEN.match(token) and slowest is not None:
            _explain(app, token, slowest)
        return response


def _explain(app: Flask, token: str, slowest: tuple) -> None:
    elapsed, statement, parameters = slowest
    dialect = db.engine.dialect.name
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    g._bench_explaining = True
    summary: dict = {}
    try:
        connection = db.session.connection()
        rows = connection.exec_driver_sql(prefix + statement, parameters).all()
        plan = "\n".join(" | ".join(str(v) for v in row) for row in rows)
        summary = summarise(plan, dialect, lambda table: _rows(connection, dialect, table))
    except Exception as error:  # noqa: BLE001 - a plan we cannot get is reported, not fatal
        plan = f"(no plan: {error})"
    finally:
        g._bench_explaining = False
    folder = Path(app.instance_path) / "bench-explain"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{token}.txt").write_text(
        f"-- {elapsed * 1000:.1f} ms\n{statement}\n-- plan\n{plan}\n", encoding="utf-8"
    )
    summary["main_query_ms"] = round(elapsed * 1000, 1)
    (folder / f"{token}.json").write_text(json.dumps(summary), encoding="utf-8")


def _rows(connection, dialect: str, table: str) -> int | None:  # noqa: ANN001
    """A table's rows (PostgreSQL: the planner's estimate), or None when it is no table (a
    subquery or common table expression the plan names)."""
    if dialect == "sqlite":
        known = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).first()
        if not known:
            return None
        return connection.exec_driver_sql(f'SELECT count(*) FROM "{table}"').scalar()  # noqa: S608 - a name from sqlite_master
    estimate = connection.exec_driver_sql(
        "SELECT reltuples FROM pg_class WHERE relname = %(t)s AND relkind = 'r'", {"t": table}
    ).scalar()
    return None if estimate is None else max(int(estimate), 0)
