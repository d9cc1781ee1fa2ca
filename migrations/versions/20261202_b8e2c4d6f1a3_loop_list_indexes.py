"""loop list indexes: concerns by status in the list's date order, and action points by
station in the list's due order (the station filter, an officer's stations)

Revision ID: b8e2c4d6f1a3
Revises: 9b4e2d7c1a63
Create Date: 2026-12-02 02:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b8e2c4d6f1a3'
down_revision = '9b4e2d7c1a63'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.create_index(
            'ix_concerns_status_occurred_on_id', ['status', 'occurred_on', 'id'], unique=False
        )
    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.create_index(
            'ix_action_points_station_due_on_id', ['station_id', 'due_on', 'id'], unique=False
        )


def downgrade():
    with op.batch_alter_table('action_points', schema=None) as batch_op:
        batch_op.drop_index('ix_action_points_station_due_on_id')
    with op.batch_alter_table('concerns', schema=None) as batch_op:
        batch_op.drop_index('ix_concerns_status_occurred_on_id')
