"""Officers reached: officers present or late at a meeting held, counted once each however
many meetings they attended. Read from ``OfficerReach`` (an officer's marks per day, station and
kind of meeting), kept in step with the registers in the same transaction as every write, instead
of every register line and mark of the programme's history.

Kept in step: every write goes through the ORM (the register page and its import, a training's
register import, a meeting held, cancelled, moved or deleted, a person's kind changed). Before a
flush, a hook counts what the registers touched by it contribute to the summary; after the flush
it counts them again, and writes the difference as increments (``marks = marks + n``) in the
order of the key. On PostgreSQL the hook first locks the meetings (and a person whose kind
changes) that the flush touches, so two writers at the same register wait for each other and
neither's count is lost; on SQLite writers queue for the write lock.

Read: ``reached`` gives the officers reached (and those reached at trainings) between two days,
in a place; ``reached_by_station`` the same per station. A distinct count of officers over the
rows of the days asked for is the plain query's count exactly.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    bindparam,
    case,
    delete,
    distinct,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from meetings.models import (
    HAPPENED_STATUSES,
    NO_STATION,
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingKind,
    OfficerReach,
)
from partnership.organisations.models import Person, PersonKind

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
LOOKUP_CHUNK = 5_000
_MEETING_ATTRS = ("status", "starts_at", "kind")
_SCOPE = "officer_reach_scope"

Key = tuple[date, int, int, bool]


def utc_day(moment: Any) -> date:
    return moment.astimezone(UTC).date()


# ---- counting what registers contribute --------------------------------------------------------


def contributions(
    connection: Connection,
    *,
    meetings: Iterable[int] = (),
    attendees: Iterable[int] = (),
    people: Iterable[int] = (),
    everything: bool = False,
) -> Counter[Key]:
    """The summary rows the registers of these meetings, register lines and people make (all of
    them with ``everything``): {(day, station, officer, training): marks}."""
    a = Attendee.__table__.c
    m = Meeting.__table__.c
    stmt = (
        select(m.starts_at, m.kind, a.station_id, a.person_id, func.count())
        .select_from(AttendanceMark.__table__)
        .join(Attendee.__table__, a.id == AttendanceMark.__table__.c.attendee_id)
        .join(Meeting.__table__, m.id == a.meeting_id)
        .join(Person.__table__, Person.__table__.c.id == a.person_id)
        .where(
            Person.__table__.c.kind == PersonKind.OFFICER,
            m.status.in_(list(HAPPENED_STATUSES)),
            AttendanceMark.__table__.c.status.in_(list(ATTENDED)),
        )
        .group_by(m.starts_at, m.kind, a.station_id, a.person_id)
    )
    found: Counter[Key] = Counter()
    if everything:
        parts = [stmt]
    else:
        parts = []
        for column, ids in ((a.meeting_id, meetings), (a.id, attendees), (a.person_id, people)):
            wanted = sorted(set(ids))
            for start in range(0, len(wanted), LOOKUP_CHUNK):
                parts.append(stmt.where(column.in_(wanted[start : start + LOOKUP_CHUNK])))
    seen: set[tuple] = set()
    for part in parts:
        for starts_at, kind, station_id, person_id, n in connection.execute(part):
            # A line both in a meeting and among the lines asked for is counted once.
            row = (starts_at, kind, station_id, person_id)
            if row in seen:
                continue
            seen.add(row)
            key = (utc_day(starts_at), station_id or NO_STATION, person_id,
                   MeetingKind(kind) is MeetingKind.TRAINING)  # fmt: skip
            found[key] += int(n)
    return found


def _write(connection: Connection, before: Counter[Key], after: Counter[Key]) -> None:
    changes = sorted(
        (key, after.get(key, 0) - before.get(key, 0))
        for key in before.keys() | after.keys()
        if after.get(key, 0) != before.get(key, 0)
    )
    if not changes:
        return
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    table = OfficerReach.__table__
    stmt = insert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.day, table.c.station_id, table.c.person_id, table.c.training],
        set_={"marks": table.c.marks + stmt.excluded.marks},
    )
    # In the order of the key, so that two writers never wait for each other in a circle.
    connection.execute(
        stmt,
        [{"day": d, "station_id": s, "person_id": p, "training": t, "marks": n}
         for (d, s, p, t), n in changes],
    )  # fmt: skip
    gone = [key for key, n in changes if n < 0]
    if gone:
        # An officer no longer reached that day is no row at all.
        connection.execute(
            delete(table).where(
                table.c.day == _bind("day"),
                table.c.station_id == _bind("station_id"),
                table.c.person_id == _bind("person_id"),
                table.c.training == _bind("training"),
                table.c.marks <= 0,
            ),
            [{"d_day": d, "d_station_id": s, "d_person_id": p, "d_training": t}
             for d, s, p, t in gone],
        )  # fmt: skip


def _bind(name: str) -> Any:
    return bindparam(f"d_{name}")


# ---- the hook ----------------------------------------------------------------------------------


def _changed(obj: Any, attrs: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in attrs)


def _ids(values: Iterable[Any]) -> set[int]:
    return {v for v in values if v is not None}


def _scope(session: Session) -> dict | None:
    """The meetings, register lines and people whose contribution this flush may change."""
    meetings: set[int] = set()
    attendees: set[int] = set()
    people: set[int] = set()
    new_attendees: list[Attendee] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        is_new = obj in session.new
        if isinstance(obj, AttendanceMark):
            history = inspect(obj).attrs.attendee_id.history
            attendees |= _ids((obj.attendee_id, *history.deleted))
            parent = inspect(obj).attrs.attendee.loaded_value
            if isinstance(parent, Attendee):
                if parent.id is not None:
                    attendees.add(parent.id)
                else:
                    new_attendees.append(parent)
        elif isinstance(obj, Attendee):
            if is_new:
                new_attendees.append(obj)
            else:
                attendees.add(obj.id)
        elif isinstance(obj, Meeting) and not is_new:
            if obj in session.deleted or _changed(obj, _MEETING_ATTRS):
                meetings.add(obj.id)
        elif isinstance(obj, Person) and not is_new:  # noqa: SIM102 - as the meeting's
            if obj in session.deleted or _changed(obj, ("kind",)):
                people.add(obj.id)
    if not (meetings or attendees or people or new_attendees):
        return None
    return {"meetings": meetings, "attendees": attendees, "people": people, "new": new_attendees}


def _lock(connection: Connection, scope: dict) -> None:
    """On PostgreSQL, hold the meetings whose registers the flush counts (and a person whose
    kind changes, with every meeting they attended) until the transaction ends, so another
    writer counts them only after this one has committed."""
    if connection.dialect.name != "postgresql":
        return
    a = Attendee.__table__.c
    meetings = set(scope["meetings"])
    meetings |= {m for m in (getattr(o, "meeting_id", None) for o in scope["new"]) if m}
    meetings |= {o.meeting.id for o in scope["new"] if o.meeting_id is None and o.meeting
                 and o.meeting.id}  # fmt: skip
    if scope["people"]:
        people = sorted(scope["people"])
        connection.execute(
            select(Person.__table__.c.id).where(Person.__table__.c.id.in_(people))
            .order_by(Person.__table__.c.id).with_for_update(key_share=True)
        )  # fmt: skip
        meetings |= set(connection.scalars(select(a.meeting_id).where(a.person_id.in_(people))))
    if scope["attendees"]:
        wanted = sorted(scope["attendees"])
        for start in range(0, len(wanted), LOOKUP_CHUNK):
            chunk = wanted[start : start + LOOKUP_CHUNK]
            meetings |= set(connection.scalars(select(a.meeting_id).where(a.id.in_(chunk))))
    m = Meeting.__table__.c
    wanted = sorted(meetings)
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        connection.execute(
            select(m.id).where(m.id.in_(wanted[start : start + LOOKUP_CHUNK]))
            .order_by(m.id).with_for_update(key_share=True)
        )  # fmt: skip


@event.listens_for(Session, "before_flush")
def _count_before(session: Session, flush_context: Any, instances: Any) -> None:
    scope = _scope(session)
    session.info.pop(_SCOPE, None)
    if scope is None:
        return
    connection = session.connection()
    _lock(connection, scope)
    scope["before"] = contributions(
        connection, meetings=scope["meetings"], attendees=scope["attendees"],
        people=scope["people"],
    )  # fmt: skip
    session.info[_SCOPE] = scope


@event.listens_for(Session, "after_flush")
def _count_after(session: Session, flush_context: Any) -> None:
    scope = session.info.pop(_SCOPE, None)
    if scope is None:
        return
    connection = session.connection()
    # Lines new in this flush contributed nothing before it.
    attendees = scope["attendees"] | _ids(o.id for o in scope["new"])
    after = contributions(
        connection, meetings=scope["meetings"], attendees=attendees, people=scope["people"]
    )
    _write(connection, scope["before"], after)


def rebuild(connection: Connection) -> int:
    """Count every register again into an empty summary (after rows were written past the ORM:
    the bench's programme); returns the number of summary rows."""
    connection.execute(delete(OfficerReach.__table__))
    found = contributions(connection, everything=True)
    _write(connection, Counter(), found)
    return len(found)


# ---- reading -----------------------------------------------------------------------------------


def _period(stmt: Select, start: date | None, end: date | None) -> Select:
    day = OfficerReach.__table__.c.day
    if start is not None:
        stmt = stmt.where(day >= start)
    if end is not None:
        stmt = stmt.where(day <= end)
    return stmt


def _counts() -> tuple:
    c = OfficerReach.__table__.c
    trained = case((c.training.is_(True), c.person_id), else_=None)
    return func.count(distinct(c.person_id)), func.count(distinct(trained))


def reached(start: date | None, end: date | None, stations: Any = None) -> Select:
    """Officers present or late at a meeting held from ``start`` to ``end`` (days, in UTC;
    either open), and those among them at a training: one row of two counts. ``stations`` (ids,
    or a statement selecting them) narrows it to the officers attending for those stations."""
    c = OfficerReach.__table__.c
    stmt = _period(select(*_counts()), start, end)
    if stations is not None:
        stmt = stmt.where(c.station_id.in_(stations))
    return stmt


def reached_by_station(start: date | None, end: date | None, stations: Any) -> Select:
    """As ``reached``, a row per station: station id, officers, officers at a training."""
    c = OfficerReach.__table__.c
    stmt = _period(select(c.station_id, *_counts()), start, end)
    return stmt.where(c.station_id.in_(stations)).group_by(c.station_id)
