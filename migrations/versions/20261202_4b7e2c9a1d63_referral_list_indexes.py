"""referral lists at programme scale: indexes matching the slips and redemptions lists' filters
with their ORDER BY, and the search by the beginning of a slip number

Revision ID: 4b7e2c9a1d63
Revises: b8e2c4d6f1a3
Create Date: 2026-12-02 02:00:00

"""

from alembic import op

revision = "4b7e2c9a1d63"
down_revision = "b8e2c4d6f1a3"
branch_labels = None
depends_on = None

# (new index, table, columns, the index it replaces: a prefix of its columns)
WIDENED = [
    ("ix_slips_scheme_issued_id", "slips", ["scheme_id", "issued_on", "id"],
     ("ix_slips_scheme_issued", ["scheme_id", "issued_on"])),
    ("ix_slips_station_issued_id", "slips", ["station_id", "issued_on", "id"],
     ("ix_slips_station_issued", ["station_id", "issued_on"])),
    ("ix_redemptions_scheme_redeemed_id", "redemptions", ["scheme_id", "redeemed_on", "id"],
     ("ix_redemptions_scheme_redeemed", ["scheme_id", "redeemed_on"])),
    ("ix_redemptions_point_redeemed_id", "redemptions", ["service_point_id", "redeemed_on", "id"],
     ("ix_redemptions_service_point_id", ["service_point_id"])),
    ("ix_redemptions_code_redeemed_id", "redemptions", ["client_code", "redeemed_on", "id"],
     None),
]  # fmt: skip


def upgrade():
    for name, table, columns, replaced in WIDENED:
        op.create_index(name, table, columns)
        if replaced is not None:
            op.drop_index(replaced[0], table_name=table)
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLite's LIKE ignores case: it reads a prefix pattern only from an index that does too.
        op.execute("CREATE INDEX ix_slips_number_nocase ON slips (number COLLATE NOCASE)")
    elif dialect == "postgresql":
        op.create_index(
            "ix_slips_number_pattern",
            "slips",
            ["number"],
            postgresql_ops={"number": "varchar_pattern_ops"},
        )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.drop_index("ix_slips_number_nocase", table_name="slips")
    elif dialect == "postgresql":
        op.drop_index("ix_slips_number_pattern", table_name="slips")
    for name, table, _columns, replaced in reversed(WIDENED):
        if replaced is not None:
            op.create_index(replaced[0], table, replaced[1])
        op.drop_index(name, table_name=table)
