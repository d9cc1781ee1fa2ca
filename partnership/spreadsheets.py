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

from partnership.disclosure import Figure

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
    if isinstance(value, Figure):  # already suppressed for the reader: the number or "<5"
        value = value.export_value
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


class Row(list):
    """A data row of an uploaded file, remembering its line in the file for error reports."""

    line: int

    def __init__(self, cells: list[str], line: int) -> None:
        super().__init__(cells)
        self.line = line


def read_rows(filename: str, data: bytes) -> tuple[list[str], list[Row]]:
    """Headers and rows (as text) of an uploaded CSV or xlsx file, for imports.

    Blank lines are left out; each row keeps its line number in the file (``row.line``) so an
    error report points at the right line even when the file has blank lines."""
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
    numbered = [
        Row([c.strip() for c in row], line)
        for line, row in enumerate(csv.reader(io.StringIO(text)), start=1)
        if any(c.strip() for c in row)
    ]
    return _split_header(numbered)


def _split_header(numbered: list[Row]) -> tuple[list[str], list[Row]]:
    if not numbered:
        raise SpreadsheetError("The file is empty.")
    return list(numbered[0]), numbered[1:]


def _read_xlsx(data: bytes) -> tuple[list[str], list[list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise SpreadsheetError("The file is not a valid Excel (.xlsx) workbook.") from exc
    sheet = workbook.worksheets[0]
    numbered = []
    for line, raw in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else _cell_text(v).strip() for v in raw]
        if any(cells):
            numbered.append(Row(cells, line))
    workbook.close()
    return _split_header(numbered)


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


# ---- programme report workbooks -----------------------------------------------------------------


@dataclass
class Indicator:
    label: str
    value: Any
    note: str = ""


@dataclass
class ChartSpec:
    """A native Excel chart over rows of the summary sheet's series block."""

    title: str
    categories: Sequence[str]
    series: dict[str, Sequence[float | Figure]]  # Figures come already suppressed
    kind: str = "column"


@dataclass
class ReportSheet:
    table: Table
    totals: Sequence[int] = ()  # column indexes summed in a totals row
    widths: Sequence[int] = ()


def write_report_workbook(
    path: str,
    title: str,
    filters: Sequence[tuple[str, str]],
    indicators: Sequence[Indicator],
    charts: Sequence[ChartSpec],
    sheets: Sequence[ReportSheet],
    progress: Any = None,
) -> int:
    """Write a programme report to ``path`` in constant-memory mode; return the rows written.

    Rows stream from each sheet's iterator to disk as they come, so a report of hundreds of
    thousands of rows never sits in memory. ``progress(rows_done)`` is called every 2,000 rows.
    """
    workbook = xlsxwriter.Workbook(
        path,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    bold = workbook.add_format({"bold": True})
    title_fmt = workbook.add_format({"bold": True, "font_size": 14})
    header_fmt = workbook.add_format({"bold": True, "bg_color": "#E8EEF4", "border": 1})
    total_fmt = workbook.add_format({"bold": True, "top": 1})
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_fmt = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})

    summary = workbook.add_worksheet("Summary")
    summary.set_column(0, 0, 48)
    summary.set_column(1, 1, 16)
    summary.set_column(2, 12, 14)
    summary.write_string(0, 0, neutralise(title), title_fmt)
    row = 2
    for label, value in filters:
        summary.write_string(row, 0, neutralise(label), bold)
        summary.write_string(row, 1, neutralise(str(value)))
        row += 1
    row += 1
    summary.write_string(row, 0, "Indicator", header_fmt)
    summary.write_string(row, 1, "Value", header_fmt)
    summary.write_string(row, 2, "Note", header_fmt)
    row += 1
    for indicator in indicators:
        summary.write_string(row, 0, neutralise(indicator.label))
        _write_cell(summary, row, 1, indicator.value, date_fmt, datetime_fmt)
        if indicator.note:
            summary.write_string(row, 2, neutralise(indicator.note))
        row += 1
    row += 1
    chart_anchor_row = row
    # Series blocks for the charts, written below the indicators in the same sheet (rows must
    # be written in order in constant-memory mode), then the charts that read them.
    for spec in charts:
        summary.write_string(row, 0, neutralise(spec.title), bold)
        row += 1
        header_row = row
        summary.write_string(row, 0, "", header_fmt)
        for col, name in enumerate(spec.series, start=1):
            summary.write_string(row, col, neutralise(name), header_fmt)
        row += 1
        first = row
        withheld: dict[int, set[int]] = {}
        for i, category in enumerate(spec.categories):
            summary.write_string(row, 0, neutralise(str(category)))
            for col, values in enumerate(spec.series.values(), start=1):
                value = values[i]
                if isinstance(value, Figure):
                    if value.withheld:
                        withheld.setdefault(col, set()).add(i)
                    value = value.export_value
                _write_cell(summary, row, col, value, date_fmt, datetime_fmt)
            row += 1
        last = max(first, row - 1)
        chart = workbook.add_chart({"type": spec.kind})
        for col in range(1, len(spec.series) + 1):
            options: dict[str, Any] = {
                "name": ["Summary", header_row, col],
                "categories": ["Summary", first, 0, last, 0],
                "values": ["Summary", first, col, last, col],
            }
            if withheld.get(col):
                # A withheld count is labelled as such on the chart, not left as a bare gap
                # that reads as zero.
                values = list(spec.series.values())[col - 1]
                options["data_labels"] = {
                    "value": True,
                    "custom": [
                        {"value": values[i].text} if i in withheld[col] else {"delete": True}
                        for i in range(len(spec.categories))
                    ],
                }
            chart.add_series(options)
        chart.set_title({"name": spec.title})
        chart.set_legend({"position": "bottom"})
        summary.insert_chart(chart_anchor_row, 4, chart, {"x_scale": 1.2, "y_scale": 1.0})
        chart_anchor_row += 16
        row += 1

    written = 0
    for sheet_spec in sheets:
        table = sheet_spec.table
        sheet = workbook.add_worksheet(table.sheet_name[:31])
        for col, header in enumerate(table.headers):
            width = sheet_spec.widths[col] if col < len(sheet_spec.widths) else len(str(header)) + 4
            sheet.set_column(col, col, max(width, 10))
            sheet.write_string(0, col, str(header), header_fmt)
        sheet.freeze_panes(1, 0)
        sums = dict.fromkeys(sheet_spec.totals, 0)
        r = 0
        for r, values in enumerate(table.rows, start=1):
            for col, value in enumerate(values):
                _write_cell(sheet, r, col, value, date_fmt, datetime_fmt)
                if col in sums and isinstance(value, (int, float)) and not isinstance(value, bool):
                    sums[col] += value
            written += 1
            if progress is not None and written % 2000 == 0:
                progress(written)
        if sums:
            total_row = r + 1
            sheet.write_string(total_row, 0, "Total", total_fmt)
            for col, value in sums.items():
                sheet.write_number(total_row, col, value, total_fmt)
        sheet.autofilter(0, 0, max(r, 1), max(len(table.headers) - 1, 0))
    workbook.close()
    if progress is not None:
        progress(written)
    return written
