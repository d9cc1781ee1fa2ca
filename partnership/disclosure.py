"""What a user may see of a figure: small-count suppression, decided here and nowhere else.

Officers and viewers see a count of 1 to 4 as "<5" (zero is shown: it says nothing about any
person). Where a breakdown is shown next to its total, a single withheld cell could be worked out
by subtracting the shown cells from the total, so the next smallest cell of that row or column is
withheld too (complementary suppression), and again for every row and column the new withholding
touches, until no row or column with a shown total has exactly one withheld cell.

Services call ``figure``, ``protect`` or ``protect_table`` and hand templates, charts, exports,
PDFs and workbooks values that are already suppressed: a withheld ``Figure`` does not carry the
true count, so nothing downstream can show it by mistake.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal

from partnership.permissions import is_police, reads_aggregates_only

THRESHOLD = 5
SMALL_TEXT = "<5"
# A cell of 5 or more withheld so that a "<5" beside it cannot be recomputed.
WITHHELD_TEXT = "—"


def applies_to(user: Any) -> bool:
    """The one test of whom small counts are withheld from: officers and viewers."""
    return is_police(user) or reads_aggregates_only(user)


def is_small(n: int | None) -> bool:
    return n is not None and 0 < int(n) < THRESHOLD


@dataclass(frozen=True, eq=False)
class Figure:
    """A count as one user may see it. ``value`` is None when withheld; ``small`` says whether it
    was withheld for being small ("<5") or as the complement of a small cell ("—")."""

    value: int | None
    small: bool = False

    @property
    def withheld(self) -> bool:
        return self.value is None

    @property
    def text(self) -> str:
        if self.value is None:
            return SMALL_TEXT if self.small else WITHHELD_TEXT
        return format_decimal(self.value)

    @property
    def export_value(self) -> int | str:
        """For CSV and workbook cells: the number, or the text shown in its place."""
        return self.text if self.value is None else self.value

    @property
    def bar_value(self) -> int:
        """Height for a chart: withheld values are drawn with a pattern at the threshold's
        height, never as an empty bar that looks like zero."""
        return THRESHOLD - 1 if self.value is None else self.value

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return self.value is None or self.value != 0

    def __eq__(self, other: object) -> bool:
        # A shown figure equals its number, so code and tests can compare it with plain ints.
        if isinstance(other, Figure):
            return (self.value, self.small) == (other.value, other.small)
        if isinstance(other, int) and not isinstance(other, bool):
            return self.value is not None and self.value == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.value) if self.value is not None else hash(("withheld", self.small))

    def __int__(self) -> int:
        if self.value is None:
            raise ValueError("a withheld figure has no value")
        return self.value


SHOWN_ZERO = Figure(0)


def figure(n: int | None, suppress: bool) -> Figure:
    """One count on its own (no total beside it)."""
    n = int(n or 0)
    if suppress and is_small(n):
        return Figure(None, small=True)
    return Figure(n)


def mean_shown(n: int | None, suppress: bool) -> bool:
    """Whether a mean (a score, a gain) over ``n`` people may be shown: never over nobody, and
    to the users small counts are withheld from only over enough people that nobody's own
    result can be read from it."""
    return int(n or 0) >= (THRESHOLD if suppress else 1)


def as_figure(value: Figure | int | None, suppress: bool) -> Figure:
    return value if isinstance(value, Figure) else figure(value, suppress)


def share(part: Figure, whole: Figure) -> float | None:
    """A share resting on two figures, or None (shown "—") when either is withheld: 13 % of a
    shown 23 would give a withheld "<5" away."""
    if part.withheld or whole.withheld or not whole.value:
        return None
    return part.value / whole.value


def _complement(values: Mapping[Hashable, int], groups: Sequence[tuple[list, Hashable]]) -> set:
    """The keys to withhold: small ones, plus complements until no group (members, total key)
    whose total is shown has exactly one withheld member."""
    withheld = {k for k, v in values.items() if is_small(v)}
    changed = True
    while changed:
        changed = False
        for members, total in groups:
            if total is not None and total in withheld:
                continue
            hidden = [k for k in members if k in withheld]
            if len(hidden) != 1:
                continue
            candidates = sorted(
                (values[k], i) for i, k in enumerate(members) if k not in withheld and values[k] > 0
            )
            if candidates:
                withheld.add(members[candidates[0][1]])
            elif total is not None:
                withheld.add(total)
            changed = True
    return withheld


def _figures(values: Mapping[Hashable, int], withheld: set) -> dict:
    return {
        k: Figure(None, small=is_small(v)) if k in withheld else Figure(int(v))
        for k, v in values.items()
    }


_TOTAL = ("__total__",)


def protect(
    cells: Mapping[Hashable, int], suppress: bool, total: int | None = None
) -> tuple[dict[Hashable, Figure], Figure | None]:
    """A breakdown shown next to its total (``total`` None: no total shown). Returns the cells'
    figures and the total's."""
    values = {k: int(v or 0) for k, v in cells.items()}
    if not suppress:
        return _figures(values, set()), None if total is None else Figure(int(total))
    if total is None:
        return _figures(values, _complement(values, [])), None
    values[_TOTAL] = int(total)
    withheld = _complement(values, [(list(cells), _TOTAL)])
    figures = _figures(values, withheld)
    return {k: figures[k] for k in cells}, figures[_TOTAL]


