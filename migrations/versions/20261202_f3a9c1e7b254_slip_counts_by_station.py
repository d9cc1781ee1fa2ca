"""slip counts by station: the summary's months of one station (the slips list filtered by
state at a station, a station's page) read from an index instead of every summary row

Revision ID: f3a9c1e7b254
Revises: c5e1a8d3f604
Create Date: 2026-12-02 08:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3a9c1e7b254'
down_revision = 'c5e1a8d3f604'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('slip_counts', schema=None) as batch_op:
        batch_op.create_index(
            'ix_slip_counts_station_month',
            ['station_id', 'month', 'issued', 'redeemed'],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table('slip_counts', schema=None) as batch_op:
        batch_op.drop_index('ix_slip_counts_station_month')
