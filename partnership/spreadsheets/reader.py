"""The one reader of uploaded CSV and xlsx files: rows as text, each with its line in the file,
after the file's size, unpacked size, dimensions and row count are checked (in words when
refused, before rows are read wherever the file says how large it is)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


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
