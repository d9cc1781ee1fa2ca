"""Spreadsheets, in and out, for every domain: the one writer of xlsx and CSV downloads
(``writer``), the one reader of uploaded files (``reader``), the one import runner that checks
every row and writes all or none (``runner``), and the programme report workbook (``report``).
"""

from partnership.spreadsheets.reader import ReadLimits, Row, SpreadsheetError, read_rows
from partnership.spreadsheets.report import ChartSpec, Indicator, ReportSheet, write_report_workbook
from partnership.spreadsheets.runner import (
    Column,
    ImportReport,
    ImportRow,
    RowError,
    column_key,
    read_import,
    run_import,
    run_rows,
)
from partnership.spreadsheets.writer import (
    XLSX_MIMETYPE,
    Streamed,
    Table,
    csv_chunks,
    neutralise,
    send_table,
    streamed,
    streamed_rows,
    write_csv,
    write_xlsx,
)

__all__ = [
    "XLSX_MIMETYPE",
    "ChartSpec",
    "Column",
    "ImportReport",
    "ImportRow",
    "Indicator",
    "ReadLimits",
    "ReportSheet",
    "Row",
    "RowError",
    "SpreadsheetError",
    "Streamed",
    "Table",
    "column_key",
    "csv_chunks",
    "neutralise",
    "read_import",
    "read_rows",
    "run_import",
    "run_rows",
    "send_table",
    "streamed",
    "streamed_rows",
    "write_csv",
    "write_report_workbook",
    "write_xlsx",
]
