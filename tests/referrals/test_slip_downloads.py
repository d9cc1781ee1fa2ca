"""Slip downloads: plain rows in the list's order and scope, the CSV with every row, and an
Excel file only up to XLSX_MAX_ROWS (a workbook cannot be streamed), with a message otherwise."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from tests.referrals.conftest import CODES, add_redemption, add_slips


def _csv(client, path: str) -> list[list[str]]:  # noqa: ANN001
    text = client.get(path).get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_the_csv_holds_every_slip_in_the_lists_order_with_its_redemption(  # noqa: ANN001
    app,
    world,
    referrals,
    coordinator_client,
):
    old = add_slips(app, referrals.scheme_id, world.station_a.id, 2, start=1,
                    issued_on=date.today() - timedelta(days=30))  # fmt: skip
    add_slips(app, referrals.scheme_id, world.station_c.id, 2, start=10)
    add_redemption(
        app, referrals.scheme_id, referrals.point_id, old[0], CODES[0], redeemed_on=date.today()
    )
    rows = _csv(coordinator_client, "/referrals/slips/export.csv")
    assert rows[0] == ["Slip number", "Scheme", "Station", "Officer", "Date issued", "Route",
                       "Redeemed on", "Service point"]  # fmt: skip
    assert [r[0] for r in rows[1:]] == ["00011", "00010", "00002", "00001"]
    first = rows[-1]
    assert first[2] == "Alpha Police Station" and first[5] == "Social contact"
    assert first[6] == date.today().isoformat() and first[7] == "Harbour drop-in"
    assert rows[1][6:] == ["", ""]
    assert not any(code in cell for row in rows for cell in row for code in CODES)


def test_an_officers_csv_has_their_stations_only_and_no_redemptions(  # noqa: ANN001
    app,
    world,
    referrals,
    officer_client,
):
    add_slips(app, referrals.scheme_id, world.station_a.id, 2, start=1)
    add_slips(app, referrals.scheme_id, world.station_c.id, 2, start=10)
    rows = _csv(officer_client, "/referrals/slips/export.csv")
    assert len(rows[0]) == 6
    assert sorted(r[0] for r in rows[1:]) == ["00001", "00002"]


def test_an_excel_file_past_the_bound_is_refused_with_a_message_and_the_csv_is_not(  # noqa: ANN001
    app,
    world,
    referrals,
    coordinator_client,
):
    add_slips(app, referrals.scheme_id, world.station_a.id, 6)
    app.config["XLSX_MAX_ROWS"] = 5
    try:
        response = coordinator_client.get(
            f"/referrals/slips/export.xlsx?station={world.station_a.id}"
        )
        assert response.status_code == 302
        assert response.location == f"/referrals/slips?station={world.station_a.id}"
        page = coordinator_client.get(response.location).get_data(as_text=True)
        assert "An Excel file holds at most 5 rows; this list has 6." in page
        assert len(_csv(coordinator_client, "/referrals/slips/export.csv")) == 7
        app.config["XLSX_MAX_ROWS"] = 6
        response = coordinator_client.get("/referrals/slips/export.xlsx")
        assert response.status_code == 200 and response.data[:2] == b"PK"
    finally:
        app.config["XLSX_MAX_ROWS"] = 1_048_575
