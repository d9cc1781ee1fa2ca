"""meeting list indexes: meetings by kind in date order (trainings, the kind filter) and by
their end (the coming meetings first, the moment a kept list changes)

Revision ID: 5e1d7a3c9b20
Revises: c4e2a9d17f30
Create Date: 2026-12-02 01:55:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1d7a3c9b20'
down_revision = 'c4e2a9d17f30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.create_index('ix_meetings_kind_starts_at', ['kind', 'starts_at'], unique=False)
        batch_op.create_index('ix_meetings_ends_at', ['ends_at'], unique=False)


def downgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_index('ix_meetings_ends_at')
        batch_op.drop_index('ix_meetings_kind_starts_at')
