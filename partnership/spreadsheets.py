"""The one spreadsheet writer (xlsx and CSV) and reader (imports) every domain uses.

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
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
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


WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "remove_timezone": True,
}


class Formats:
    """The cell formats of one workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#E8EEF4", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        # Excel's quote prefix: the cell is text, shown without the apostrophe.
        self.text = workbook.add_format({"quote_prefix": True})
        self.percent = workbook.add_format({"num_format": "0%"})
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        # A withheld count: its text ("<5" or "—") on a hatched cell, like the pages' charts, so
        # it is never read as an empty or zero value.
        self.withheld = workbook.add_format(
            {"pattern": 14, "fg_color": "#BFBFBF", "bg_color": "#FFFFFF", "align": "right"}
        )
        self._chart_labels: dict[str, Any] = {}
        self._workbook = workbook

    def chart_point(self, figure: Figure) -> Any:
        """For a withheld value on a chart's data sheet: a number format that shows its text
        whatever the number behind it (the threshold's height the bar is drawn at)."""
        text = figure.text
        if text not in self._chart_labels:
            self._chart_labels[text] = self._workbook.add_format(
                {"num_format": '"' + text.replace('"', "") + '"', "pattern": 14,
                 "fg_color": "#BFBFBF", "bg_color": "#FFFFFF", "align": "right"}
            )  # fmt: skip
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


def write_xlsx(tables: Sequence[Table]) -> bytes:
    # Constant-memory mode: each row goes to a temporary file as it is written, instead of the
    # whole sheet being kept as cell objects until the end; only the zipped file is in memory.
    output = io.BytesIO()
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
    return output.getvalue()


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


class SpreadsheetError(Exception):
    """The uploaded file is not a readable CSV or xlsx file, or is too large to import; the
    message says which, in words."""


class Row(list):
    """A data row of an uploaded file, remembering its line in the file for error reports."""

    line: int

    def __init__(self, cells: list[str], line: int) -> None:
        super().__init__(cells)
        self.line = line


@dataclass(frozen=True)
class ReadLimits:
    """How much an import may read. Checked before rows are read where the file says (file size,
    a workbook's unpacked size and declared dimensions) and while reading otherwise, so a small
    file that expands to gigabytes (a "zip bomb") or claims a million rows is refused at once."""

    max_bytes: int = 5 * 1024 * 1024
    max_unpacked_bytes: int = 60 * 1024 * 1024
    max_rows: int = 20_000
    max_columns: int = 60

    @classmethod
    def from_config(cls) -> ReadLimits:
        from flask import current_app, has_app_context

        if not has_app_context():
            return cls()
        config = current_app.config
        return cls(
            max_bytes=config.get("IMPORT_MAX_BYTES", cls.max_bytes),
            max_unpacked_bytes=config.get("IMPORT_MAX_UNPACKED_BYTES", cls.max_unpacked_bytes),
            max_rows=config.get("IMPORT_MAX_ROWS", cls.max_rows),
            max_columns=config.get("IMPORT_MAX_COLUMNS", cls.max_columns),
        )


def _megabytes(n: int) -> str:
    from flask_babel import format_decimal

    return format_decimal(round(n / 1024 / 1024, 1))


def _too_many_rows(limits: ReadLimits) -> SpreadsheetError:
    from flask_babel import format_decimal
    from flask_babel import gettext as _

    return SpreadsheetError(
        _(
            "The file has more than %(max)s rows. Split it into files of at most %(max)s rows "
            "and import them one after the other.",
            max=format_decimal(limits.max_rows),
        )
    )


def _too_many_columns(limits: ReadLimits) -> SpreadsheetError:
    from flask_babel import gettext as _

    return SpreadsheetError(
        _(
            "The file has more than %(max)s columns. Keep only the columns of the template.",
            max=limits.max_columns,
        )
    )


