"""Names sorted as readers of the language expect: Ё with Е, accents with their letter, case
ignored, Latin and Cyrillic each in alphabetical order.

PostgreSQL sorts with ICU's root collation ("und-x-icu": the CLDR order, which treats Ё as a
variant of Е for Russian and is right for English and Swahili too). SQLite has no ICU, so each
connection gets a Python collation, NAME_ORDER, with the same first-level order: case folded,
accents removed (Ё→Е, é→e), then the exact text to break ties. Every list that is ordered by a
person's or an organisation's name goes through ``by_name``.

A list of thousands (people) cannot afford a collation function called for every comparison, nor
a sort of every row before its first page: there the same key is stored with the row
(``sort_key``, written whenever the name is) and indexed, and both databases compare it as plain
bytes (binary on SQLite, the "C" collation on PostgreSQL), which for UTF-8 is code point order,
the order of ``name_key``. A page is then read from the index in order.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from sqlalchemy import ColumnElement, String
from sqlalchemy.sql.expression import collate

from partnership.extensions import db

POSTGRES_COLLATION = "und-x-icu"
SQLITE_COLLATION = "name_order"


# Large enough for every name of a national programme (8,000 officers): a sort of more names
# than the cache holds computes every key again at each comparison.
@lru_cache(maxsize=65536)
def name_key(value: str) -> tuple[str, str]:
    """The sort key of a name: letters without case or accents first, the exact text second."""
    # Й is a letter of its own in Russian (after И); Ё is Е with a diaeresis, like é and e.
    folded = value.casefold().replace("й", "\ue000")
    decomposed = unicodedata.normalize("NFKD", folded)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return base.replace("\ue000", "й"), value


# The stored key: the folded letters (at most SORT_BASE_LENGTH of them), a separator below every
# letter, then the exact name; compared as bytes it orders like ``name_key``.
SORT_BASE_LENGTH = 200
SORT_KEY_LENGTH = 400
SORT_KEY_SEPARATOR = "\x01"
SORT_KEY_TYPE = String(SORT_KEY_LENGTH).with_variant(
    String(SORT_KEY_LENGTH, collation="C"), "postgresql"
)


def sort_key(name: str | None) -> str:
    """The key stored beside a name for ORDER BY: compared as bytes (code points), keys sort as
    ``name_key`` sorts the names."""
    base, exact = name_key(name or "")
    return f"{base[:SORT_BASE_LENGTH]}{SORT_KEY_SEPARATOR}{exact}"[:SORT_KEY_LENGTH]


def compare_names(a: str, b: str) -> int:
    """SQLite collation function: negative, zero or positive as ``a`` sorts before, with or
    after ``b``."""
    ka, kb = name_key(a), name_key(b)
    return (ka > kb) - (ka < kb)


def register_sqlite_collation(dbapi_connection) -> None:  # noqa: ANN001
    dbapi_connection.create_collation(SQLITE_COLLATION, compare_names)


def by_name(column: ColumnElement) -> ColumnElement:
    """``column`` for ORDER BY in the reader's alphabetical order (use ``by_name(X.name), X.id``)."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        return collate(column, POSTGRES_COLLATION)
    if dialect == "sqlite":
        return collate(column, SQLITE_COLLATION)
    return column
