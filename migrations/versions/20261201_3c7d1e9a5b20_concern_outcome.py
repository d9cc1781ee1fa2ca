"""concerns.outcome: what came of a resolved concern

Revision ID: 3c7d1e9a5b20
Revises: 8dc185d2b38f
Create Date: 2026-12-01 18:50:00

"""

from alembic import op
import sqlalchemy as sa


revision = "3c7d1e9a5b20"
down_revision = "8dc185d2b38f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.Text(), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_column("outcome")
