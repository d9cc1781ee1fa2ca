"""password reset tokens

Revision ID: 978eb5d3a696
Revises: 7b3d9e2f4a10
Create Date: 2026-12-01 16:46:23.193539

"""
from alembic import op
import sqlalchemy as sa

import partnership.mixins


# revision identifiers, used by Alembic.
revision = '978eb5d3a696'
down_revision = '7b3d9e2f4a10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('password_reset_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', partnership.mixins.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', partnership.mixins.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', partnership.mixins.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_tokens_token_hash'))
    )
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_user_id'))

    op.drop_table('password_reset_tokens')