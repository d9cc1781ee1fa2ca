"""follow-ups that changed a status, by point and time (partial index): the station brief's
status changes since a date without reading every follow-up

Revision ID: a7c3e9f1b205
Revises: e8b3c5d1f702
Create Date: 2026-12-02 08:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f1b205"
down_revision = "e8b3c5d1f702"
branch_labels = None
depends_on = None

CHANGED = sa.text("to_status IS NOT NULL")


def upgrade():
    op.create_index(
        "ix_follow_ups_status_changes",
        "follow_ups",
        ["action_point_id", "at"],
        unique=False,
        postgresql_where=CHANGED,
        sqlite_where=CHANGED,
    )


def downgrade():
    op.drop_index("ix_follow_ups_status_changes", table_name="follow_ups")
