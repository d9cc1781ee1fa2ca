"""join the two heads (user locale; organisation and person references)

Revision ID: 7b2d4e6f8a10
Revises: 3d604a03198d, 5a1e7c0d2b41
Create Date: 2026-12-01 16:40:00

"""

revision = "7b2d4e6f8a10"
down_revision = ("3d604a03198d", "5a1e7c0d2b41")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
