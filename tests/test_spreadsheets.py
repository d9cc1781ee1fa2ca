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


def test_report_rows_written_in_one_call_keep_types_formats_and_text(tmp_path, app):  # noqa: ANN001
    """The programme workbook writes plain rows with one xlsxwriter call and others cell by
    cell: both give a date cell in the date format, numbers as numbers, a withheld count as its
    text, a time with its time format and text that looks like a formula as text."""
    from datetime import date, datetime

    from partnership.disclosure import Figure
    from partnership.spreadsheets import ReportSheet, Table, write_report_workbook

    rows = [
        ["Station A", 12, 0.5, date(2026, 3, 4), None],  # plain: one call
        ["=1+1", 3, 1.0, date(2026, 3, 5), "x"],  # a formula-like text: cell by cell
        ["Station B", Figure(None, small=True), 2.0, datetime(2026, 3, 6, 9, 30), True],
    ]
    path = tmp_path / "report.xlsx"
    with app.app_context(), app.test_request_context():
        write_report_workbook(str(path), "T", [], [], [], [ReportSheet(Table(list("ABCDE"), rows))])
    sheet = load_workbook(path).worksheets[-1]
    assert sheet["A2"].value == "Station A" and sheet["B2"].value == 12
    assert sheet["D2"].value == datetime(2026, 3, 4) and sheet["D2"].number_format == "yyyy-mm-dd"
    assert sheet["D3"].number_format == "yyyy-mm-dd" and sheet["E2"].value is None
    assert sheet["A3"].value == "=1+1" and sheet["A3"].data_type == "s"
    assert sheet["B4"].value == "<5"
    assert sheet["D4"].number_format == "yyyy-mm-dd hh:mm" and sheet["E4"].value is True
