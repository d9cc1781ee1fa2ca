"""A slip book at programme scale: 20,000 rows import in one request, checked against lookups
loaded once and written in a few statements (the number of statements does not grow with the
rows), and one bad row near the end leaves nothing written, reported by its line in the file.
No timing is asserted here: ``python -m partnership.bench.imports`` measures."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select

from partnership.audit import AuditEntry
from partnership.extensions import db
from partnership.referrals.models import Slip
from tests.referrals.conftest import add_slips

DAY = (date.today() - timedelta(days=3)).isoformat()
STATIONS = ("Alpha Police Station", "Bravo Police Station", "Charlie Police Station")


def slip_book(rows: int, bad_line: int | None = None, first: int = 1) -> bytes:
    """A CSV of ``rows`` slips, with a blank line after the header (so file lines and row
    positions differ, as in real files) and an unknown station on ``bad_line``."""
    lines = ["number,station,date,route,officer", ""]
    for n in range(first, first + rows):
        station = STATIONS[n % 3]
        if len(lines) + 1 == bad_line:
            station = "Nowhere Police Station"
        lines.append(f"{n:05d},{station},{DAY},social_contact,")
    return ("\n".join(lines) + "\n").encode()


def _import(client, scheme_id: int, body: bytes):  # noqa: ANN001, ANN202
    return client.post(
        "/referrals/slips/import",
        data={"scheme_id": scheme_id, "file": (io.BytesIO(body), "book.csv")},
        content_type="multipart/form-data",
    )


def _count(app, model, *where) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)).where(*where))


def test_twenty_thousand_slips_land_in_statements_that_do_not_grow_with_rows(
    app, coordinator_client, world, referrals, count_queries
):
    with count_queries() as small:
        response = _import(coordinator_client, referrals.scheme_id, slip_book(20, first=50_001))
    assert response.status_code == 302

    with count_queries() as large:
        response = _import(coordinator_client, referrals.scheme_id, slip_book(20_000))
    assert response.status_code == 302
    assert "20,000 rows were imported." in coordinator_client.get(response.location).get_data(
        as_text=True
    )
    assert _count(app, Slip, Slip.number < "50001") == 20_000
    assert _count(app, Slip, Slip.number < "50001", Slip.station_id == world.station_a.id) == 6666
    assert _count(app, Slip, Slip.number == "20000", Slip.station_id == world.station_c.id) == 1
    assert _count(app, AuditEntry, AuditEntry.entity_type == "Slip") == 20_020

    def reads(counter) -> list[str]:  # noqa: ANN001
        return [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]

    def writes(counter, table: str) -> int:  # noqa: ANN001
        return sum(1 for s in counter.statements
                   if not s.lstrip().upper().startswith("SELECT") and table in s)  # fmt: skip

    # Every lookup runs once whatever the size of the file (no query per row) ...
    assert len(reads(large)) == len(reads(small))
    # ... and the slips and their audit entries are written by one executemany each (the old
    # import: 5 statements per row).
    assert writes(large, "INTO slips") == writes(small, "INTO slips") == 1
    assert writes(large, "INTO audit_entries") == writes(small, "INTO audit_entries")
    # The search index takes what was imported in batches of its own (500 and 5,000 rows).
    assert writes(large, "search_entries") <= writes(small, "search_entries") + 20_000 // 500 + 4


def test_a_bad_row_on_line_19999_leaves_nothing_written_and_is_named(
    app, coordinator_client, world, referrals
):
    response = _import(coordinator_client, referrals.scheme_id, slip_book(20_000, bad_line=19_999))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported: 1 line has a problem" in html
    assert "Line 19999: unknown station “Nowhere Police Station”" in html
    assert _count(app, Slip) == 0
    assert _count(app, AuditEntry, AuditEntry.entity_type == "Slip") == 0


def test_a_number_twice_in_a_large_book_is_refused_on_its_second_line(
    app, coordinator_client, world, referrals
):
    body = slip_book(3000) + f"00007,Alpha Police Station,{DAY},custody,\n".encode()
    response = _import(coordinator_client, referrals.scheme_id, body)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # Header, blank line, 3,000 rows: the repeated number is on line 3,003.
    assert "Line 3003: Slip 00007 was already issued in this scheme." in html
    assert _count(app, Slip) == 0


def redemption_register(rows: int, first: int = 1) -> bytes:
    lines = ["slip,date,service point,consent,client code,services,outcome"]
    lines += [f"{n:05d},{DAY},Harbour drop-in,no,,nsp,reached" for n in range(first, first + rows)]
    return ("\n".join(lines) + "\n").encode()


def test_redemption_registers_take_statements_that_do_not_grow_with_rows(
    app, coordinator_client, world, referrals, count_queries
):
    from partnership.referrals.models import Redemption, RedemptionService

    nine_days_ago = date.today() - timedelta(days=9)
    add_slips(app, referrals.scheme_id, world.station_a.id, 2025, issued_on=nine_days_ago)
    counts = []
    for first, rows in ((1, 20), (21, 2000)):
        with count_queries() as counter:
            response = coordinator_client.post(
                "/referrals/redemptions/import",
                data={"scheme_id": referrals.scheme_id,
                      "file": (io.BytesIO(redemption_register(rows, first)), "r.csv")},
                content_type="multipart/form-data",
            )  # fmt: skip
        assert response.status_code == 302
        counts.append(counter)
    assert _count(app, Redemption) == 2020
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RedemptionService)) == 2020
        # Each visit keeps its slip's station, as the form records it.
        assert db.session.scalar(select(func.count(Redemption.id)).where(
            Redemption.station_id == world.station_a.id)) == 2020  # fmt: skip
    small, large = (
        [s for s in c.statements if not s.lstrip().upper().startswith("INSERT")] for c in counts
    )
    assert len(large) == len(small)
    # Inserts go in pages of at most 1,000 rows (redemptions, their services, audit entries).
    assert counts[1].count - len(large) <= 3 * (2000 // 1000 + 1)
    # A slip already redeemed, and one redeemed twice in the file, refuse the whole file.
    header, *lines = redemption_register(1, first=5).decode().splitlines()
    lines += redemption_register(2, first=2021).decode().splitlines()[1:]
    lines += redemption_register(1, first=2021).decode().splitlines()[1:]
    body = "\n".join([header, *lines]).encode()
    response = coordinator_client.post(
        "/referrals/redemptions/import",
        data={"scheme_id": referrals.scheme_id, "file": (io.BytesIO(body), "r.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 2: This slip was already redeemed." in html
    assert "Line 5: This slip was already redeemed." in html
    assert _count(app, Redemption) == 2020
