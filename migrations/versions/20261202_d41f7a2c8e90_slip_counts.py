"""the slips summary: slips issued and redeemed per scheme, station, route and month of issue,
filled from the slips and redemptions already recorded

Revision ID: d41f7a2c8e90
Revises: 4b7e2c9a1d63
Create Date: 2026-12-02 05:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d41f7a2c8e90"
down_revision = "4b7e2c9a1d63"
branch_labels = None
depends_on = None

MONTH = {
    "sqlite": "date(s.issued_on, 'start of month')",
    "postgresql": "CAST(date_trunc('month', s.issued_on) AS DATE)",
}


def upgrade():
    op.create_table(
        "slip_counts",
        sa.Column("scheme_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("station_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("route", sa.String(length=30), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("issued", sa.Integer(), nullable=False),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "scheme_id", "station_id", "route", "month", name=op.f("pk_slip_counts")
        ),
    )
    op.create_index(
        "ix_slip_counts_month_station",
        "slip_counts",
        ["month", "station_id", "issued", "redeemed"],
    )
    month = MONTH[op.get_bind().dialect.name]
    op.execute(
        "INSERT INTO slip_counts (scheme_id, station_id, route, month, issued, redeemed) "  # noqa: S608 - our own SQL
        f"SELECT s.scheme_id, s.station_id, s.route, {month}, count(s.id), count(r.id) "
        "FROM slips s LEFT OUTER JOIN redemptions r ON r.slip_id = s.id "
        f"GROUP BY s.scheme_id, s.station_id, s.route, {month}"
    )


def downgrade():
    op.drop_index("ix_slip_counts_month_station", table_name="slip_counts")
    op.drop_table("slip_counts")
