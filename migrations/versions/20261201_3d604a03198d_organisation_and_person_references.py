"""organisation and person references: the stable key spreadsheet imports match on

Revision ID: 3d604a03198d
Revises: 5c1e0a7b9d21, 5e1a3c0b7d21
Create Date: 2026-12-01 15:30:39.320801

"""
from alembic import op
import sqlalchemy as sa

import partnership.mixins


# revision identifiers, used by Alembic.
revision = '3d604a03198d'
# Also joins the two heads that landed side by side (list indexes, report job lease).
down_revision = ('5c1e0a7b9d21', '5e1a3c0b7d21')
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_organisations_reference'), ['reference'])

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reference', sa.String(length=60), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_people_reference'), ['reference'])


def downgrade():
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_people_reference'), type_='unique')
        batch_op.drop_column('reference')

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_organisations_reference'), type_='unique')
        batch_op.drop_column('reference')
