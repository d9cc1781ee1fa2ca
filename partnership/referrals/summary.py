"""The slips summary: slips issued and redeemed per scheme, station, route and month of issue
(``SlipCount``), kept in step with the slips and redemptions in the same transaction as every
write, and read by the figures instead of every slip and redemption.

Kept in step:
- writes through the ORM (the slip and visit forms, the demo, any later edit or deletion) by a
  hook on every flush, which adds up what the flush changed and writes it in one statement;
- rows written past the ORM (the slip book and register imports) by ``slips_added`` and
  ``redemptions_added``, called by those writers with all their rows at once.
Each change is an increment (``issued = issued + n``) of the rows it touches, inserted when
missing: two transactions counting the same month wait for each other's row on PostgreSQL and
queue for the write lock on SQLite, and neither loses the other's count.

Read: ``slip_counts`` answers "slips issued between two dates, and how many of them were
redeemed", grouped by what the caller asks for. Whole months come from the summary; the days of
a month the period only partly covers come from the slips themselves (at most two partial months
whatever the length of the period), so the answer is exactly the plain query's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    case,
    delete,
    event,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from partnership.database import date_month, date_year
from partnership.referrals.models import Redemption, Route, Slip, SlipCount

Key = tuple[int, int, str, date]  # scheme, station, route, month of issue
LOOKUP_CHUNK = 20_000
_SLIP_KEY_ATTRS = ("scheme_id", "station_id", "route", "issued_on")


def month_of(day: date) -> date:
    return day.replace(day=1)


def _key(scheme_id: int, station_id: int, route: Any, issued_on: date) -> Key:
    return (int(scheme_id), int(station_id), Route(route).value, month_of(issued_on))


# ---- writing -----------------------------------------------------------------------------------


class _Deltas:
    """What a write changes in the summary: {key: [issued, redeemed]}."""

    def __init__(self) -> None:
        self.rows: dict[Key, list[int]] = defaultdict(lambda: [0, 0])

    def add(self, key: Key, issued: int = 0, redeemed: int = 0) -> None:
        row = self.rows[key]
        row[0] += issued
        row[1] += redeemed

    def write(self, connection: Connection) -> None:
        changes = [(k, v) for k, v in sorted(self.rows.items()) if v[0] or v[1]]
        if not changes:
            return
        table = SlipCount.__table__
        dialect = connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.scheme_id, table.c.station_id, table.c.route, table.c.month],
            set_={
                "issued": table.c.issued + stmt.excluded.issued,
                "redeemed": table.c.redeemed + stmt.excluded.redeemed,
            },
        )
        # In the order of the key, so that two imports never wait for each other in a circle.
        connection.execute(
            stmt,
            [
                {"scheme_id": s, "station_id": st, "route": r, "month": m,
                 "issued": n, "redeemed": red}
                for (s, st, r, m), (n, red) in changes
            ],
        )  # fmt: skip
        if any(n < 0 or red < 0 for _k, (n, red) in changes):
            # A slip deleted or moved: a month left with nothing is no row at all, as in the
            # plain query's groups.
            connection.execute(delete(table).where(table.c.issued == 0, table.c.redeemed == 0))


def _slip_keys(connection: Connection, slip_ids: Iterable[int]) -> dict[int, Key]:
    wanted = sorted(set(slip_ids))
    keys: dict[int, Key] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        rows = connection.execute(
            select(Slip.id, Slip.scheme_id, Slip.station_id, Slip.route, Slip.issued_on).where(
                Slip.id.in_(chunk)
            )
        )
        for slip_id, *values in rows:
            keys[slip_id] = _key(*values)
    return keys


def slips_added(connection: Connection, rows: Sequence[dict]) -> None:
    """Count slips written in bulk (``rows``: their column values) in one statement."""
    deltas = _Deltas()
    for row in rows:
        deltas.add(
            _key(row["scheme_id"], row["station_id"], row["route"], row["issued_on"]), issued=1
        )
    deltas.write(connection)


def redemptions_added(connection: Connection, rows: Sequence[dict]) -> None:
    """Count the slips of redemptions written in bulk (``rows``: their column values) as
    redeemed: one query for their slips, one statement for the summary."""
    slip_ids = [row["slip_id"] for row in rows if row.get("slip_id")]
    if not slip_ids:
        return
    keys = _slip_keys(connection, slip_ids)
    deltas = _Deltas()
    for slip_id in slip_ids:
        deltas.add(keys[slip_id], redeemed=1)
    deltas.write(connection)


def _before(obj: Any, attr: str) -> Any:
    """An attribute's value as the database held it before this flush."""
    history = inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, attr)


