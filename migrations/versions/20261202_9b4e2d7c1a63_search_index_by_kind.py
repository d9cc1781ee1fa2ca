"""search index by kind: the full-text index holds each row's kind of record, so a word is matched
among one kind's rows by the index itself

Before, the words were matched over every kind and each match was then read to tell its kind:
"r01" (the 20,000 slips of a scheme) read 20,000 rows for each of the eight kinds searched. Now the
kind is part of the full-text match: on SQLite a second column ``kind`` of the FTS5 table, on
PostgreSQL the kind's words at weight A of the ``document`` tsvector (the record's words keep the
default weight D, so a search for "person" does not find every person).

Revision ID: 9b4e2d7c1a63
Revises: 7f3a9c1e5b42
Create Date: 2026-12-02 02:20:00

"""

from alembic import op

revision = "9b4e2d7c1a63"
down_revision = "7f3a9c1e5b42"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"
TRIGGERS = ("search_entries_ai", "search_entries_ad", "search_entries_au")


def _sqlite_fts(columns: list[str]) -> list[str]:
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        *(f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS),
        "DROP TABLE IF EXISTS search_fts",
        f"CREATE VIRTUAL TABLE search_fts USING fts5({names}, content='search_entries', "
        f"content_rowid='id', {TOKENIZE})",
        "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
        f"INSERT INTO search_fts(rowid, {names}) VALUES (new.id, {new}); END",
        "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {names}) VALUES ('delete', old.id, {old}); END",
        "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
        f"INSERT INTO search_fts(search_fts, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO search_fts(rowid, {names}) VALUES (new.id, {new}); END",
        # Index the rows already there.
        "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    ]


def _postgres_document(expression: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS ix_search_entries_document",
        "ALTER TABLE search_entries DROP COLUMN IF EXISTS document",
        f"ALTER TABLE search_entries ADD COLUMN document tsvector GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)",
    ]


KIND_AND_BODY = (
    "setweight(to_tsvector('simple'::regconfig, replace(kind, '_', ' ')), 'A') || "
    "to_tsvector('simple'::regconfig, body)"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        statements = _postgres_document(KIND_AND_BODY)
    else:
        statements = _sqlite_fts(["kind", "body"])
    for statement in statements:
        op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        statements = _postgres_document("to_tsvector('simple'::regconfig, body)")
    else:
        statements = _sqlite_fts(["body"])
    for statement in statements:
        op.execute(statement)
