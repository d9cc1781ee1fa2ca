"""The action points summary: points per station, owner side and status, with those done by
the due date and the median days to verification (``ActionPointCount``), and the histogram of
days to verification the median is kept from (``ActionPointDays``), kept in step with the action
points in the same transaction as every write, and read by the loop's measures instead of every
point: a few rows per station, whatever the history.

Kept in step by a hook on every flush (the forms, follow-ups, the API, the demo, any later edit
or deletion through the models), which takes each point the flush changed out as it was and puts
it in as it is. Each change is an increment (``points = points + n``) of the rows it touches,
inserted when missing: two transactions counting the same row wait for each other's row on
PostgreSQL and queue for the write lock on SQLite, and neither loses the other's count. The
counts are written first, then the histogram, each in the order of its key, and a flush that
changes a station and side's histogram also takes that station and side's verified counts row
(adding nothing to it): so two writers of the same histogram queue on that row before either
touches the histogram, never wait for each other in a circle, and the one that goes second
reads the first one's histogram when it computes the median again. Points written past the
models (the bench's builder, an operator's hand edit) are counted by ``rebuild``.

What the summary cannot hold is the one figure that changes with the date: overdue. The
measures count it as the open points less those not yet due, read from the points themselves
by ``ix_action_points_status_due`` (the points due from today on: a bounded horizon, where the
overdue ones pile up with history).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from partnership.actions.models import (
    ActionPoint,
    ActionPointCount,
    ActionPointDays,
    ActionStatus,
    Side,
)

FINISHED = (ActionStatus.DONE, ActionStatus.VERIFIED)
_ATTRS = ("station_id", "police_owner_id", "ngo_owner_id", "status", "due_on", "done_on",
          "days_to_verification")  # fmt: skip
_COUNT_KEYS = ("station_id", "side", "status")
_DAYS_KEYS = ("station_id", "side", "days")

CountKey = tuple[int, str, str]
DaysKey = tuple[int, str, int]


class Deltas:
    """What a write adds to the summary: points and points on time per counts row, points per
    histogram row."""

    def __init__(self) -> None:
        self.counts: dict[CountKey, list[int]] = defaultdict(lambda: [0, 0])
        self.days: dict[DaysKey, int] = defaultdict(int)

    def point(self, values: dict[str, Any], sign: int) -> None:
        """Count (``sign`` 1) or uncount (-1) a point with these column values: once for each
        owner side."""
        status = ActionStatus(values["status"])
        done_on, due_on = values["done_on"], values["due_on"]
        on_time = int(status in FINISHED and done_on is not None and due_on is not None
                      and done_on <= due_on)  # fmt: skip
        days = values["days_to_verification"]
        for side, owner in ((Side.POLICE, "police_owner_id"), (Side.NGO, "ngo_owner_id")):
            if values[owner] is None:
                continue
            counted = self.counts[(values["station_id"], side.value, status.value)]
            counted[0] += sign
            counted[1] += sign * on_time
            if status is ActionStatus.VERIFIED and days is not None:
                self.days[(values["station_id"], side.value, days)] += sign

    def write(self, connection: Connection) -> None:
        """Add the deltas to the summary: counts, then histogram, then the medians of the
        histograms that changed (see the module's docstring for the order)."""
        touched = sorted({(s, side) for (s, side, _d), n in self.days.items() if n})
        counts = {k: v for k, v in self.counts.items() if v != [0, 0]}
        # The verified row of each histogram about to change, taken even when no count of it
        # changes: the lock that queues the writers of one histogram.
        for station_id, side in touched:
            counts.setdefault((station_id, side, ActionStatus.VERIFIED.value), [0, 0])
        if counts:
            _upsert(connection, ActionPointCount, _COUNT_KEYS, sorted(counts.items()),
                    lambda v: {"points": v[0], "on_time": v[1]})  # fmt: skip
        days = sorted((k, n) for k, n in self.days.items() if n)
        if days:
            _upsert(connection, ActionPointDays, _DAYS_KEYS, days, lambda n: {"points": n})
        if touched:
            write_medians(connection, touched)


def _upsert(connection: Connection, model: type, keys: tuple[str, ...], changes: list,
            values: Any) -> None:  # fmt: skip
    """Add ``changes`` ([(key, delta)] in the key's order) to ``model``'s rows in one
    statement, rows inserted when missing; rows left with no point deleted, as the plain
    query has no group for them."""
    table = model.__table__
    dialect = connection.dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    added = [c for c in table.c if c.name not in keys and c.name != "median_days"]
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={c.name: c + stmt.excluded[c.name] for c in added},
    )
    # In the order of the key, so that two writers never wait for each other in a circle.
    rows = [dict(zip(keys, k, strict=True)) | values(v) for k, v in changes]
    connection.execute(stmt, rows)
    emptied = sorted({row["station_id"] for row in rows if row["points"] <= 0})
    if emptied:
        # Only rows taken from (or taken as a lock) can be left empty: read by the key.
        stmt = delete(table).where(table.c.station_id.in_(emptied), table.c.points <= 0)
        connection.execute(stmt)


