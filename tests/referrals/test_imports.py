"""Imports are all rows or none, with a report of every failing line."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select

from partnership.extensions import db
from partnership.referrals.models import Redemption, Slip
from partnership.spreadsheets import Table, write_xlsx
from tests.referrals.conftest import add_slips

DAY = (date.today() - timedelta(days=5)).isoformat()


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def _upload(client, url, scheme_id, name, body: bytes):
    return client.post(
        url,
        data={"scheme_id": scheme_id, "file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
    )


def test_good_slip_book_from_excel_is_imported(app, coordinator_client, world, referrals):
    table = Table(
        ["number", "station", "date", "route", "officer"],
        [
            ["00001", "Alpha Police Station", DAY, "arrest_diversion", ""],
            ["00002", "alpha police station", DAY, "Social contact", ""],
            ["00003", "Charlie Police Station", DAY, "custody", ""],
        ],
    )
    response = _upload(
        coordinator_client, "/referrals/slips/import", referrals.scheme_id, "book.xlsx",
        write_xlsx([table]),
    )  # fmt: skip
    assert response.status_code == 302
    assert _count(app, Slip) == 3
    assert "3 rows were imported." in coordinator_client.get(response.location).get_data(
        as_text=True
    )


def test_bad_rows_refuse_the_whole_file_with_a_line_report(
    app, coordinator_client, world, referrals
):
    add_slips(app, referrals.scheme_id, world.station_a.id, 1, start=7)
    csv = (
        "number,station,date,route,officer\n"
        f"00001,Alpha Police Station,{DAY},arrest_diversion,\n"
        f"00002,Nowhere Station,{DAY},arrest_diversion,\n"
        f"00003,Alpha Police Station,yesterday,teleport,\n"
        f"00007,Alpha Police Station,{DAY},custody,\n"
        f"00001,Bravo Police Station,{DAY},custody,\n"
    ).encode()
    response = _upload(
        coordinator_client, "/referrals/slips/import", referrals.scheme_id, "b.csv", csv
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was imported: 4 lines have problems" in html
    assert "Line 3: unknown station “Nowhere Station”" in html
    assert "Line 4: unknown route" in html and "the date is missing or not a date" in html
    assert "Line 5: Slip 00007 was already issued in this scheme." in html
    assert "Line 6: Slip 00001 was already issued in this scheme." in html  # twice in the file
    assert "Line 2" not in html
    assert _count(app, Slip) == 1  # only the one added before


def test_pasted_rows_are_bulk_entry(app, coordinator_client, world, referrals):
    pasted = f"number,station,date,route\n00011,Alpha Police Station,{DAY},custody\n00012,Bravo Police Station,{DAY},other\n"
    response = coordinator_client.post(
        "/referrals/slips/import", data={"scheme_id": referrals.scheme_id, "pasted": pasted}
    )
    assert response.status_code == 302
    assert _count(app, Slip) == 2


def test_missing_columns_and_unreadable_files(app, coordinator_client, referrals):
    response = _upload(
        coordinator_client,
        "/referrals/slips/import",
        referrals.scheme_id,
        "x.csv",
        b"number,date\n1,2\n",
    )
    html = response.get_data(as_text=True)
    assert "Line 1: Missing: Station, Route. Download the template and fill it in." in html
    response = _upload(
        coordinator_client, "/referrals/slips/import", referrals.scheme_id, "x.xlsx", b"not a zip"
    )
    assert response.status_code == 422
    assert "not a valid Excel" in response.get_data(as_text=True)
    assert _count(app, Slip) == 0


def test_redemption_import_all_or_nothing(app, coordinator_client, world, referrals):
    add_slips(app, referrals.scheme_id, world.station_a.id, 2, start=1,
              issued_on=date.today() - timedelta(days=9))  # fmt: skip
    header = "slip,date,service point,consent,client code,services,outcome,follow-up,follow-up date,walk-in station\n"
    good = f"00001,{DAY},Harbour drop-in,yes,MAJO1990M,nsp; hiv_testing,reached,,,\n"
    bad = f"00002,{DAY},Harbour drop-in,yes,JOHN SMITH,nsp,reached,,,\n"
    walk_in = f",{DAY},Harbour drop-in,no,,nsp,reached,,,Bravo Police Station\n"
    response = _upload(
        coordinator_client, "/referrals/redemptions/import", referrals.scheme_id, "r.csv",
        (header + good + bad + walk_in).encode(),
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 3: The client code does not follow the scheme" in html
    assert "JOHN SMITH" not in html.split("<textarea")[0]
    assert _count(app, Redemption) == 0
    response = _upload(
        coordinator_client, "/referrals/redemptions/import", referrals.scheme_id, "r.csv",
        (header + good + walk_in).encode(),
    )  # fmt: skip
    assert response.status_code == 302
    assert _count(app, Redemption) == 2


def test_templates_download(coordinator_client):
    response = coordinator_client.get("/referrals/slips/import-template.csv")
    # Each header carries its key, so a template downloaded in one language imports in another.
    assert response.get_data(as_text=True).startswith(
        "\ufeffSlip number [number],Station [station],Date issued [date],Route [route],"
        "Issuing officer [officer]"
    )
    response = coordinator_client.get("/referrals/redemptions/import-template.xlsx")
    assert response.status_code == 200 and response.data[:2] == b"PK"
