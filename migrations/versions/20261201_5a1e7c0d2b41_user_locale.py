"""users.locale: the interface language each person chose

Revision ID: 5a1e7c0d2b41
Revises: 5e1a3c0b7d21
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5a1e7c0d2b41'
down_revision = '5e1a3c0b7d21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=10), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('locale')