def write_medians(connection: Connection, pairs: list[tuple[int, str]] | None = None) -> None:
    """Compute the median days to verification of these stations and sides (every one when
    None) from their histograms again, onto their verified counts rows."""
    days = ActionPointDays.__table__.c
    stmt = select(days.station_id, days.side, days.days, days.points).order_by(
        days.station_id, days.side, days.days
    )
    if pairs is not None:
        stmt = stmt.where(days.station_id.in_(sorted({s for s, _side in pairs})))
    histograms: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    for station_id, side, n_days, points in connection.execute(stmt):
        histograms[(station_id, Side(side).value)].append((n_days, points))
    table = ActionPointCount.__table__
    if pairs is None:
        connection.execute(update(table).values(median_days=None))
        pairs = list(histograms)
    rows = [
        {"s": s, "side_": side, "m": median(histograms[(s, side)])
         if histograms.get((s, side)) else None}
        for s, side in sorted(set(pairs))
    ]  # fmt: skip
    if rows:
        connection.execute(
            update(table)
            .where(table.c.station_id == bindparam("s"), table.c.side == bindparam("side_"),
                   table.c.status == ActionStatus.VERIFIED.value)
            .values(median_days=bindparam("m")),
            rows,
        )  # fmt: skip


def median(histogram: list[tuple[int, int]]) -> float:
    """The median of ``histogram`` ([(days, points)] by days): the middle point, or the mean of
    the middle two (as ``ROW_NUMBER`` over the points would pick them)."""
    n = sum(points for _days, points in histogram)
    wanted = [(n + 1) // 2, (n + 2) // 2]
    found, seen = [], 0
    for days, points in histogram:
        seen += points
        while wanted and wanted[0] <= seen:
            found.append(days)
            wanted.pop(0)
    return (found[0] + found[1]) / 2


def _values(point: ActionPoint, before: bool) -> dict[str, Any]:
    state = inspect(point)
    values = {}
    for attr in _ATTRS:
        history = state.attrs[attr].history
        values[attr] = history.deleted[0] if before and history.deleted else getattr(point, attr)
    return values


def _changed(point: ActionPoint) -> bool:
    state = inspect(point)
    return any(state.attrs[a].history.has_changes() for a in _ATTRS)


@event.listens_for(Session, "after_flush")
def _count_flushed(session: Session, flush_context: Any) -> None:
    """Take each point the flush changed out of the summary as it was, put it in as it is."""
    deltas = Deltas()
    for objects, was, now in ((session.new, False, True), (session.deleted, True, False),
                              (session.dirty, True, True)):  # fmt: skip
        for point in objects:
            if not isinstance(point, ActionPoint) or (was and now and not _changed(point)):
                continue
            if was:
                deltas.point(_values(point, before=True), -1)
            if now:
                deltas.point(_values(point, before=False), 1)
    deltas.write(session.connection())


def _sides() -> list[tuple[Side, Any]]:
    return [(Side.POLICE, ActionPoint.police_owner_id), (Side.NGO, ActionPoint.ngo_owner_id)]


def counted_select() -> Any:
    """Every point's counts rows from the points themselves (without the medians): what
    ``rebuild`` writes and what the tests compare the kept summary with."""
    status = ActionPoint.status
    finished = status.in_(list(FINISHED))
    on_time = case((finished & (ActionPoint.done_on <= ActionPoint.due_on), 1), else_=0)
    parts = [
        select(ActionPoint.station_id, literal(side.value).label("side"), status,
               func.count().label("points"), func.sum(on_time).label("on_time"))
        .where(owner.is_not(None))
        .group_by(ActionPoint.station_id, status)
        for side, owner in _sides()
    ]  # fmt: skip
    return union_all(*parts)


def counted_days_select() -> Any:
    """Every verified point's histogram rows from the points themselves."""
    days = ActionPoint.days_to_verification
    parts = [
        select(ActionPoint.station_id, literal(side.value).label("side"), days.label("days"),
               func.count().label("points"))
        .where(owner.is_not(None), ActionPoint.status == ActionStatus.VERIFIED, days.is_not(None))
        .group_by(ActionPoint.station_id, days)
        for side, owner in _sides()
    ]  # fmt: skip
    return union_all(*parts)


def rebuild(connection: Connection) -> int:
    """Count every point again from the table; returns the number of summary rows (counts and
    histogram)."""
    written = 0
    for model, counted in ((ActionPointCount, counted_select()),
                           (ActionPointDays, counted_days_select())):  # fmt: skip
        table = model.__table__
        connection.execute(delete(table))
        rows = [dict(r._mapping) for r in connection.execute(counted)]
        if rows:
            connection.execute(insert(table), rows)
        written += len(rows)
    write_medians(connection)
    return written
