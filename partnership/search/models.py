"""The search index: one row per record and audience, the words a search may find it by.

The full-text part is the database's own: on SQLite an FTS5 table ``search_fts`` over ``kind``
and ``body`` (kept in step by triggers on this table), on PostgreSQL a generated ``tsvector``
column ``document`` (the kind's words at weight A, the body's at D) with a GIN index. Both are
created by the migrations, not by this model, and ``partnership.search.index.matching_ids`` is
the one function that queries either.
"""

from __future__ import annotations

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from partnership.extensions import db


class SearchEntry(db.Model):
    __tablename__ = "search_entries"
    __table_args__ = (
        UniqueConstraint("kind", "object_id", "audience"),
        Index("ix_search_entries_reference", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The kind of record ("person", "organisation", "meeting", "concern", ...) and its id.
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    # Who may search these words: a key of partnership.permissions.SEARCH_AUDIENCES.
    audience: Mapped[str] = mapped_column(String(30))
    # A reference found whole ("C-12", "AP-40", a slip number, an import reference), upper case.
    reference: Mapped[str | None] = mapped_column(String(80))
    # The words, lower case, without accents or punctuation (see index.normalise).
    body: Mapped[str] = mapped_column(Text, default="")
