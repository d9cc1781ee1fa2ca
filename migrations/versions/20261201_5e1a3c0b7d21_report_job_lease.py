"""report jobs: attempts and heartbeat (a job whose consumer died is noticed and retried)

Revision ID: 5e1a3c0b7d21
Revises: 5c1e0a7b9d21
Create Date: 2026-12-01 15:40:00

"""

import sqlalchemy as sa
from alembic import op

import partnership.mixins

revision = "5e1a3c0b7d21"
down_revision = "5c1e0a7b9d21"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("heartbeat_at", partnership.mixins.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("attempts")