def _slip_key_before(slip: Slip) -> Key:
    return _key(*(_before(slip, a) for a in _SLIP_KEY_ATTRS))


def _slip_key_now(slip: Slip) -> Key:
    return _key(*(getattr(slip, a) for a in _SLIP_KEY_ATTRS))


@event.listens_for(Session, "after_flush")
def _count_flushed(session: Session, flush_context: Any) -> None:
    """Add up what a flush changed of slips and redemptions and write it to the summary."""
    new_slips = [o for o in session.new if isinstance(o, Slip)]
    gone_slips = [o for o in session.deleted if isinstance(o, Slip)]
    changed_slips = [
        o for o in session.dirty
        if isinstance(o, Slip) and any(inspect(o).attrs[a].history.has_changes()
                                       for a in _SLIP_KEY_ATTRS)
    ]  # fmt: skip
    # Slips redeemed (+1) and no longer redeemed (-1) by this flush's redemptions.
    visits: dict[int, int] = defaultdict(int)
    for obj in session.new:
        if isinstance(obj, Redemption) and obj.slip_id:
            visits[obj.slip_id] += 1
    for obj in session.deleted:
        if isinstance(obj, Redemption) and _before(obj, "slip_id"):
            visits[_before(obj, "slip_id")] -= 1
    for obj in session.dirty:
        if isinstance(obj, Redemption) and inspect(obj).attrs.slip_id.history.has_changes():
            old, now = _before(obj, "slip_id"), obj.slip_id
            if old:
                visits[old] -= 1
            if now:
                visits[now] += 1
    if not (new_slips or gone_slips or changed_slips or any(visits.values())):
        return
    deltas = _Deltas()
    # The slip of each visit as it is now (a deleted slip: as it was).
    keys: dict[int, Key] = {o.id: _slip_key_now(o) for o in (*new_slips, *changed_slips)}
    keys.update({o.id: _slip_key_before(o) for o in gone_slips})
    connection = session.connection()
    for slip in new_slips:
        deltas.add(keys[slip.id], issued=1)
    for slip in gone_slips:
        deltas.add(keys[slip.id], issued=-1)
    if changed_slips:
        # A slip that moved (another station, month, route or scheme) takes its redemption
        # along, as it stood before this flush; this flush's visits are counted below.
        ids = [o.id for o in changed_slips]
        redeemed_now = set(
            connection.scalars(select(Redemption.slip_id).where(Redemption.slip_id.in_(ids)))
        )
        for slip in changed_slips:
            was_redeemed = int(slip.id in redeemed_now) - visits.get(slip.id, 0)
            deltas.add(_slip_key_before(slip), issued=-1, redeemed=-was_redeemed)
            deltas.add(keys[slip.id], issued=1, redeemed=was_redeemed)
    missing = [slip_id for slip_id, n in visits.items() if n and slip_id not in keys]
    if missing:
        keys.update(_slip_keys(connection, missing))
    for slip_id, n in visits.items():
        if n:
            deltas.add(keys[slip_id], redeemed=n)
    deltas.write(connection)


def rebuild(connection: Connection) -> int:
    """Count every slip again into an empty summary (after rows were written past the ORM and
    past ``slips_added``: the bench's programme); returns the number of summary rows."""
    table = SlipCount.__table__
    connection.execute(delete(table))
    year, month = date_year(Slip.issued_on), date_month(Slip.issued_on)
    rows = connection.execute(
        select(
            Slip.scheme_id, Slip.station_id, Slip.route, year, month,
            func.count(Slip.id), func.count(Redemption.id),
        )
        .outerjoin(Redemption, Redemption.slip_id == Slip.id)
        .group_by(Slip.scheme_id, Slip.station_id, Slip.route, year, month)
    ).all()  # fmt: skip
    values = [
        {"scheme_id": s, "station_id": st, "route": r, "month": date(y, m, 1),
         "issued": n, "redeemed": red}
        for s, st, r, y, m, n, red in rows
    ]  # fmt: skip
    for start in range(0, len(values), 5000):
        connection.execute(table.insert(), values[start : start + 5000])
    return len(values)


