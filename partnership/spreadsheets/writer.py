"""The one spreadsheet writer (xlsx and CSV) every export uses.

Exports are a header row plus rows of plain values; a view turns them into a download with
``send_table``. Cells that a spreadsheet program would run as a formula are written as text: in
CSV with a leading apostrophe (CSV has no cell types), in xlsx as a string cell with Excel's
"quote prefix" style, so the cell shows the text as typed and stays text when edited.

Every sheet prints readably: columns as wide as their content (capped), landscape, one page
wide, the header row repeated on every page.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import xlsxwriter
from flask import Response, abort, stream_with_context
from sqlalchemy import Select

from partnership.disclosure import Figure
from partnership.extensions import db

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Column widths in characters: at least a short header's, at most what fits on a page.
MIN_WIDTH, MAX_WIDTH = 8, 50
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
    if value.__class__ is str:  # most cells: checked first, a 200,000-row download is 1.6M cells
        return "'" + value if value.startswith(FORMULA_PREFIXES) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(table: Table, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The CSV file in pieces of a few hundred rows, so a download of any length starts at
    once and never holds the whole file in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # A byte-order mark lets Excel open UTF-8 (Cyrillic, Swahili names) correctly.
    buffer.write("\ufeff")
    writer.writerow([_csv_value(h) for h in table.headers])
    for n, row in enumerate(table.rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def write_csv(table: Table) -> bytes:
    return b"".join(csv_chunks(table))


class Streamed:
    """The rows of a download, read from the database in batches while the file is written:
    the query runs when the rows are first iterated (for a CSV download, while it is sent)."""

    def __init__(self, stmt: Select, batch: int = 500) -> None:
        self.stmt = stmt.execution_options(yield_per=batch)

    def __iter__(self) -> Iterator[Any]:
        yield from db.session.scalars(self.stmt)


def streamed(stmt: Select, batch: int = 500) -> Streamed:
    return Streamed(stmt, batch)


class StreamedRows(Streamed):
    """The same for a query of plain columns: rows are tuples, no objects are built."""

    def __iter__(self) -> Iterator[Any]:
        for row in db.session.execute(self.stmt):
            yield tuple(row)


def streamed_rows(stmt: Select, batch: int = 2000) -> StreamedRows:
    return StreamedRows(stmt, batch)


DATE_FORMAT = "yyyy-mm-dd"
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}


# A withheld count's cell: hatched (Excel's light upward diagonal), right-aligned like numbers.
WITHHELD_CELL = {"pattern": 14, "fg_color": "#BFBFBF", "bg_color": "#FFFFFF", "align": "right"}


class Formats:
    """The cell formats of one workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        # Excel's quote prefix: the cell is text, shown without the apostrophe.
        self.text = workbook.add_format({"quote_prefix": True})
        self.percent = workbook.add_format({"num_format": "0%"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        # A withheld count: its text ("<5" or "—") on a hatched cell, like the pages' charts, so
        # it is never read as an empty or zero value.
        self.withheld = workbook.add_format(WITHHELD_CELL)
        self._chart_labels: dict[str, Any] = {}
        self._workbook = workbook

    def chart_point(self, figure: Figure) -> Any:
        """For a withheld value on a chart's data sheet: a number format that shows its text
        whatever the number behind it (the threshold's height the bar is drawn at)."""
        text = figure.text
        if text not in self._chart_labels:
            number_format = '"' + text.replace('"', "") + '"'
            self._chart_labels[text] = self._workbook.add_format(
                {**WITHHELD_CELL, "num_format": number_format}
            )
        return self._chart_labels[text]


def cell_width(value: Any) -> int:
    """Characters a cell needs to be read whole."""
    if isinstance(value, Figure):
        value = value.export_value
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:,.2f}")
    text = str(value)
    return max((len(line) for line in text.splitlines()), default=0)


def fit_columns(sheet, widths: Sequence[int]) -> None:  # noqa: ANN001
    """Columns as wide as their longest cell, between MIN_WIDTH and MAX_WIDTH; longer text wraps."""
    for col, width in enumerate(widths):
        sheet.set_column(col, col, min(max(width, MIN_WIDTH), MAX_WIDTH) + 2)


def print_setup(sheet, repeat_header: bool = True) -> None:  # noqa: ANN001
    """Landscape A4, one page wide and as many pages long as needed, the header row repeated."""
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&L&A&RPage &P of &N")
    if repeat_header:
        sheet.repeat_rows(0)


def write_xlsx(tables: Sequence[Table], path: str | None = None) -> bytes:
    """The workbook's bytes, or, given ``path``, the workbook written to that file (b"")."""
    # Constant-memory mode: each row goes to a temporary file as it is written, instead of the
    # whole sheet being kept as cell objects until the end; only the zipped file is in memory
    # (none of it when written to a file).
    output = path or io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {"constant_memory": True, **WORKBOOK_OPTIONS})
    formats = Formats(workbook)
    for table in tables:
        sheet = workbook.add_worksheet(table.sheet_name[:31])
        widths = [min(len(str(h)), 20) for h in table.headers]
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, str(header), formats.header)
        row_index = 0
        for row_index, row in enumerate(table.rows, start=1):
            for col, value in enumerate(row):
                write_cell(sheet, row_index, col, value, formats)
                if col < len(widths):
                    widths[col] = max(widths[col], cell_width(value))
        sheet.freeze_panes(1, 0)
        if table.headers:
            sheet.autofilter(0, 0, max(row_index, 1), len(table.headers) - 1)
        fit_columns(sheet, widths)
        print_setup(sheet)
    workbook.close()
    return b"" if path else output.getvalue()


def write_cell(sheet, row: int, col: int, value: Any, formats: Formats, fmt=None) -> None:  # noqa: ANN001
    """One cell of its own type; text is always a string cell, never parsed as a formula."""
    if isinstance(value, Figure):  # already suppressed for the reader: the number or "<5"
        if value.withheld and fmt is None:
            fmt = formats.withheld
        value = value.export_value
    if value is None:
        sheet.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        sheet.write_number(row, col, value, fmt)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value, fmt or formats.datetime)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day),
                             fmt or formats.date)  # fmt: skip
    else:
        text = str(value)
        # A string cell is never run as a formula; the quote prefix keeps it text when someone
        # edits the cell or pastes it elsewhere, without showing an apostrophe.
        quoted = text.startswith(FORMULA_PREFIXES)
        sheet.write_string(row, col, text, formats.text if quoted and fmt is None else fmt)


def send_table(table: Table, filename: str, fmt: str, stream: bool = False) -> Response:
    """A download of ``table`` as ``filename``.csv or .xlsx. With ``stream`` (rows from
    ``streamed``), a CSV is sent while its rows are read, in constant memory."""
    if fmt == "csv" and stream:
        body, mimetype = stream_with_context(csv_chunks(table)), "text/csv; charset=utf-8"
    elif fmt == "csv":
        body, mimetype = write_csv(table), "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body, mimetype = write_xlsx([table]), XLSX_MIMETYPE
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
