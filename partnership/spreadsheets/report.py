"""Programme report workbooks: a summary sheet of indicators, native Excel charts, and one sheet
per area, written in constant memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import xlsxwriter

from partnership.disclosure import Figure
from partnership.spreadsheets.writer import (
    DATE_FORMAT,
    FORMULA_PREFIXES,
    MAX_WIDTH,
    WORKBOOK_OPTIONS,
    Formats,
    Table,
    cell_width,
    fit_columns,
    print_setup,
    write_cell,
)


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
    workbook = xlsxwriter.Workbook(
        path, {"constant_memory": True, **WORKBOOK_OPTIONS, "default_date_format": DATE_FORMAT}
    )
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
            if _plain_row(values):
                # Text, numbers and blanks only: one call for the row, as raw xlsxwriter writes.
                sheet.write_row(r, 0, values)
            else:
                for col, value in enumerate(values):
                    write_cell(sheet, r, col, value, formats)
            if r <= MEASURED_ROWS:
                for col, value in enumerate(values[: len(widths)]):
                    # A column already at its widest needs no more measuring.
                    if widths[col] < MAX_WIDTH:
                        widths[col] = max(widths[col], cell_width(value))
            for col in sums:
                if sums[col] is not None and col < len(values):
                    sums[col] = _add_to_total(sums[col], values[col])
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


# Columns are as wide as their widest cell among the first rows of a sheet: a long sheet's
# columns are not measured cell by cell to the end (longer text wraps anyway).
MEASURED_ROWS = 2000
# Dates written without a format take the workbook's default one, the one ``write_cell`` gives.
_PLAIN_TYPES = frozenset({str, int, float, date, type(None)})


def _plain_row(values: Sequence[Any]) -> bool:
    """Whether ``write_row`` writes this row exactly as ``write_cell`` would, cell by cell: only
    text that cannot be read as a formula, numbers, dates (the workbook's default date format is
    ``write_cell``'s) and blanks; no times, no withheld counts, no booleans."""
    for value in values:
        kind = type(value)
        if kind not in _PLAIN_TYPES or (kind is str and value.startswith(FORMULA_PREFIXES)):
            return False
    return True


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
