"""The search index: what each kind of record may be found by, kept in step on every write, and
the one function that matches words on SQLite (FTS5) and PostgreSQL (tsvector).

Each record gives one index row per audience: the words everyone who may see the record may
search ("all"), and separately the words of fields only some roles may read (a community
representative's name, a meeting's security notes, a concern's restricted details). Which roles
read which audience is decided in ``partnership.permissions.search_audiences``. Client codes and
redemption records are never indexed.

The index is written by an ORM flush hook (every create, edit and delete through the models) and
by the ``records_bulk_created`` signal (imports that insert thousands of rows with one statement).
``flask search reindex`` rebuilds it from the tables.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    MetaData,
    Select,
    Table,
    column,
    delete,
    event,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
    true,
    union,
)
from sqlalchemy.orm import Session

from partnership.search.models import SearchEntry

# ---- what each kind of record is found by ------------------------------------------------------

Document = tuple[str, str | None, list[Any]]  # audience, reference, texts


def _person(row: Any) -> list[Document]:
    reference = _get(row, "reference") or None
    contact = [_get(row, "name"), _get(row, "phone"), _get(row, "email")]
    work = [_get(row, "rank"), _get(row, "unit"), _get(row, "position")]
    if str(_get(row, "kind")) == "community_rep":
        # A chosen name or initials, their contacts and reference identify them: only for the
        # roles that read community representatives' names.
        return [("all", None, work), ("community_names", reference, [*contact, reference])]
    return [("all", reference, [*contact, *work, reference])]


def _organisation(row: Any) -> list[Document]:
    reference = _get(row, "reference") or None
    return [("all", reference, [_get(row, "name"), _get(row, "city"), _get(row, "region"),
                                reference])]  # fmt: skip


def _meeting(row: Any) -> list[Document]:
    return [
        ("all", None, [_get(row, "title"), _get(row, "venue"), _get(row, "objectives")]),
        ("security_notes", None, [_get(row, "security_notes")]),
    ]


def _concern(row: Any) -> list[Document]:
    return [
        ("all", f"C-{row.id}", [_get(row, "place"), _get(row, "summary")]),
        ("restricted_details", None, [_get(row, "restricted_details")]),
    ]


def _action_point(row: Any) -> list[Document]:
    texts = [_get(row, "title"), _get(row, "details"), _get(row, "action_taken")]
    return [("all", f"AP-{row.id}", texts)]


def _module(row: Any) -> list[Document]:
    code = _get(row, "code") or None
    return [("all", code, [code, _get(row, "title"), _get(row, "objectives")])]


def _slip(row: Any) -> list[Document]:
    number = _get(row, "number") or None
    return [("all", number, [number])]


@dataclass(frozen=True)
class Source:
    kind: str
    build: Callable[[Any], list[Document]]


# Keyed by table name, so this module needs none of the domains' models.
SOURCES: dict[str, Source] = {
    "people": Source("person", _person),
    "organisations": Source("organisation", _organisation),
    "meetings": Source("meeting", _meeting),
    "concerns": Source("concern", _concern),
    "action_points": Source("action_point", _action_point),
    "modules": Source("module", _module),
    "slips": Source("slip", _slip),
}


def _get(row: Any, name: str) -> Any:
    """A column's value; "" for one that is missing (an older schema during a migration)."""
    value = getattr(row, name, "")
    return "" if value is None else value


# ---- words -------------------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\W_]+")