def read_rows(
    filename: str, data: bytes, limits: ReadLimits | None = None
) -> tuple[list[str], list[Row]]:
    """Headers and rows (as text) of an uploaded CSV or xlsx file, for imports.

    Blank lines are left out; each row keeps its line number in the file (``row.line``) so an
    error report points at the right line even when the file has blank lines. A damaged,
    too large or unreadable file raises SpreadsheetError with a message for the user."""
    from flask_babel import gettext as _

    limits = limits or ReadLimits.from_config()
    if len(data) > limits.max_bytes:
        raise SpreadsheetError(
            _(
                "The file is %(size)s MB; files of at most %(max)s MB can be imported. Split it "
                "into smaller files.",
                size=_megabytes(len(data)),
                max=_megabytes(limits.max_bytes),
            )
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, limits)
    if name.endswith(".csv"):
        return _read_csv(data, limits)
    raise SpreadsheetError(_("Upload a .csv or .xlsx file."))


def _no_nul(cells: list[str]) -> list[str]:
    from flask_babel import gettext as _

    # Text columns of PostgreSQL cannot hold NUL; a NUL in a spreadsheet is always damage.
    if any("\x00" in c for c in cells):
        raise SpreadsheetError(_("The file contains NUL characters: it is damaged or not text."))
    return cells


def _read_csv(data: bytes, limits: ReadLimits) -> tuple[list[str], list[Row]]:
    from flask_babel import gettext as _

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpreadsheetError(_("The CSV file is not UTF-8 text.")) from exc
    numbered = []
    reader = csv.reader(io.StringIO(text))
    try:
        for line, row in enumerate(reader, start=1):
            if len(row) > limits.max_columns:
                raise _too_many_columns(limits)
            cells = _no_nul([c.strip() for c in row])
            if any(cells):
                numbered.append(Row(cells, line))
                # Rows of data count (the header is one more); blank lines do not.
                if len(numbered) > limits.max_rows + 1:
                    raise _too_many_rows(limits)
    except csv.Error as exc:
        raise SpreadsheetError(
            _("The CSV file cannot be read near line %(line)s: %(problem)s.",
              line=reader.line_num, problem=str(exc))
        ) from exc  # fmt: skip
    return _split_header(numbered)


def _split_header(numbered: list[Row]) -> tuple[list[str], list[Row]]:
    from flask_babel import gettext as _

    if not numbered:
        raise SpreadsheetError(_("The file is empty."))
    return list(numbered[0]), numbered[1:]


def _check_xlsx_package(data: bytes, limits: ReadLimits) -> None:
    """Look inside the zip before openpyxl unpacks anything: a damaged package, or one whose
    members unpack to more than the limit, is refused."""
    import zipfile

    from flask_babel import gettext as _

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise SpreadsheetError(_("The file is not a valid Excel (.xlsx) workbook.")) from exc
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_unpacked_bytes:
        raise SpreadsheetError(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(max)s MB an import may "
                "read. Save only the sheet to import, or export it as CSV.",
                size=_megabytes(unpacked),
                max=_megabytes(limits.max_unpacked_bytes),
            )
        )


