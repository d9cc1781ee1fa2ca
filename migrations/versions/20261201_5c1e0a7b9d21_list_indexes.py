"""indexes matching the list pages' ORDER BY at programme scale

Revision ID: 5c1e0a7b9d21
Revises: cd466e3359eb
Create Date: 2026-12-01 15:50:00

"""

from alembic import op

revision = "5c1e0a7b9d21"
down_revision = "cd466e3359eb"
branch_labels = None
depends_on = None

INDEXES = [
    ("ix_slips_issued_on_id", "slips", ["issued_on", "id"]),
    ("ix_redemptions_redeemed_on_id", "redemptions", ["redeemed_on", "id"]),
    ("ix_concerns_occurred_on_id", "concerns", ["occurred_on", "id"]),
    ("ix_action_points_due_on_id", "action_points", ["due_on", "id"]),
    ("ix_people_name_id", "people", ["name", "id"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