def words(text: str) -> list[str]:
    """Lower case, accents removed, split at everything but letters and digits: the same on
    both databases, whatever their own tokenizers would do with "C-12" or an email address."""
    decomposed = unicodedata.normalize("NFKD", str(text).casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return [w for w in _SEPARATORS.split(plain) if w]


def normalise(texts: Iterable[Any]) -> str:
    return " ".join(w for text in texts if text for w in words(str(text)))


def normalise_reference(text: str) -> str | None:
    """A query as it would be stored as a reference: upper case, no spaces; "c12" is "C-12"."""
    ref = re.sub(r"\s+", "", text).upper()
    loop = re.fullmatch(r"(AP|C)-?(\d{1,9})", ref)
    if loop:
        ref = f"{loop.group(1)}-{int(loop.group(2))}"
    return ref[:80] or None


def documents(source: Source, object_id: int, row: Any) -> list[dict]:
    rows = []
    for audience, reference, texts in source.build(row):
        body = normalise(texts)
        reference = str(reference).strip().upper()[:80] if reference else None
        if body or reference:
            rows.append(
                {
                    "kind": source.kind,
                    "object_id": object_id,
                    "audience": audience,
                    "reference": reference,
                    "body": body,
                }
            )
    return rows


# ---- keeping it in step ------------------------------------------------------------------------


def write(connection: Connection, stale: dict[str, set[int]], rows: list[dict]) -> None:
    """Drop the index rows of the ``stale`` records and insert ``rows`` in their place."""
    entries = SearchEntry.__table__
    for kind, ids in stale.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            connection.execute(
                delete(entries).where(entries.c.kind == kind, entries.c.object_id.in_(chunk))
            )
    for start in range(0, len(rows), 5000):
        connection.execute(insert(entries), rows[start : start + 5000])


@event.listens_for(Session, "after_flush")
def _index_flushed_records(session: Session, flush_context: Any) -> None:
    stale: dict[str, set[int]] = defaultdict(set)
    rows: list[dict] = []
    for state, objects in (("new", session.new), ("dirty", session.dirty), ("deleted", session.deleted)):  # fmt: skip
        for obj in objects:
            source = SOURCES.get(getattr(obj, "__tablename__", ""))
            if source is None or getattr(obj, "id", None) is None:
                continue
            if state == "dirty" and not session.is_modified(obj, include_collections=False):
                continue
            stale[source.kind].add(obj.id)
            if state != "deleted":
                rows.extend(documents(source, obj.id, obj))
    if stale:
        write(session.connection(), stale, rows)


class _Values:
    """Column values of a row inserted in bulk, read like a model's attributes."""

    def __init__(self, object_id: int, values: dict[str, Any]) -> None:
        self.id = object_id
        self._values = values

    def __getattr__(self, name: str) -> Any:
        return self._values.get(name, "")


def index_bulk_created(model: type, records: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Receiver of ``records_bulk_created``: index rows an import inserted in one statement."""
    source = SOURCES.get(getattr(model, "__tablename__", ""))
    if source is None or not records:
        return
    from partnership.extensions import db

    rows = [
        doc
        for object_id, _label, values in records
        for doc in documents(source, object_id, _Values(object_id, values))
    ]
    write(db.session.connection(), {source.kind: {r[0] for r in records}}, rows)


def rebuild(connection: Connection) -> int:
    """Empty the index and index every record again from the tables as they are in the
    database (reflected, so that a migration may call it); returns the number of index rows."""
    entries = SearchEntry.__table__
    connection.execute(delete(entries))
    metadata = MetaData()
    count = 0
    for table_name, source in SOURCES.items():
        source_table = Table(table_name, metadata, autoload_with=connection)
        batch: list[dict] = []
        for row in _stream(connection, select(source_table)):
            batch.extend(documents(source, row.id, row))
            if len(batch) >= 5000:
                write(connection, {}, batch)
                count += len(batch)
                batch = []
        write(connection, {}, batch)
        count += len(batch)
    return count


def _stream(connection: Connection, stmt: Select) -> Iterator[Any]:
    last = 0
    id_column = stmt.selected_columns.id
    while True:
        rows = connection.execute(
            stmt.where(id_column > last).order_by(id_column).limit(2000)
        ).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].id


# ---- matching ----------------------------------------------------------------------------------

_fts = table("search_fts", column("rowid"))


def _kind_words(kind: str) -> list[str]:
    """The kind as the full-text index holds it ("action_point" as "action" "point")."""
    return words(kind)


def _text_match(dialect: str, kind: str, terms: list[str]) -> Any:
    """The index rows of ``kind`` whose words start with every term, matched by the databases'
    full-text indexes: the kind is part of the match (a column of the FTS5 table on SQLite, the
    document's words of weight A on PostgreSQL), so a common word of another kind is not read."""
    entries = SearchEntry.__table__
    if dialect == "postgresql":
        query = " & ".join([*(f"{w}:A" for w in _kind_words(kind)), *(f"{t}:*D" for t in terms)])
        return literal_column("document").op("@@")(
            func.to_tsquery(literal_column("'simple'::regconfig"), query)
        )
    query = _fts_query(kind, terms)
    rowids = select(_fts.c.rowid).where(literal_column("search_fts").op("MATCH")(query))
    return entries.c.id.in_(rowids)


def _fts_query(kind: str, terms: list[str]) -> str:
    phrase = " ".join(_kind_words(kind))
    body = " ".join(f'"{t}"*' for t in terms)
    return f'kind : "{phrase}" AND body : ({body})'


def matching_parts(dialect: str, kind: str, text: str, audiences: Iterable[str]) -> list[Select]:
    """The ids of the records of ``kind`` that ``text`` finds among the ``audiences`` a user may
    search, as one query for the words (every word as a word's beginning) and one for the whole
    text as a reference; empty when the text holds nothing to search for. A record may be in
    both, or twice in the first (found in two audiences' rows): ``matching_ids`` is their
    union."""
    entries = SearchEntry.__table__
    terms = words(text)[:8]
    reference = normalise_reference(text)
    allowed = (entries.c.kind == kind, entries.c.audience.in_(sorted(audiences)))
    parts = []
    if terms and dialect != "postgresql":
        # From the full-text matches (of this kind only) to their index rows by primary key.
        # The unary + keeps SQLite from using the kind's index for the outer loop.
        parts.append(
            select(entries.c.object_id)
            .select_from(_fts.join(entries, entries.c.id == _fts.c.rowid))
            .where(
                literal_column("+search_entries.kind") == kind,
                entries.c.audience.in_(sorted(audiences)),
                literal_column("search_fts").op("MATCH")(_fts_query(kind, terms)),
            )
        )
    elif terms:
        parts.append(select(entries.c.object_id).where(*allowed, _text_match(dialect, kind, terms)))
    if reference:
        parts.append(select(entries.c.object_id).where(*allowed, entries.c.reference == reference))
    return parts


def matching_ids(dialect: str, kind: str, text: str, audiences: Iterable[str]) -> Select | None:
    """The ids of the records of ``kind`` that ``text`` finds among the ``audiences`` a user may
    search: every word as a word's beginning, or the whole text as a reference. ``None`` when
    the text holds nothing to search for."""
    parts = matching_parts(dialect, kind, text, audiences)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else union(*parts)


def matches_record(
    dialect: str, kind: str, text: str, audiences: Iterable[str], object_id: Any
) -> Any:
    """Whether the record of ``kind`` whose id is ``object_id`` (a column of the caller's query)
    is found by ``text``, on the same rule as ``matching_ids``, checked record by record through
    the index's (kind, object_id) key: for a list walked in its own order when ``text`` finds
    most records of the kind, so that a page stops at its last row instead of first gathering
    every match. ``None`` when the text holds nothing to search for. (Written ``IS TRUE``, so
    that PostgreSQL checks it row by row rather than turning it into a join over every match,
    whose size it cannot estimate for a word's beginning.)"""
    entries = SearchEntry.__table__.alias("found")
    terms = words(text)[:8]
    reference = normalise_reference(text)
    found = []
    if terms and dialect == "postgresql":
        query = " & ".join([*(f"{w}:A" for w in _kind_words(kind)), *(f"{t}:*D" for t in terms)])
        # The generated tsvector column is the migrations', not the model's.
        document = literal_column("found.document")
        found.append(
            document.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"), query))
        )
    elif terms:
        rowids = select(_fts.c.rowid).where(
            literal_column("search_fts").op("MATCH")(_fts_query(kind, terms))
        )
        found.append(entries.c.id.in_(rowids))
    if reference:
        found.append(entries.c.reference == reference)
    if not found:
        return None
    probe = exists().where(
        entries.c.kind == kind,
        entries.c.object_id == object_id,
        entries.c.audience.in_(sorted(audiences)),
        or_(*found),
    )
    return probe.is_(true())