def _read_xlsx(data: bytes, limits: ReadLimits) -> tuple[list[str], list[Row]]:
    from flask_babel import gettext as _
    from openpyxl import load_workbook

    _check_xlsx_package(data, limits)
    damaged = SpreadsheetError(_("The file is not a valid Excel (.xlsx) workbook."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl and the XML parser raise many kinds
        raise damaged from exc
    try:
        if not workbook.worksheets:
            raise SpreadsheetError(_("The file is empty."))
        sheet = workbook.worksheets[0]
        # The sheet's declared dimension (<dimension ref="A1:C20001"/>): checked before any
        # row is read; read-only openpyxl pads every row to it, so a lie here is refused too.
        try:
            declared_rows, declared_columns = sheet.max_row, sheet.max_column
        except Exception as exc:  # noqa: BLE001 - a malformed dimension
            raise damaged from exc
        if declared_rows and declared_rows > limits.max_rows + 1:
            raise _too_many_rows(limits)
        if declared_columns and declared_columns > limits.max_columns:
            raise _too_many_columns(limits)
        # Without a declared dimension, read one column past the limit to notice a wider sheet.
        max_col = None if declared_columns else limits.max_columns + 1
        numbered = []
        for line, raw in enumerate(sheet.iter_rows(values_only=True, max_col=max_col), start=1):
            if len(raw) > limits.max_columns and raw[limits.max_columns] is not None:
                raise _too_many_columns(limits)
            cells = _no_nul(["" if v is None else _cell_text(v).strip() for v in raw])
            if max_col is not None:
                while cells and not cells[-1]:
                    cells.pop()
            if any(cells):
                numbered.append(Row(cells, line))
                if len(numbered) > limits.max_rows + 1:
                    raise _too_many_rows(limits)
    except SpreadsheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - damaged XML inside a valid zip
        raise damaged from exc
    finally:
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
    """One line of the summary sheet. ``percent``: the value is a share (0.786) shown as a
    percentage (79 %); ``note`` says what the figure means or why it is not shown."""

    label: str
    value: Any
    note: str = ""
    percent: bool = False


@dataclass
class ChartSpec:
    """A native Excel chart over a series block of the chart data sheet."""

    title: str
    categories: Sequence[str]
    series: dict[str, Sequence[float | Figure]]  # Figures come already suppressed
    kind: str = "column"


@dataclass
class ReportSheet:
    table: Table
    totals: Sequence[int] = ()  # column indexes summed in a totals row
    widths: Sequence[int] = ()  # minimum widths; the content widens a column up to MAX_WIDTH


CHART_DATA_SHEET = "Chart data"
# How a withheld value's bar is drawn: hatched, with a border, labelled with its text.
WITHHELD_POINT = {
    "pattern": {"pattern": "wide_upward_diagonal", "fg_color": "#595959", "bg_color": "#FFFFFF"},
    "border": {"color": "#595959"},
}
# Each chart takes this many rows of the charts sheet and a page of its own when printed.
CHART_ROWS = 24


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
    Sheets: Summary (filters and indicators), Charts (one chart per printed page), one sheet per
    area, and the charts' numbers on a last, hidden sheet.
    """
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, **WORKBOOK_OPTIONS})
    formats = Formats(workbook)
    bold = workbook.add_format({"bold": True})
    title_fmt = workbook.add_format({"bold": True, "font_size": 14})
    total_fmt = workbook.add_format({"bold": True, "top": 1})

    from flask_babel import pgettext

    # Sheet names in the reader's language (a context: a concern's "summary" is another word).
    summary = workbook.add_worksheet(pgettext("workbook sheet", "Summary")[:31])
    summary.write_string(0, 0, title, title_fmt)
    widths = [0, 0, 0]
    row = 2
    for label, value in filters:
        write_cell(summary, row, 0, str(label), formats, bold)
        write_cell(summary, row, 1, str(value), formats)
        widths[0], widths[1] = max(widths[0], cell_width(label)), max(widths[1], cell_width(value))
        row += 1
    row += 1
    header_row = row
    for col, header in enumerate(("Indicator", "Value", "Note")):
        summary.write_string(row, col, header, formats.header)
    row += 1
    for indicator in indicators:
        write_cell(summary, row, 0, indicator.label, formats, formats.wrap)
        value_fmt = formats.percent if indicator.percent else None
        write_cell(summary, row, 1, indicator.value, formats, value_fmt)
        write_cell(summary, row, 2, indicator.note, formats, formats.wrap)
        shown = f"{indicator.value:.0%}" if indicator.percent and isinstance(
            indicator.value, float) else indicator.value  # fmt: skip
        for col, value in enumerate((indicator.label, shown, indicator.note)):
            widths[col] = max(widths[col], cell_width(value))
        row += 1
    fit_columns(summary, widths)
    print_setup(summary, repeat_header=False)
    summary.repeat_rows(header_row)

    # Created here so it follows the summary; filled once the area sheets are written.
    charts_sheet = (
        workbook.add_worksheet(pgettext("workbook sheet", "Charts")[:31]) if charts else None
    )

    written = 0
    for sheet_spec in sheets:
        table = sheet_spec.table
        sheet = workbook.add_worksheet(table.sheet_name[:31])
        widths = [min(len(str(h)), 20) for h in table.headers]
        for col, header in enumerate(table.headers):
            sheet.write_string(0, col, str(header), formats.header)
        sheet.freeze_panes(1, 0)
        sums = dict.fromkeys(sheet_spec.totals, 0)
        r = 0
        for r, values in enumerate(table.rows, start=1):
            for col, value in enumerate(values):
                write_cell(sheet, r, col, value, formats)
                if col < len(widths):
                    widths[col] = max(widths[col], cell_width(value))
                if col in sums and sums[col] is not None:
                    sums[col] = _add_to_total(sums[col], value)
            written += 1
            if progress is not None and written % 2000 == 0:
                progress(written)
        if sums:
            total_row = r + 1
            sheet.write_string(total_row, 0, "Total", total_fmt)
            for col, value in sums.items():
                write_cell(sheet, total_row, col, value if value is not None else Figure(None),
                           formats, total_fmt if value is not None else None)  # fmt: skip
        sheet.autofilter(0, 0, max(r, 1), max(len(table.headers) - 1, 0))
        for col, minimum in enumerate(sheet_spec.widths):
            if col < len(widths):
                widths[col] = max(widths[col], minimum)
        fit_columns(sheet, widths)
        print_setup(sheet)
    if charts_sheet is not None:
        _write_charts(workbook, charts_sheet, charts, formats)
    workbook.close()
    if progress is not None:
        progress(written)
    return written


def _add_to_total(total: float, value: Any) -> float | None:
    """A totals row's running sum; a withheld cell leaves the total unknown (None), never a
    partial sum that would look complete."""
    if isinstance(value, Figure):
        if value.withheld:
            return None
        value = value.value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return total + value
    return total


def _write_charts(
    workbook: xlsxwriter.Workbook,
    sheet: Any,
    charts: Sequence[ChartSpec],
    formats: Formats,
) -> None:
    """The charts on a sheet of their own, one per printed page (a page break after each), over
    series blocks on a hidden data sheet, so no chart is ever cut by a page break."""
    data = workbook.add_worksheet(CHART_DATA_SHEET)
    data.hide()
    row = 0
    for n, spec in enumerate(charts):
        data.write_string(row, 0, spec.title, formats.header)
        row += 1
        header_row = row
        data.write_string(row, 0, "", formats.header)
        for col, name in enumerate(spec.series, start=1):
            data.write_string(row, col, str(name), formats.header)
        row += 1
        first = row
        withheld: dict[int, set[int]] = {}
        for i, category in enumerate(spec.categories):
            write_cell(data, row, 0, str(category), formats)
            for col, values in enumerate(spec.series.values(), start=1):
                value = values[i]
                if isinstance(value, Figure) and value.withheld:
                    # Drawn at the threshold's height, hatched and labelled "<5" (or "—"):
                    # never an empty bar that reads as zero beside a shown total.
                    withheld.setdefault(col, set()).add(i)
                    data.write_number(row, col, value.bar_value, formats.chart_point(value))
                else:
                    write_cell(data, row, col, value, formats)
            row += 1
        last = max(first, row - 1)
        chart = workbook.add_chart({"type": spec.kind})
        for col, values in enumerate(spec.series.values(), start=1):
            options: dict[str, Any] = {
                "name": [CHART_DATA_SHEET, header_row, col],
                "categories": [CHART_DATA_SHEET, first, 0, last, 0],
                "values": [CHART_DATA_SHEET, first, col, last, col],
            }
            if withheld.get(col):
                hidden = withheld[col]
                points = range(len(spec.categories))
                options["points"] = [WITHHELD_POINT if i in hidden else None for i in points]
                options["data_labels"] = {
                    "value": True,
                    "custom": [
                        {"value": values[i].text} if i in hidden else {"delete": True}
                        for i in points
                    ],
                }
            chart.add_series(options)
        chart.set_title({"name": spec.title})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 900, "height": 400})
        # A blank row after each page break: a chart touching the break is drawn on both pages.
        sheet.insert_chart(n * CHART_ROWS + 1, 0, chart, {"object_position": 3})
        row += 1
    data.set_column(0, 0, 24)
    sheet.set_h_pagebreaks([n * CHART_ROWS for n in range(1, len(charts))])
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_footer("&L&A&RPage &P of &N")


# ---- the one import runner ------------------------------------------------------------------
#
# read -> check every row -> write all or nothing -> report by the file's own line numbers.
# Columns are matched by a key that does not depend on the interface language: the template
# writes "Label [key]", so a template downloaded in Russian imports in English and back. A
# header that is just the key, or the label in the reader's own language, is accepted too.


class RowError(Exception):
    """What is wrong with one row (or with the file's columns, at line 1)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = str(message)


@dataclass(frozen=True)
class Column:
    key: str  # language-independent: "person_id", "pre_score", "day-2026-01-05"
    label: Any  # the header in the user's language (a lazy string)
    required: bool = True

    @property
    def header(self) -> str:
        return f"{self.label} [{self.key}]"


_KEY_SUFFIX = re.compile(r"\[([A-Za-z0-9_.:-]+)\]\s*$")


def column_key(header: str, columns: Sequence[Column]) -> str | None:
    """The key of the column a header names: its ``[key]``, the bare key, or the label in the
    reader's language."""
    text = (header or "").strip()
    match = _KEY_SUFFIX.search(text)
    if match:
        return match.group(1)
    folded = _fold(text)
    for column in columns:
        if folded in (_fold(column.key), _fold(str(column.label))):
            return column.key
    return None


def _fold(text: str) -> str:
    """A header as compared: any case, and spaces, hyphens and underscores alike ("Follow-up
    date", "follow_up_date")."""
    return re.sub(r"[\s_-]+", "_", text.strip().lower())


@dataclass
class ImportReport:
    """Errors by the file's line numbers (0: the file itself), and how many rows were written."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportRow(dict):
    """One data row as ``{key: text}``, remembering its line in the file."""

    def __init__(self, cells: dict[str, str], line: int) -> None:
        super().__init__(cells)
        self.line = line


def run_import(
    filename: str,
    data: bytes,
    columns: Sequence[Column],
    check_row: Callable[[ImportRow], Any],
    write_all: Callable[[list[Any]], None],
    *,
    extra_column: Callable[[str], str | None] | None = None,
    mismatch: str = "",
    prepare: Callable[[list[ImportRow]], None] | None = None,
) -> ImportReport:
    """Read the file, check every row with ``check_row`` (which returns what to write, or raises
    ``RowError``), and only when no row is wrong hand everything to ``write_all``. Nothing is
    written when any row is wrong; the report lists every wrong row by its line in the file.
    ``extra_column`` maps other headers to keys (a training's day columns) or raises
    ``RowError`` for a column the file must not have; ``mismatch`` opens the message of a file
    whose columns do not match the template; ``prepare`` sees every row before the first is
    checked, to load what the rows refer to in a few queries (never one per row)."""
    from flask_babel import gettext as _

    report = ImportReport()
    try:
        headers, rows = read_rows(filename, data)
    except SpreadsheetError as exc:
        report.errors.append((0, str(exc)))
        return report
    index: dict[str, int] = {}
    header_errors: list[str] = []
    for i, header in enumerate(headers):
        try:
            key = column_key(header, columns) or (extra_column(header) if extra_column else None)
        except RowError as error:
            header_errors.append(error.message)
            continue
        if key is not None and key not in index:
            index[key] = i
    missing = [str(c.label) for c in columns if c.required and c.key not in index]
    if missing or header_errors:
        parts = [mismatch] if mismatch else []
        if missing:
            parts.append(_("Missing: %(cols)s.", cols=", ".join(missing)))
        parts += header_errors
        parts.append(_("Download the template and fill it in."))
        report.errors.append((1, " ".join(str(p) for p in parts)))
        return report
    if not rows:
        report.errors.append((0, _("The file has no rows below the headers.")))
        return report
    records = [
        ImportRow({key: (row[i] if i < len(row) else "").strip() for key, i in index.items()},
                  row.line)
        for row in rows
    ]  # fmt: skip
    if prepare is not None:
        prepare(records)
    planned = []
    for record in records:
        try:
            planned.append(check_row(record))
        except RowError as error:
            report.errors.append((record.line, error.message))
    if report.errors:
        return report
    write_all(planned)
    report.rows = len(planned)
    return report
