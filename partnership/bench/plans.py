"""Read a query plan (PostgreSQL's ``EXPLAIN`` text or SQLite's ``EXPLAIN QUERY PLAN`` rows) for
what the bench reports of each page's main query: the indexes it uses and the tables it reads
from end to end without one, with their sizes, so a sequential scan of a large table shows."""

from __future__ import annotations

import re

# A table of at least this many rows read from end to end is reported as a large scan.
LARGE_TABLE_ROWS = 10_000

_PG_SEQ = re.compile(r"\bSeq Scan on (\w+)")
_PG_INDEX = re.compile(
    r"\b(?:Index Scan|Index Only Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)"
)
_SQLITE_SCAN = re.compile(r"\bSCAN (\w+)")
_SQLITE_INDEX = re.compile(r"\bUSING (?:COVERING )?INDEX (\w+)|\bUSING INTEGER PRIMARY KEY\b")
# A virtual table (the FTS5 search index) is read through its own index when the plan passes it
# a constraint: "SCAN search_fts VIRTUAL TABLE INDEX 0:M2" is a full-text MATCH (M), "...:=" a
# rowid lookup; an empty constraint ("INDEX 0:") reads the whole virtual table.
_SQLITE_VIRTUAL = re.compile(r"\bSCAN (\w+) VIRTUAL TABLE INDEX \d+:(\S*)")


def scanned_tables(plan: str, dialect: str) -> tuple[list[str], list[str]]:
    """(tables read without an index, indexes used), each in the order the plan names them."""
    if dialect == "sqlite":
        seq, indexes = [], []
        for line in plan.splitlines():
            virtual = _SQLITE_VIRTUAL.search(line)
            if virtual:
                table, constraints = virtual.groups()
                (indexes if constraints else seq).append(
                    f"{table} (full-text)" if "M" in constraints else table
                )
                continue
            scan = _SQLITE_SCAN.search(line)
            if scan and "USING" not in line:
                seq.append(scan.group(1))
            indexes += [m.group(1) or "primary key" for m in _SQLITE_INDEX.finditer(line)]
    else:
        seq = _PG_SEQ.findall(plan)
        indexes = _PG_INDEX.findall(plan)
    return list(dict.fromkeys(seq)), list(dict.fromkeys(indexes))


def summarise(plan: str, dialect: str, rows_of) -> dict:  # noqa: ANN001
    """What the JSON shows of a plan; ``rows_of(table)`` gives a table's (estimated) rows."""
    seq, indexes = scanned_tables(plan, dialect)
    scans = [{"table": t, "rows": rows_of(t)} for t in seq]
    return {
        "uses_index": bool(indexes),
        "indexes": indexes,
        "full_scans": scans,
        "large_full_scans": [s["table"] for s in scans if (s["rows"] or 0) >= LARGE_TABLE_ROWS],
    }
