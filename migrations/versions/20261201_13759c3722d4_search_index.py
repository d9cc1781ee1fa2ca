"""search index: one row per record and audience, with the database's full-text index over it

On SQLite an FTS5 table ``search_fts`` (external content: the rows of ``search_entries``, kept in
step by triggers); on PostgreSQL a generated ``tsvector`` column with a GIN index. The index is
filled from the existing records at once.

Revision ID: 13759c3722d4
Revises: 3c7d1e9a5b20
Create Date: 2026-12-01 19:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '13759c3722d4'
down_revision = '3c7d1e9a5b20'
branch_labels = None
depends_on = None


SQLITE_FTS = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(body, content='search_entries', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_entries_ai AFTER INSERT ON search_entries BEGIN "
    "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER search_entries_ad AFTER DELETE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER search_entries_au AFTER UPDATE ON search_entries BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body) VALUES ('delete', old.id, old.body); "
    "INSERT INTO search_fts(rowid, body) VALUES (new.id, new.body); END",
]

POSTGRES_FTS = [
    "ALTER TABLE search_entries ADD COLUMN document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED",
    "CREATE INDEX ix_search_entries_document ON search_entries USING gin (document)",
]


def upgrade():
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('audience', sa.String(length=30), nullable=False),
    sa.Column('reference', sa.String(length=80), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries')),
    sa.UniqueConstraint('kind', 'object_id', 'audience', name=op.f('uq_search_entries_kind_object_id_audience')),
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_search_entries_reference', ['reference'], unique=False)
    bind = op.get_bind()
    for statement in POSTGRES_FTS if bind.dialect.name == "postgresql" else SQLITE_FTS:
        op.execute(statement)
    # Index the records already there (the function reads the tables as they are now).
    from partnership.search.index import rebuild

    rebuild(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        for name in ("search_entries_ai", "search_entries_ad", "search_entries_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table('search_entries')
