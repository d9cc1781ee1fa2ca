"""What the onboarding imports (organisations, people, accounts) share, on top of the one import
runner (``partnership.spreadsheets.run_import``): columns with help text, the preview's planned
rows and fingerprint, and finding organisations by reference or name.

Each row is matched to a stored record by its ``reference`` column only (the programme's own
code, compared without regard to case; never a guess from a name): a known reference updates
that record, a new one creates a record. Empty cells leave a stored value as it is. Everything
the file refers to is loaded in a few queries before the rows are checked (the runner's
``prepare``), and new records are written in bulk, so a file of thousands of officers takes
seconds. The caller runs it inside one transaction: the preview rolls it back, the confirmation
commits it, and any row's error leaves nothing written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.spreadsheets import Column, ImportRow, RowError, Table, run_import


def column(key: str, help: object, required: bool = False) -> Column:  # noqa: A002
    """An onboarding column: its header is its key, the same in every interface language; the
    template's help sheet says what to put there."""
    return Column(key, key, required, help)


@dataclass
class PlannedRow:
    line: int
    action: str  # "create", "update" or "unchanged"
    key: str
    label: str
    changed: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def fingerprint(self) -> str:
        """What the import would do: the confirmation is refused if this changed since the
        preview (someone edited the same records meanwhile)."""
        digest = hashlib.sha256()
        for r in self.rows:
            digest.update(f"{r.line}|{r.action}|{r.key}|{','.join(r.changed)}\n".encode())
        return digest.hexdigest()


def run_onboarding(
    filename: str,
    data: bytes,
    columns: Sequence[Column],
    prepare: Callable[[list[ImportRow]], None],
    check_row: Callable[[ImportRow], Any],
    write_all: Callable[[list[Any], list[tuple[int, str]]], list[PlannedRow]],
) -> ImportOutcome:
    """The runner with the onboarding contract: ``write_all(planned, errors)`` returns what it
    did row by row, and may add errors a write found (the caller then rolls back)."""
    write_errors: list[tuple[int, str]] = []
    report = run_import(
        filename, data, columns, check_row,
        lambda planned: write_all(planned, write_errors), prepare=prepare,
    )  # fmt: skip
    rows = sorted(report.result or [], key=lambda r: r.line)
    return ImportOutcome(rows=rows, errors=sorted(report.errors + write_errors))


def template_table(columns: Sequence[Column], example: list[list[str]], sheet: str) -> Table:
    return Table([c.key for c in columns], example, sheet_name=sheet)


def help_table(columns: Sequence[Column]) -> Table:
    return Table(
        [_("Column"), _("Required"), _("What to put there")],
        [[c.key, _("yes") if c.required else "", str(c.help)] for c in columns],
        sheet_name=_("Help"),
    )


def problems_of(problems: list[str]) -> None:
    """Refuse the row with everything wrong with it."""
    if problems:
        raise RowError("; ".join(problems))


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())  # the template's form, and the quickest to read
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def choice(text: str, members: Iterable) -> object | None:
    """An enum member from its stored value, in any case."""
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    for member in members:
        if key == member.value:
            return member
    return None


def values_of(members: Iterable) -> str:
    return ", ".join(m.value for m in members)


def reference_and_kind(
    row: ImportRow, kinds: Iterable, repeated: dict[int, int], problems: list[str]
) -> tuple[str, object | None]:
    """What every onboarding row starts with: its reference (present, once in the file) and
    its kind (one of ``kinds``); what is wrong goes to ``problems``."""
    reference = row.get("reference", "")
    if not reference:
        problems.append(_("the reference is missing (it is how later imports find the row)"))
    elif row.line in repeated:
        problems.append(_("the reference is also on line %(line)d", line=repeated[row.line]))
    kind = choice(row.get("kind", ""), kinds)
    if kind is None:
        problems.append(_("unknown kind (use one of: %(v)s)", v=values_of(kinds)))
    return reference, kind


def texts_of(row: ImportRow, keys: Iterable[str]) -> dict[str, str]:
    """The row's filled-in text columns among ``keys`` (an empty cell changes nothing)."""
    return {key: row.get(key, "") for key in keys if row.get(key, "")}


def duplicates(rows: Sequence[ImportRow], keys: list[str]) -> dict[int, int]:
    """Row line -> the line where the same key first appeared, for repeated keys."""
    first: dict[str, int] = {}
    repeated: dict[int, int] = {}
    for row, key in zip(rows, keys, strict=True):
        if not key:
            continue
        folded = key.lower()
        if folded in first:
            repeated[row.line] = first[folded]
        else:
            first[folded] = row.line
    return repeated


class OrganisationFinder:
    """Every organisation, loaded once, found by reference or by an exact, unique name."""

    def __init__(self) -> None:
        self.all = list(db.session.scalars(select(Organisation)))
        self.by_reference = {o.reference.lower(): o for o in self.all if o.reference}
        self.by_name: dict[str, list[Organisation]] = {}
        for org in self.all:
            self.by_name.setdefault(org.name.strip().lower(), []).append(org)

    def find(self, text: str) -> tuple[Organisation | None, str | None]:
        """The organisation ``text`` names, or why none (unknown, or several of that name)."""
        folded = text.strip().lower()
        if folded in self.by_reference:
            return self.by_reference[folded], None
        named = self.by_name.get(folded, [])
        if len(named) == 1:
            return named[0], None
        if named:
            return None, _(
                "several organisations are called “%(name)s”: use its reference", name=text
            )
        return None, _("unknown organisation “%(name)s”", name=text)


def set_if_changed(obj: object, values: dict, changed: list[str]) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(key)
