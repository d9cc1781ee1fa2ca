"""figure indexes: the measures and coverage figures read from indexes alone (a scheme's slips by
station, route and day of issue; a training attendee's days present)

Revision ID: 7f3a9c1e5b42
Revises: a7d3f1c9e5b2
Create Date: 2026-12-02 02:00:00

"""

from alembic import op

revision = "7f3a9c1e5b42"
down_revision = "a7d3f1c9e5b2"
branch_labels = None
depends_on = None

INDEXES = [
    # A scheme's measures group its slips by station, route and month of issue.
    (
        "ix_slips_scheme_station_route",
        "slips",
        ["scheme_id", "station_id", "route", "issued_on", "id"],
    ),
    # Completed trainings count each attendee's days present or late.
    ("ix_attendance_marks_attendee_status", "attendance_marks", ["attendee_id", "status"]),
]


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