# ---- reading -----------------------------------------------------------------------------------

DIMENSIONS = ("station_id", "route", "year", "month")


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_period(
    start: date | None, end: date | None
) -> tuple[tuple[date | None, date | None] | None, list[tuple[date | None, date | None]]]:
    """The whole months within [start, end] (as [first month, month after the last) of the
    summary, None for none) and the ranges of days outside them, read from the slips."""
    full_from = start if start is None or start.day == 1 else _next_month(start)
    if end is None:
        full_to = None
    else:
        full_to = _next_month(end) if (end + timedelta(days=1)).day == 1 else month_of(end)
    if full_from is not None and full_to is not None and full_from >= full_to:
        return None, [(start, end)]
    days = []
    if start is not None and start < full_from:
        days.append((start, full_from - timedelta(days=1)))
    if full_to is not None and end is not None and full_to <= end:
        days.append((full_to, end))
    return (full_from, full_to), days


def slip_counts(
    dimensions: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    scheme_id: int | None = None,
    stations: Any = None,
) -> Select:
    """Slips issued from ``start`` to ``end`` (either open) and how many of them were redeemed
    (at any time), grouped by ``dimensions`` (of ``DIMENSIONS``; "year" and "month" of issue),
    as a statement of those columns then ``issued`` and ``redeemed``. ``scheme_id`` and
    ``stations`` (ids, or a statement selecting them) narrow the slips counted. The same
    figures as counting the slips with their redemptions; see the module's docstring."""
    whole, days = split_period(start, end)
    parts = []
    if whole is not None:
        c = SlipCount.__table__.c
        columns = {"station_id": c.station_id, "route": c.route,
                   "year": date_year(c.month), "month": date_month(c.month)}  # fmt: skip
        stmt = select(
            *(columns[d].label(d) for d in dimensions),
            func.sum(c.issued).label("issued"),
            func.sum(c.redeemed).label("redeemed"),
        )
        if whole[0] is not None:
            stmt = stmt.where(c.month >= whole[0])
        if whole[1] is not None:
            stmt = stmt.where(c.month < whole[1])
        if scheme_id is not None:
            stmt = stmt.where(c.scheme_id == scheme_id)
        if stations is not None:
            stmt = stmt.where(c.station_id.in_(stations))
        parts.append(stmt.group_by(*(columns[d] for d in dimensions)))
    if days:
        columns = {"station_id": Slip.station_id, "route": Slip.route,
                   "year": date_year(Slip.issued_on), "month": date_month(Slip.issued_on)}  # fmt: skip
        # Each slip's redemption looked up in the unique index on slip_id (a join would read
        # every redemption to find the few of these days' slips).
        redeemed = exists().where(Redemption.slip_id == Slip.id)
        ranges = []
        for first, last in days:
            bounds = []
            if first is not None:
                bounds.append(Slip.issued_on >= first)
            if last is not None:
                bounds.append(Slip.issued_on <= last)
            ranges.append(and_(*bounds) if bounds else literal(True))
        stmt = select(
            *(columns[d].label(d) for d in dimensions),
            func.count(Slip.id).label("issued"),
            func.coalesce(func.sum(case((redeemed, 1), else_=0)), 0).label("redeemed"),
        ).where(or_(*ranges))
        if scheme_id is not None:
            stmt = stmt.where(Slip.scheme_id == scheme_id)
        if stations is not None:
            stmt = stmt.where(Slip.station_id.in_(stations))
        parts.append(stmt.group_by(*(columns[d] for d in dimensions)))
    if len(parts) == 1:
        return parts[0]
    both = union_all(*parts).subquery("slip_counts_both")
    return select(
        *(both.c[d] for d in dimensions),
        func.sum(both.c.issued).label("issued"),
        func.sum(both.c.redeemed).label("redeemed"),
    ).group_by(*(both.c[d] for d in dimensions))
