"""background jobs of two kinds: the programme report and long list downloads

Revision ID: c4e2a9d17f30
Revises: e7c8361fab4b
Create Date: 2026-12-01 22:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a9d17f30'
down_revision = 'e7c8361fab4b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=20), server_default='report', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_column('kind')
