"""people.sort_key: each name's key in the reader's alphabetical order, indexed, so the people
list reads a page in order from the index instead of sorting every person with a collation
function

Revision ID: a7d3f1c9e5b2
Revises: 5e1d7a3c9b20
Create Date: 2026-12-02 01:45:00

"""

import sqlalchemy as sa
from alembic import op

from partnership.collation import SORT_KEY_TYPE, sort_key

revision = "a7d3f1c9e5b2"
down_revision = "5e1d7a3c9b20"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_key", SORT_KEY_TYPE, server_default="", nullable=False))
    _fill_sort_keys(op.get_bind())
    op.create_index("ix_people_sort_key_id", "people", ["sort_key", "id"])


def _fill_sort_keys(conn) -> None:  # noqa: ANN001
    """The key of every stored name, computed as the application computes it on a write."""
    people = sa.table("people", sa.column("id"), sa.column("name"), sa.column("sort_key"))
    update = (
        people.update()
        .where(people.c.id == sa.bindparam("person_id"))
        .values(sort_key=sa.bindparam("key"))
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(people.c.id, people.c.name)
            .where(people.c.id > last)
            .order_by(people.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        conn.execute(update, [{"person_id": r.id, "key": sort_key(r.name)} for r in rows])
        last = rows[-1].id


def downgrade():
    op.drop_index("ix_people_sort_key_id", table_name="people")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("sort_key")
