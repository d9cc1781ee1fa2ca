"""The import reader refuses damaged and oversized files in words, before reading rows where the
file says how large it is: a workbook that unpacks to too much (zip bomb), a sheet declaring a
million rows, a CSV with more rows than allowed; never an error 500."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import Workbook

from partnership.spreadsheets import ReadLimits, SpreadsheetError, read_rows

DAY = (date.today() - timedelta(days=5)).isoformat()
HEADER = ["number", "station", "date", "route", "officer"]


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def rewrite_sheet(data: bytes, change) -> bytes:  # noqa: ANN001
    """The same package with the first sheet's XML changed by ``change``."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = change(body)
            dst.writestr(item, body)
    return out.getvalue()


GOOD = xlsx([HEADER, ["00001", "Alpha Police Station", DAY, "custody", ""]])


def declared(ref: str):  # noqa: ANN201
    def change(body: bytes) -> bytes:
        import re

        return re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{ref}"/>'.encode(), body)

    return change


def many_rows_without_dimension(n: int):  # noqa: ANN201
    def change(body: bytes) -> bytes:
        import re

        rows = b"".join(
            b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
            for i in range(1, n + 1)
        )
        body = re.sub(rb"<dimension[^>]*/>", b"", body)
        return re.sub(rb"<sheetData>.*</sheetData>|<sheetData/>", b"<sheetData>" + rows +
                      b"</sheetData>", body, flags=re.S)  # fmt: skip

    return change


def zip_bomb() -> bytes:
    """A small file whose sheet unpacks to 120 MB of whitespace."""
    padding = b" " * (120 * 1024 * 1024)
    return rewrite_sheet(GOOD, lambda body: body.replace(b"<sheetData>", padding + b"<sheetData>"))


LIMITS = ReadLimits(max_bytes=5 * 1024 * 1024, max_unpacked_bytes=60 * 1024 * 1024,
                    max_rows=1000, max_columns=20)  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.xlsx", b"this is not a zip", "not a valid Excel"),
        ("a.xlsx", GOOD[: len(GOOD) // 2], "not a valid Excel"),
        (
            "a.xlsx",
            rewrite_sheet(GOOD, lambda b: b"<worksheet><sheetData><row"),
            "not a valid Excel",
        ),
        ("a.xlsx", rewrite_sheet(GOOD, declared("A1:C1000000")), "more than 1,000 rows"),
        ("a.xlsx", rewrite_sheet(GOOD, declared("A1:XFD2")), "more than 20 columns"),
        ("a.xlsx", rewrite_sheet(GOOD, declared("A1:!!")), "not a valid Excel"),
        ("a.xlsx", rewrite_sheet(GOOD, many_rows_without_dimension(1500)), "more than 1,000 rows"),
        ("a.csv", b"number\n" + b"1\n" * 1001, "more than 1,000 rows"),
        ("a.csv", b"a," * 30 + b"\n", "more than 20 columns"),
        ("a.csv", b"number,station\n00\x001,x\n", "NUL characters"),
        ("a.csv", b'number\n"' + b"x" * 200_000 + b'"\n', "cannot be read near line"),
        ("a.csv", b"\xff\xfe\x00n", "not UTF-8"),
        ("a.csv", b"x" * (5 * 1024 * 1024 + 1), "files of at most 5 MB"),
        ("a.ods", b"whatever", "Upload a .csv or .xlsx file"),
    ],
)
def test_damaged_or_oversized_files_are_refused_in_words(app, name, data, message):
    with app.test_request_context(), pytest.raises(SpreadsheetError) as caught:
        read_rows(name, data, LIMITS)
    assert message in str(caught.value)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app):
    data = zip_bomb()
    assert len(data) < 1024 * 1024  # small on the wire
    with app.test_request_context(), pytest.raises(SpreadsheetError) as caught:
        read_rows("bomb.xlsx", data, LIMITS)
    assert "unpacks to 120 MB" in str(caught.value)


def test_files_within_the_limits_are_read(app):
    with app.test_request_context():
        headers, rows = read_rows("a.xlsx", GOOD, LIMITS)
        assert headers == HEADER and rows[0][0] == "00001" and rows[0].line == 2
        headers, rows = read_rows("a.csv", b"number\n" + b"1\n" * 1000, LIMITS)
        assert len(rows) == 1000
