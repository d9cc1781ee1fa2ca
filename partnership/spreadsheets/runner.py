"""The one import runner: read -> check every row -> write all or nothing -> report by the
file's own line numbers.

Columns are matched by a key that does not depend on the interface language: the template
writes "Label [key]", so a template downloaded in Russian imports in English and back. A header
that is just the key, or the label in the reader's own language, is accepted too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from partnership.forms import FieldError
from partnership.spreadsheets.reader import SpreadsheetError, read_rows


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
    help: Any = ""  # what to put there, for a template's help sheet (a lazy string)

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
    result: Any = None  # what ``write_all`` returned

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
    write_all: Callable[[list[Any]], Any],
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
    records, errors = read_import(
        filename, data, columns, extra_column=extra_column, mismatch=mismatch
    )
    if errors:
        return ImportReport(errors=errors)
    return run_rows(records, check_row, write_all, prepare=prepare)


def read_import(
    filename: str,
    data: bytes,
    columns: Sequence[Column],
    *,
    extra_column: Callable[[str], str | None] | None = None,
    mismatch: str = "",
) -> tuple[list[ImportRow], list[tuple[int, str]]]:
    """The first half of ``run_import``: the file's rows by column key, or what is wrong with
    the file as a whole (line 0: unreadable or empty; line 1: its columns)."""
    from flask_babel import gettext as _

    try:
        headers, rows = read_rows(filename, data)
    except SpreadsheetError as exc:
        return [], [(0, str(exc))]
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
        return [], [(1, " ".join(str(p) for p in parts))]
    if not rows:
        return [], [(0, _("The file has no rows below the headers."))]
    records = [
        ImportRow({key: (row[i] if i < len(row) else "").strip() for key, i in index.items()},
                  row.line)
        for row in rows
    ]  # fmt: skip
    return records, []


def run_rows(
    records: list[ImportRow],
    check_row: Callable[[ImportRow], Any],
    write_all: Callable[[list[Any]], Any],
    *,
    prepare: Callable[[list[ImportRow]], None] | None = None,
) -> ImportReport:
    """The second half of ``run_import``, for rows read earlier (a review step between reading
    and writing carries them in a signed form field): check all, then write all or none. A
    service's ``FieldError`` refuses the row it was checking, or, raised by the write, the file
    (line 0)."""
    report = ImportReport()
    if prepare is not None:
        prepare(records)
    planned = []
    for record in records:
        try:
            planned.append(check_row(record))
        except (RowError, FieldError) as error:  # a service's check refuses the row
            report.errors.append((record.line, error.message))
    if report.errors:
        return report
    try:
        report.result = write_all(planned)
    except FieldError as error:  # a rule only the write could check: the caller rolls back
        report.errors.append((0, error.message))
        return report
    report.rows = len(planned)
    return report
