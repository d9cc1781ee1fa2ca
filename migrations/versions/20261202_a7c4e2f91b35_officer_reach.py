"""officers reached: an officer's marks (present or late) at meetings held, per day, station and
kind of meeting, filled from the registers already recorded

Revision ID: a7c4e2f91b35
Revises: f3a9c1e7b254
Create Date: 2026-12-02 08:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7c4e2f91b35"
down_revision = "f3a9c1e7b254"
branch_labels = None
depends_on = None

# The UTC day a meeting started on; whether it was a training (a boolean on both databases).
DAY = {
    "sqlite": "date(substr(m.starts_at, 1, 10))",
    "postgresql": "CAST((m.starts_at AT TIME ZONE 'UTC') AS DATE)",
}
TRAINING = {
    "sqlite": "CASE WHEN m.kind = 'training' THEN 1 ELSE 0 END",
    "postgresql": "(m.kind = 'training')",
}


def upgrade():
    op.create_table(
        "officer_reach",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("station_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("training", sa.Boolean(), nullable=False),
        sa.Column("marks", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "station_id", "person_id", "training", name=op.f("pk_officer_reach")
        ),
    )
    op.create_index(
        "ix_officer_reach_station_day",
        "officer_reach",
        ["station_id", "day", "person_id", "training"],
    )
    dialect = op.get_bind().dialect.name
    day, training = DAY[dialect], TRAINING[dialect]
    op.execute(
        "INSERT INTO officer_reach (day, station_id, person_id, training, marks) "  # noqa: S608 - our own SQL
        f"SELECT {day}, coalesce(a.station_id, 0), a.person_id, {training}, count(*) "
        "FROM attendance_marks k "
        "JOIN meeting_attendees a ON a.id = k.attendee_id "
        "JOIN meetings m ON m.id = a.meeting_id "
        "JOIN people p ON p.id = a.person_id "
        "WHERE p.kind = 'officer' AND m.status IN ('held', 'minutes_recorded') "
        "AND k.status IN ('present', 'late') "
        f"GROUP BY {day}, coalesce(a.station_id, 0), a.person_id, {training}"
    )


def downgrade():
    op.drop_index("ix_officer_reach_station_day", table_name="officer_reach")
    op.drop_table("officer_reach")
