"""visit summaries: days from issue to redemption, visits and walk-ins per service point, and
services provided, per scheme and station, filled from the redemptions already recorded

Revision ID: e8b3c5d1f702
Revises: d41f7a2c8e90
Create Date: 2026-12-02 05:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e8b3c5d1f702"
down_revision = "d41f7a2c8e90"
branch_labels = None
depends_on = None

MONTH = {
    "sqlite": "date(s.issued_on, 'start of month')",
    "postgresql": "CAST(date_trunc('month', s.issued_on) AS DATE)",
}
DAYS = {
    "sqlite": "CAST(julianday(r.redeemed_on) - julianday(s.issued_on) AS INTEGER)",
    "postgresql": "(r.redeemed_on - s.issued_on)",
}


def _key(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), autoincrement=False, nullable=False)


def upgrade():
    op.create_table(
        "redemption_gaps",
        _key("scheme_id"), _key("station_id"), _key("service_point_id"),
        sa.Column("month", sa.Date(), nullable=False),
        _key("days"),
        sa.Column("redeemed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scheme_id", "station_id", "service_point_id", "month", "days",
                                name=op.f("pk_redemption_gaps")),
    )  # fmt: skip
    op.create_table(
        "visit_counts",
        _key("scheme_id"), _key("station_id"), _key("service_point_id"),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("walk_ins", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scheme_id", "station_id", "service_point_id",
                                name=op.f("pk_visit_counts")),
    )  # fmt: skip
    op.create_table(
        "service_counts",
        _key("scheme_id"), _key("station_id"),
        sa.Column("service", sa.String(length=30), nullable=False),
        sa.Column("provided", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scheme_id", "station_id", "service",
                                name=op.f("pk_service_counts")),
    )  # fmt: skip
    dialect = op.get_bind().dialect.name
    month, days = MONTH[dialect], DAYS[dialect]
    op.execute(
        "INSERT INTO redemption_gaps "  # noqa: S608 - our own SQL
        "(scheme_id, station_id, service_point_id, month, days, redeemed) "
        f"SELECT s.scheme_id, s.station_id, r.service_point_id, {month}, {days}, count(*) "
        "FROM slips s JOIN redemptions r ON r.slip_id = s.id "
        f"GROUP BY s.scheme_id, s.station_id, r.service_point_id, {month}, {days}"
    )
    op.execute(
        "INSERT INTO visit_counts (scheme_id, station_id, service_point_id, visits, walk_ins) "
        "SELECT scheme_id, coalesce(station_id, 0), service_point_id, count(*), "
        "sum(CASE WHEN walk_in THEN 1 ELSE 0 END) FROM redemptions "
        "GROUP BY scheme_id, coalesce(station_id, 0), service_point_id"
    )
    op.execute(
        "INSERT INTO service_counts (scheme_id, station_id, service, provided) "
        "SELECT r.scheme_id, coalesce(r.station_id, 0), p.service, count(*) "
        "FROM redemption_services p JOIN redemptions r ON r.id = p.redemption_id "
        "GROUP BY r.scheme_id, coalesce(r.station_id, 0), p.service"
    )


def downgrade():
    op.drop_table("service_counts")
    op.drop_table("visit_counts")
    op.drop_table("redemption_gaps")
