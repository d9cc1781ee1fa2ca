"""action point days: the histogram of days to verification in its own summary table, and
action_point_counts one row per station, owner side and status (points on time counted, the
median days to verification kept on the verified row); both filled from the action points
already recorded

Revision ID: 6d2f8b1e4a97
Revises: a7c4e2f91b35
Create Date: 2026-12-02 12:00:00

"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "6d2f8b1e4a97"
down_revision = "a7c4e2f91b35"
branch_labels = None
depends_on = None

SIDES = (("police", "police_owner_id"), ("ngo", "ngo_owner_id"))
ON_TIME = "CASE WHEN status IN ('done', 'verified') AND done_on <= due_on THEN 1 ELSE 0 END"
OLD_DAYS = (
    "CASE WHEN status = 'verified' AND days_to_verification IS NOT NULL "
    "THEN days_to_verification ELSE -1 END"
)


def _median(histogram):
    """As partnership.actions.summary.median (kept here: a migration imports no app code)."""
    n = sum(points for _days, points in histogram)
    wanted = [(n + 1) // 2, (n + 2) // 2]
    found, seen = [], 0
    for days, points in histogram:
        seen += points
        while wanted and wanted[0] <= seen:
            found.append(days)
            wanted.pop(0)
    return (found[0] + found[1]) / 2


def upgrade():
    op.drop_table("action_point_counts")
    op.create_table(
        "action_point_counts",
        sa.Column("station_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
        sa.Column("median_days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("station_id", "side", "status",
                                name=op.f("pk_action_point_counts")),
    )  # fmt: skip
    op.create_table(
        "action_point_days",
        sa.Column("station_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("side", sa.String(length=10), nullable=False),
        sa.Column("days", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("station_id", "side", "days", name=op.f("pk_action_point_days")),
    )
    for side, owner in SIDES:
        op.execute(
            "INSERT INTO action_point_counts "  # noqa: S608 - our own SQL
            "(station_id, side, status, points, on_time) "
            f"SELECT station_id, '{side}', status, count(*), sum({ON_TIME}) "
            f"FROM action_points WHERE {owner} IS NOT NULL GROUP BY station_id, status"
        )
        op.execute(
            "INSERT INTO action_point_days (station_id, side, days, points) "  # noqa: S608
            f"SELECT station_id, '{side}', days_to_verification, count(*) "
            f"FROM action_points WHERE {owner} IS NOT NULL AND status = 'verified' "
            "AND days_to_verification IS NOT NULL GROUP BY station_id, days_to_verification"
        )
    connection = op.get_bind()
    histograms = defaultdict(list)
    for station_id, side, days, points in connection.execute(
        sa.text(
            "SELECT station_id, side, days, points FROM action_point_days "
            "ORDER BY station_id, side, days"
        )
    ):
        histograms[(station_id, side)].append((days, points))
    if histograms:
        connection.execute(
            sa.text(
                "UPDATE action_point_counts SET median_days = :m "
                "WHERE station_id = :s AND side = :side AND status = 'verified'"
            ),
            [{"s": s, "side": side, "m": _median(h)} for (s, side), h in histograms.items()],
        )


def downgrade():
    op.drop_table("action_point_days")
    op.drop_table("action_point_counts")
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
    for side, owner in SIDES:
        op.execute(
            "INSERT INTO action_point_counts "  # noqa: S608 - our own SQL
            "(station_id, side, status, days, on_time, points) "
            f"SELECT station_id, '{side}', status, {OLD_DAYS}, {ON_TIME}, count(*) "
            f"FROM action_points WHERE {owner} IS NOT NULL "
            f"GROUP BY station_id, status, {OLD_DAYS}, {ON_TIME}"
        )
