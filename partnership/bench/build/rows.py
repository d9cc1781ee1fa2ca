"""The bench's bulk writing: rows in chunks through a model's table, explicit ids, sequences."""

from __future__ import annotations

import random
from collections.abc import Iterable
from datetime import UTC, date, datetime, time

from sqlalchemy import func, insert, select, text

from partnership.extensions import db

CHUNK = 5000


def insert_rows(model, rows: Iterable[dict]) -> int:  # noqa: ANN001
    """Insert rows in chunks through the model's table (executemany)."""
    table = model.__table__ if hasattr(model, "__table__") else model
    count = 0
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            db.session.execute(insert(table), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(table), chunk)
        count += len(chunk)
    return count


class Ids:
    """Explicit primary keys after the demo's rows, so child rows can point at their parents
    without reading them back."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def start(self, model) -> int:  # noqa: ANN001
        table = model.__table__
        highest = db.session.scalar(select(func.max(table.c.id))) or 0
        self.next[table.name] = highest + 1
        return highest + 1

    def take(self, model) -> int:  # noqa: ANN001
        name = model.__table__.name
        value = self.next[name]
        self.next[name] = value + 1
        return value


def at(day: date) -> datetime:
    """A day's morning, as the bench's records start."""
    return datetime.combine(day, time(6, 0), tzinfo=UTC)


def client_code(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPRSTUWYZ"
    pick = "".join(rng.choice(letters) for _ in range(4))
    return f"{pick}{rng.randint(1965, 2005)}{rng.choice('MMMF')}"


def reset_sequences() -> None:
    """PostgreSQL: move each id sequence past the explicit ids written above."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            name = table.name
            statement = (
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT max(id) FROM {name}), 1))"
            )
            db.session.execute(text(statement))
