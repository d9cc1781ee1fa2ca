"""The one spreadsheet writer (xlsx and CSV) and reader (imports) every domain uses.

Exports are a header row plus rows of plain values; a view turns them into a download with
``send_table``. Cells that a spreadsheet program would run as a formula are written as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter
from flask import Response, abort

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    sheet_name: str = "Data"


def neutralise(value: Any) -> Any:
    """Make a text cell inert in spreadsheet programs (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_value(h) for h in table.headers])
    for row in table.rows:
        writer.writerow([_csv_value(v) for v in row])
    # A byte-order mark lets Excel open UTF-8 (Cyrillic, Swahili names) correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def write_xlsx(tables: Sequence[Table]) -> bytes:
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        output,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    header_fmt = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    for table in tables:
        sheet = workbook.add_worksheet(table.sheet_name[:31])
        widths = [len(str(h)) for h in table.headers]
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, str(header), header_fmt)
        row_index = 0
        for row_index, row in enumerate(table.rows, start=1):
            for col, value in enumerate(row):
                _write_cell(sheet, row_index, col, value, date_fmt, datetime_fmt)
                if col < len(widths):
                    widths[col] = max(widths[col], min(len(str(value or "")), 60))
        sheet.freeze_panes(1, 0)
        if table.headers:
            sheet.autofilter(0, 0, max(row_index, 1), len(table.headers) - 1)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width + 2)
    workbook.close()
    return output.getvalue()


def _write_cell(sheet, row, col, value, date_fmt, datetime_fmt) -> None:  # noqa: ANN001
    if value is None:
        sheet.write_blank(row, col, None)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, datetime_fmt)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), date_fmt)
    else:
        # Written as a string cell, never parsed as a formula; the prefix keeps a copy-paste
        # of the cell into another sheet inert too.
        sheet.write_string(row, col, str(neutralise(value)))


def send_table(table: Table, filename: str, fmt: str) -> Response:
    """A download of ``table`` as ``filename``.csv or .xlsx."""
    if fmt == "csv":
        body, mimetype = write_csv(table), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = write_xlsx([table]), XLSX_MIMETYPE
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


class SpreadsheetError(Exception):
    """The uploaded file is not a readable CSV or xlsx file."""


def read_rows(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """Headers and rows (as text) of an uploaded CSV or xlsx file, for imports."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise SpreadsheetError("Upload a .csv or .xlsx file.")


def _read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError("The CSV file is not UTF-8 text.") from exc
    rows = [row for row in csv.reader(io.StringIO(text)) if any(c.strip() for c in row)]
    if not rows:
        raise SpreadsheetError("The file is empty.")
    return [h.strip() for h in rows[0]], [[c.strip() for c in row] for row in rows[1:]]


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SpreadsheetError("The file is not a valid Excel (.xlsx) workbook.") from exc
    sheet = workbook.worksheets[0]
    rows = []
    for raw in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else _cell_text(v) for v in raw]
        if any(c.strip() for c in cells):
            rows.append([c.strip() for c in cells])
    workbook.close()
    if not rows:
        raise SpreadsheetError("The file is empty.")
    return rows[0], rows[1:]


def _cell_text(value: Any) -> str:
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
