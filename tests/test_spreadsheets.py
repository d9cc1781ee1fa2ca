"""The shared spreadsheet reader and writer."""

from __future__ import annotations

import io

import pytest
import xlsxwriter
from openpyxl import load_workbook

from partnership.spreadsheets import SpreadsheetError, Table, read_rows, write_csv, write_xlsx


def test_csv_rows_keep_their_line_numbers_across_blank_lines():
    data = b"name,station\n\nAmani,Alpha\n,\nBaraka,Bravo\n"
    headers, rows = read_rows("register.csv", data)
    assert headers == ["name", "station"]
    assert [(r.line, list(r)) for r in rows] == [(3, ["Amani", "Alpha"]), (5, ["Baraka", "Bravo"])]


def test_xlsx_rows_keep_their_line_numbers():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["name", "score"])
    sheet.write_row(1, 0, ["Amani", 7])
    sheet.write_row(3, 0, ["Baraka", 9.0])
    workbook.close()
    headers, rows = read_rows("scores.xlsx", buffer.getvalue())
    assert headers == ["name", "score"]
    assert [(r.line, list(r)) for r in rows] == [(2, ["Amani", "7"]), (4, ["Baraka", "9"])]


@pytest.mark.parametrize(
    "filename, data, message",
    [
        ("fake.xlsx", b"this is really a text file", "not a valid Excel"),
        ("notes.txt", b"a,b", "Upload a .csv or .xlsx file"),
        ("empty.csv", b"\n\n", "empty"),
        ("latin.csv", "name\nJos\xe9".encode("latin-1"), "not UTF-8"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(filename, data, message):
    with pytest.raises(SpreadsheetError, match=message):
        read_rows(filename, data)


def test_writers_round_trip_unicode_and_neutralise_formulas():
    table = Table(["Name"], [["Олег"], ["=1+1"], ["Wanjiru"]])
    csv_text = write_csv(table).decode("utf-8-sig")
    assert "Олег" in csv_text and "'=1+1" in csv_text
    body = write_xlsx([table])
    headers, rows = read_rows("x.xlsx", body)
    # A string cell with Excel's quote prefix: text as typed, no visible apostrophe.
    assert [list(r) for r in rows] == [["Олег"], ["=1+1"], ["Wanjiru"]]
    cell = load_workbook(io.BytesIO(body)).active["A3"]
    assert cell.data_type == "s" and cell.quotePrefix
