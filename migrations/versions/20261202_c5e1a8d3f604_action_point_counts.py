"""action point counts: points per station, owner side, status, done by the due date and days
to verification, for the loop's measures; filled from the action points already recorded

Revision ID: c5e1a8d3f604
Revises: a7c3e9f1b205
Create Date: 2026-12-02 08:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c5e1a8d3f604"
down_revision = "a7c3e9f1b205"
branch_labels = None
depends_on = None

ON_TIME = "CASE WHEN status IN ('done', 'verified') AND done_on <= due_on THEN 1 ELSE 0 END"
DAYS = (
    "CASE WHEN status = 'verified' AND days_to_verification IS NOT NULL "
    "THEN days_to_verification ELSE -1 END"
)


def upgrade():
    op.create_table(
        "action_point_counts",
        sa.Column("station_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("on_time", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "side", "status", "days", "on_time",
                                name=op.f("pk_action_point_counts")),
    )  # fmt: skip
    for side, owner in (("police", "police_owner_id"), ("ngo", "ngo_owner_id")):
        op.execute(
            "INSERT INTO action_point_counts "  # noqa: S608 - our own SQL
            "(station_id, side, status, days, on_time, points) "
            f"SELECT station_id, '{side}', status, {DAYS}, {ON_TIME}, count(*) "
            f"FROM action_points WHERE {owner} IS NOT NULL "
            f"GROUP BY station_id, status, {DAYS}, {ON_TIME}"
        )


def downgrade():
    op.drop_table("action_point_counts")