@dataclass
class Table:
    """A two-way breakdown as the user may see it: ``cells[(row, col)]``, and the totals shown."""

    cells: dict[tuple[Hashable, Hashable], Figure]
    row_totals: dict[Hashable, Figure]
    col_totals: dict[Hashable, Figure]
    grand_total: Figure | None

    def cell(self, row: Hashable, col: Hashable) -> Figure:
        return self.cells.get((row, col), SHOWN_ZERO)


def protect_table(
    cells: Mapping[tuple[Hashable, Hashable], int],
    rows: Iterable[Hashable],
    cols: Iterable[Hashable],
    suppress: bool,
    row_totals: bool = False,
    col_totals: bool = False,
    grand_total: bool = False,
) -> Table:
    """A rows × columns breakdown with the totals the page shows, suppressed across rows and
    columns alike (and across the totals themselves, against the grand total)."""
    rows, cols = list(rows), list(cols)
    values: dict[Hashable, int] = {(r, c): int(cells.get((r, c)) or 0) for r in rows for c in cols}
    row_keys = {r: ("__row__", r) for r in rows}
    col_keys = {c: ("__col__", c) for c in cols}
    grand_key = ("__grand__",)
    groups: list[tuple[list, Hashable]] = []
    if row_totals:
        for r in rows:
            values[row_keys[r]] = sum(values[(r, c)] for c in cols)
            groups.append(([(r, c) for c in cols], row_keys[r]))
    if col_totals:
        for c in cols:
            values[col_keys[c]] = sum(values[(r, c)] for r in rows)
            groups.append(([(r, c) for r in rows], col_keys[c]))
    if grand_total:
        values[grand_key] = sum(values[(r, c)] for r in rows for c in cols)
        if row_totals:
            groups.append(([row_keys[r] for r in rows], grand_key))
        if col_totals:
            groups.append(([col_keys[c] for c in cols], grand_key))
    withheld = _complement(values, groups) if suppress else set()
    figures = _figures(values, withheld)
    return Table(
        cells={(r, c): figures[(r, c)] for r in rows for c in cols},
        row_totals={r: figures[row_keys[r]] for r in rows} if row_totals else {},
        col_totals={c: figures[col_keys[c]] for c in cols} if col_totals else {},
        grand_total=figures[grand_key] if grand_total else None,
    )


def protect_groups(
    cells: Mapping[Hashable, int],
    groups: Sequence[tuple[Sequence[Hashable], Hashable]],
    suppress: bool,
) -> dict[Hashable, Figure]:
    """Cells that add up, group by group, to totals shown elsewhere (a workbook sheet whose
    totals are on its summary sheet, a breakdown in more than two ways). Each group is (member
    keys, a name for its total); the totals count as known to the reader whatever is decided
    for them where they are shown, so no group is left with exactly one withheld member."""
    values = {k: int(v or 0) for k, v in cells.items()}
    if not suppress:
        return _figures(values, set())
    withheld = _complement(values, [([k for k in m if k in values], t) for m, t in groups])
    return _figures(values, withheld & set(values))


def place_groups(stations: Sequence[Any]) -> list[tuple[list, Hashable]]:
    """The totals per-station counts add up to where the dashboard shows them: the programme's,
    each command's and each country's (stations: anything with ``id``, ``command_id`` and
    ``country``)."""
    groups: list[tuple[list, Hashable]] = [([s.id for s in stations], ("programme",))]
    by_command: dict[Hashable, list] = {}
    by_country: dict[Hashable, list] = {}
    for s in stations:
        if s.command_id:
            by_command.setdefault(s.command_id, []).append(s.id)
        by_country.setdefault(s.country, []).append(s.id)
    groups += [(ids, ("command", c)) for c, ids in by_command.items()]
    groups += [(ids, ("country", c)) for c, ids in by_country.items()]
    return groups


def protect_stations(
    cells: Mapping[Hashable, int], stations: Sequence[Any], suppress: bool
) -> dict[Hashable, Figure]:
    """One count per station (every station listed; missing ones count 0), protected as a
    breakdown of the programme's, each command's and each country's totals."""
    values = {s.id: cells.get(s.id, 0) for s in stations}
    return protect_groups(values, place_groups(stations), suppress)


def recoverable(groups: Sequence[tuple[Sequence[Hashable], Hashable]], shown: Mapping) -> set:
    """The withheld keys an attacker can work out by repeated subtraction: any group whose total
    is known and whose members are all known but one gives that one away. ``shown`` maps keys to
    a number, or None when withheld. Used by the tests as the attacker's side."""
    known = {k: v for k, v in shown.items() if v is not None}
    found: set = set()
    changed = True
    while changed:
        changed = False
        for members, total in groups:
            unknown = [k for k in members if k not in known]
            if total in known and len(unknown) == 1:
                known[unknown[0]] = known[total] - sum(known[k] for k in members if k in known)
                found.add(unknown[0])
                changed = True
            elif total not in known and not unknown and total is not None:
                known[total] = sum(known[k] for k in members)
                found.add(total)
                changed = True
    return found
