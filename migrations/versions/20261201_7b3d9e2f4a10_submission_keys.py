"""submission keys: a form sent twice is stored once (also joins the two migration branches on main)

Revision ID: 7b3d9e2f4a10
Revises: 3d604a03198d, 5a1e7c0d2b41
Create Date: 2026-12-01 16:00:00

"""

import sqlalchemy as sa
from alembic import op

import partnership.mixins

revision = "7b3d9e2f4a10"
down_revision = ("3d604a03198d", "5a1e7c0d2b41")
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "submission_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("location", sa.String(length=2000), nullable=True),
        sa.Column("created_at", partnership.mixins.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_submission_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_submission_keys")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_submission_keys_user_id_key")),
    )
    with op.batch_alter_table("submission_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_submission_keys_created_at"), ["created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("submission_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_keys_created_at"))
    op.drop_table("submission_keys")
