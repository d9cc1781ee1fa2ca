"""Races that the database settles: two saves of the same unique value at the same moment.

Services check uniqueness before they write, but two requests can both pass the check; the
database's unique constraint then refuses the second at flush. ``unique_as_field_error`` turns
that refusal into the message next to the field, as if the check had caught it. Both
PostgreSQL (which names the constraint) and SQLite (which names the columns) are understood.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import UniqueConstraint
from sqlalchemy.exc import IntegrityError

from partnership.extensions import db
from partnership.forms import FieldError

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the unique constraint ``error`` reports, or None."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return name
    match = _SQLITE_UNIQUE.search(str(error.orig))
    if not match:
        return None
    qualified = [part.strip() for part in match.group(1).split(",")]
    table_name = qualified[0].split(".", 1)[0]
    columns = {part.split(".", 1)[1] for part in qualified if "." in part}
    table = db.metadata.tables.get(table_name)
    if table is None:
        return None
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and {c.name for c in constraint.columns} == (
            columns
        ):
            return str(constraint.name)
    for index in table.indexes:
        if index.unique and {c.name for c in index.columns} == columns:
            return str(index.name)
    return None


@contextmanager
def unique_as_field_error(constraints: dict[str, tuple[str, str]]) -> Iterator[None]:
    """Around a flush: a violation of a constraint named in ``constraints`` (name -> field,
    message) becomes that field's error. The caller rolls back, as for any ``FieldError``."""
    try:
        yield
    except IntegrityError as error:
        name = violated_constraint(error)
        if name in constraints:
            field, message = constraints[name]
            raise FieldError(field, message) from error
        raise
