"""The action points summary: points per station, owner side, status, whether done by the due
date and days to verification (``ActionPointCount``), kept in step with the action points in the
same transaction as every write, and read by the loop's measures instead of every point.

Kept in step by a hook on every flush (the forms, follow-ups, the API, the demo, any later edit
or deletion through the models), which takes each point the flush changed out as it was and puts
it in as it is, in one statement. Each change is an increment (``points = points + n``) of the
rows it touches, inserted when missing: two transactions counting the same row wait for each
other's row on PostgreSQL and queue for the write lock on SQLite, and neither loses the other's
count. Points written past the models (the bench's builder) are counted by ``rebuild``.

What the summary cannot hold is the one figure that changes with the date: overdue. The
measures count it as the open points less those not yet due, read from the points themselves
by ``ix_action_points_status_due`` (the points due from today on: a bounded horizon, where the
overdue ones pile up with history).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from partnership.actions.models import ActionPoint, ActionPointCount, ActionStatus, Side

FINISHED = (ActionStatus.DONE, ActionStatus.VERIFIED)
NO_DAYS = -1
_ATTRS = ("station_id", "police_owner_id", "ngo_owner_id", "status", "due_on", "done_on",
          "days_to_verification")  # fmt: skip
_KEYS = ("station_id", "side", "status", "days", "on_time")

Key = tuple[int, str, str, int, int]


def keys_of(values: dict[str, Any]) -> list[Key]:
    """The summary rows a point with these column values counts in: one per owner side."""
    status = ActionStatus(values["status"])
    done_on, due_on = values["done_on"], values["due_on"]
    on_time = int(status in FINISHED and done_on is not None and due_on is not None
                  and done_on <= due_on)  # fmt: skip
    days = values["days_to_verification"]
    days = days if status is ActionStatus.VERIFIED and days is not None else NO_DAYS
    sides = [side for side, owner in ((Side.POLICE, "police_owner_id"), (Side.NGO, "ngo_owner_id"))
             if values[owner] is not None]  # fmt: skip
    return [(values["station_id"], side.value, status.value, days, on_time) for side in sides]


def write(connection: Connection, deltas: dict[Key, int]) -> None:
    """Add ``deltas`` to the summary's rows in one statement (rows inserted when missing, and
    rows left with no point deleted, as the plain query has no group for them)."""
    changes = sorted((k, n) for k, n in deltas.items() if n)
    if not changes:
        return
    table = ActionPointCount.__table__
    dialect = connection.dialect.name
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in _KEYS],
        set_={"points": table.c.points + stmt.excluded.points},
    )
    # In the order of the key, so that two writers never wait for each other in a circle.
    connection.execute(stmt, [dict(zip(_KEYS, k, strict=True)) | {"points": n} for k, n in changes])
    if any(n < 0 for _k, n in changes):
        connection.execute(delete(table).where(table.c.points <= 0))


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
    deltas: dict[Key, int] = defaultdict(int)
    for objects, was, now in ((session.new, False, True), (session.deleted, True, False),
                              (session.dirty, True, True)):  # fmt: skip
        for point in objects:
            if not isinstance(point, ActionPoint) or (was and now and not _changed(point)):
                continue
            if was:
                for key in keys_of(_values(point, before=True)):
                    deltas[key] -= 1
            if now:
                for key in keys_of(_values(point, before=False)):
                    deltas[key] += 1
    if any(deltas.values()):
        write(session.connection(), deltas)


def counted_select() -> Any:
    """Every point's summary rows from the points themselves: what ``rebuild`` writes and what
    the tests compare the kept summary with."""
    status = ActionPoint.status
    finished = status.in_(list(FINISHED))
    on_time = case((finished & (ActionPoint.done_on <= ActionPoint.due_on), 1), else_=0)
    days = case(
        ((status == ActionStatus.VERIFIED) & ActionPoint.days_to_verification.is_not(None),
         ActionPoint.days_to_verification),
        else_=NO_DAYS,
    )  # fmt: skip
    parts = []
    for side, owner in ((Side.POLICE, ActionPoint.police_owner_id),
                        (Side.NGO, ActionPoint.ngo_owner_id)):  # fmt: skip
        parts.append(
            select(ActionPoint.station_id, literal(side.value).label("side"), status,
                   days.label("days"), on_time.label("on_time"), func.count().label("points"))
            .where(owner.is_not(None))
            .group_by(ActionPoint.station_id, status, days, on_time)
        )  # fmt: skip
    return union_all(*parts)


def rebuild(connection: Connection) -> int:
    """Count every point again from the table; returns the number of summary rows."""
    table = ActionPointCount.__table__
    connection.execute(delete(table))
    rows = [dict(r._mapping) for r in connection.execute(counted_select())]
    if rows:
        connection.execute(insert(table), rows)
    return len(rows)


def counts(connection: Connection, scope: Iterable[int] | None) -> list[Any]:
    """The summary's rows (within ``scope``'s stations when given)."""
    stmt = select(ActionPointCount)
    if scope is not None:
        stmt = stmt.where(ActionPointCount.station_id.in_(sorted(scope)))
    return list(connection.execute(stmt))
