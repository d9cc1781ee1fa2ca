"""The bench's reading of query plans: which indexes a page's main query uses and which large
tables it reads from end to end."""

from __future__ import annotations


def test_plans_show_the_indexes_used_and_large_tables_read_without_one() -> None:
    from partnership.bench.plans import summarise

    sizes = {"slips": 200_000, "organisations": 300}
    pg = (
        "Hash Join  (cost=1.0..2.0 rows=10 width=4)\n"
        "  ->  Parallel Seq Scan on slips  (cost=0.00..1.00 rows=1 width=4)\n"
        "  ->  Seq Scan on organisations  (cost=0.00..1.00 rows=1 width=4)\n"
        "  ->  Index Only Scan using ix_redemptions_slip on redemptions  (cost=0.1..1 rows=1)\n"
        "  ->  CTE Scan on completed  (cost=0.1..1 rows=1)"
    )
    summary = summarise(pg, "postgresql", sizes.get)
    assert summary["uses_index"] is True
    assert summary["indexes"] == ["ix_redemptions_slip"]
    assert summary["full_scans"] == [
        {"table": "slips", "rows": 200_000},
        {"table": "organisations", "rows": 300},
    ]
    assert summary["large_full_scans"] == ["slips"]
    sqlite = (
        "3 | 0 | 0 | SCAN slips USING INDEX ix_slips_issued_on_id\n"
        "9 | 0 | 0 | SEARCH redemptions USING INDEX uq_redemptions_slip_id (slip_id=?)\n"
        "12 | 0 | 0 | SCAN organisations\n"
        "20 | 0 | 0 | USE TEMP B-TREE FOR GROUP BY"
    )
    summary = summarise(sqlite, "sqlite", sizes.get)
    assert summary["indexes"] == ["ix_slips_issued_on_id", "uq_redemptions_slip_id"]
    assert summary["full_scans"] == [{"table": "organisations", "rows": 300}]
    assert summary["large_full_scans"] == []


def test_a_full_text_match_on_sqlite_is_read_through_its_index() -> None:
    """FTS5's MATCH is the search index itself, not a scan of it; a virtual table read with no
    constraint is."""
    from partnership.bench.plans import summarise

    sizes = {"search_fts": 60_000, "concerns": 3_000}
    matched = (
        "4 | 0 | 0 | SCAN search_fts VIRTUAL TABLE INDEX 0:M3\n"
        "11 | 0 | 0 | SEARCH concerns USING INTEGER PRIMARY KEY (rowid=?)"
    )
    summary = summarise(matched, "sqlite", sizes.get)
    assert summary["indexes"] == ["search_fts (full-text)", "primary key"]
    assert summary["full_scans"] == []
    unconstrained = "4 | 0 | 0 | SCAN search_fts VIRTUAL TABLE INDEX 0:"
    summary = summarise(unconstrained, "sqlite", sizes.get)
    assert summary["uses_index"] is False
    assert summary["large_full_scans"] == ["search_fts"]
