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
whatever the length of the period), so the answer is exactly the plain query's. Of a partial
month, the slips of whichever side is shorter are read: its days in the period, or the whole
month from the summary less its days outside the period (days after today count as none: no
slip is issued yet). A dashboard's "last 12 months" from the 3rd to today then reads two days
of slips instead of a month's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    delete,
    event,
    func,
    inspect,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from partnership.database import date_month, date_year
from partnership.referrals.models import (
    NO_STATION,
    Redemption,
    RedemptionGap,
    RedemptionService,
    Route,
    ServiceCount,
    ServiceType,
    Slip,
    SlipCount,
    VisitCount,
)

LOOKUP_CHUNK = 20_000
_SLIP_ATTRS = ("scheme_id", "station_id", "route", "issued_on")
_VISIT_ATTRS = ("scheme_id", "station_id", "service_point_id", "walk_in", "slip_id", "redeemed_on")

# Each summary table: its key columns and the counts it keeps.
TABLES = {
    SlipCount.__tablename__: (
        ("scheme_id", "station_id", "route", "month"),
        ("issued", "redeemed"),
    ),
    RedemptionGap.__tablename__: (
        ("scheme_id", "station_id", "service_point_id", "month", "days"),
        ("redeemed",),
    ),
    VisitCount.__tablename__: (
        ("scheme_id", "station_id", "service_point_id"),
        ("visits", "walk_ins"),
    ),
    ServiceCount.__tablename__: (("scheme_id", "station_id", "service"), ("provided",)),
}
_MODELS = {m.__tablename__: m for m in (SlipCount, RedemptionGap, VisitCount, ServiceCount)}


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class SlipState:
    """What the summaries count of a slip."""

    scheme_id: int
    station_id: int
    route: str
    issued_on: date


@dataclass(frozen=True)
class VisitState:
    """What the summaries count of a redemption."""

    scheme_id: int
    station_id: int | None
    service_point_id: int
    walk_in: bool
    slip_id: int | None
    redeemed_on: date
    services: tuple[str, ...] = ()


# ---- writing -----------------------------------------------------------------------------------


class _Deltas:
    """What a write changes in the summaries: {table: {key: [count, ...]}}."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple, list[int]]] = {
            name: defaultdict(lambda n=len(counts): [0] * n)
            for name, (_k, counts) in TABLES.items()
        }

    def add(self, table: str, key: tuple, *counts: int) -> None:
        row = self.tables[table][key]
        for i, n in enumerate(counts):
            row[i] += n

    def slip(self, slip: SlipState, sign: int) -> None:
        self.add("slip_counts", _slip_key(slip), sign, 0)

    def visit(self, visit: VisitState, slip: SlipState | None, sign: int) -> None:
        station = visit.station_id or NO_STATION
        self.add("visit_counts", (visit.scheme_id, station, visit.service_point_id),
                 sign, sign * int(bool(visit.walk_in)))  # fmt: skip
        for service in visit.services:
            self.add("service_counts", (visit.scheme_id, station, service), sign)
        if visit.slip_id and slip is not None:
            self.redeemed_slip(visit, slip, sign)

    def redeemed_slip(self, visit: VisitState, slip: SlipState, sign: int) -> None:
        """The part of a visit that follows its slip: the slip redeemed, and the days it took."""
        self.add("slip_counts", _slip_key(slip), 0, sign)
        days = (visit.redeemed_on - slip.issued_on).days
        self.add("redemption_gaps", (slip.scheme_id, slip.station_id, visit.service_point_id,
                                     month_of(slip.issued_on), days), sign)  # fmt: skip

    def write(self, connection: Connection) -> None:
        dialect = connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for name, rows in self.tables.items():
            changes = [(k, v) for k, v in sorted(rows.items()) if any(v)]
            if not changes:
                continue
            keys, counts = TABLES[name]
            table = _MODELS[name].__table__
            stmt = insert(table)
            stmt = stmt.on_conflict_do_update(
                index_elements=[table.c[k] for k in keys],
                set_={c: table.c[c] + stmt.excluded[c] for c in counts},
            )
            # In the order of the key, so that two imports never wait for each other in a
            # circle.
            connection.execute(
                stmt,
                [dict(zip(keys, k, strict=True)) | dict(zip(counts, v, strict=True))
                 for k, v in changes],
            )  # fmt: skip
            if any(n < 0 for _k, v in changes for n in v):
                # Something deleted or moved: a group left with nothing is no row at all, as
                # in the plain query's groups.
                connection.execute(delete(table).where(*(table.c[c] == 0 for c in counts)))


def _slip_key(slip: SlipState) -> tuple:
    return (slip.scheme_id, slip.station_id, Route(slip.route).value, month_of(slip.issued_on))


def _slip_states(connection: Connection, slip_ids: Iterable[int]) -> dict[int, SlipState]:
    wanted = sorted(set(slip_ids))
    states: dict[int, SlipState] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        rows = connection.execute(
            select(Slip.id, Slip.scheme_id, Slip.station_id, Slip.route, Slip.issued_on).where(
                Slip.id.in_(chunk)
            )
        )
        for slip_id, scheme_id, station_id, route, issued_on in rows:
            states[slip_id] = SlipState(scheme_id, station_id, Route(route).value, issued_on)
    return states


def slips_added(connection: Connection, rows: Sequence[dict]) -> None:
    """Count slips written in bulk (``rows``: their column values) in one statement."""
    deltas = _Deltas()
    for row in rows:
        deltas.slip(SlipState(*(row[a] for a in _SLIP_ATTRS)), 1)
    deltas.write(connection)


def redemptions_added(connection: Connection, rows: Sequence[dict]) -> None:
    """Count redemptions written in bulk (``rows``: their column values and ``services``): one
    query for their slips, one statement for each summary."""
    slips = _slip_states(connection, [row["slip_id"] for row in rows if row.get("slip_id")])
    deltas = _Deltas()
    for row in rows:
        visit = VisitState(
            *(row.get(a) for a in _VISIT_ATTRS),
            services=tuple(ServiceType(s).value for s in row.get("services") or ()),
        )
        deltas.visit(visit, slips.get(visit.slip_id) if visit.slip_id else None, 1)
    deltas.write(connection)


def _before(obj: Any, attr: str) -> Any:
    """An attribute's value as the database held it before this flush."""
    history = inspect(obj).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return getattr(obj, attr)


def _changed(obj: Any, attrs: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def _slip_state(slip: Slip, before: bool) -> SlipState:
    get = _before if before else getattr
    return SlipState(*(get(slip, a) for a in _SLIP_ATTRS[:2]), Route(get(slip, "route")).value,
                     get(slip, "issued_on"))  # fmt: skip


def _visit_state(visit: Redemption, before: bool) -> VisitState:
    get = _before if before else getattr
    history = inspect(visit).attrs.provided.history
    if before and history.has_changes():
        provided = [*history.unchanged, *history.deleted]
    else:
        provided = list(visit.provided)
    return VisitState(
        *(get(visit, a) for a in _VISIT_ATTRS),
        services=tuple(sorted(ServiceType(p.service).value for p in provided)),
    )


@event.listens_for(Session, "after_flush")
def _count_flushed(session: Session, flush_context: Any) -> None:
    """Add up what a flush changed of slips, redemptions and the services provided, and write
    it to the summaries: each record changed is taken out as it was and put in as it is."""
    new_slips = [o for o in session.new if isinstance(o, Slip)]
    gone_slips = [o for o in session.deleted if isinstance(o, Slip)]
    moved_slips = [o for o in session.dirty if isinstance(o, Slip) and _changed(o, _SLIP_ATTRS)]
    new_visits = [o for o in session.new if isinstance(o, Redemption)]
    gone_visits = [o for o in session.deleted if isinstance(o, Redemption)]
    changed_visits = [
        o for o in session.dirty
        if isinstance(o, Redemption) and _changed(o, (*_VISIT_ATTRS, "provided"))
    ]  # fmt: skip
    in_flush = {o.id for o in (*new_visits, *gone_visits, *changed_visits)}
    loose_services = [
        (o, sign)
        for objects, sign in ((session.new, 1), (session.deleted, -1))
        for o in objects
        if isinstance(o, RedemptionService) and o.redemption_id not in in_flush
    ]
    if not (new_slips or gone_slips or moved_slips or in_flush or loose_services):
        return
    connection = session.connection()
    deltas = _Deltas()
    # Slips as they are now and as they were (a slip this flush did not touch: as it is).
    now = {o.id: _slip_state(o, before=False) for o in (*new_slips, *moved_slips)}
    was = {o.id: _slip_state(o, before=True) for o in (*gone_slips, *moved_slips)}
    for slip in new_slips:
        deltas.slip(now[slip.id], 1)
    for slip in gone_slips:
        deltas.slip(was[slip.id], -1)
    for slip in moved_slips:
        deltas.slip(was[slip.id], -1)
        deltas.slip(now[slip.id], 1)
    visits = [(o, None, _visit_state(o, before=False)) for o in new_visits]
    visits += [(o, _visit_state(o, before=True), None) for o in gone_visits]
    visits += [(o, _visit_state(o, True), _visit_state(o, False)) for o in changed_visits]
    wanted = {v.slip_id for _o, *states in visits for v in states if v is not None and v.slip_id}
    others = _slip_states(connection, wanted - now.keys() - was.keys())
    for _obj, before, after in visits:
        if before is not None:
            deltas.visit(before, was.get(before.slip_id) or others.get(before.slip_id), -1)
        if after is not None:
            deltas.visit(after, now.get(after.slip_id) or others.get(after.slip_id), 1)
    if moved_slips:
        # The visits of moved slips that this flush did not touch move with their slip.
        rows = connection.execute(
            select(Redemption.id, Redemption.slip_id, Redemption.service_point_id,
                   Redemption.redeemed_on)
            .where(Redemption.slip_id.in_([o.id for o in moved_slips]))
        )  # fmt: skip
        for visit_id, slip_id, point_id, redeemed_on in rows:
            if visit_id in in_flush:
                continue
            visit = VisitState(0, None, point_id, False, slip_id, redeemed_on)
            deltas.redeemed_slip(visit, was[slip_id], -1)
            deltas.redeemed_slip(visit, now[slip_id], 1)
    if loose_services:
        parents = {
            visit_id: (scheme_id, station_id or NO_STATION)
            for visit_id, scheme_id, station_id in connection.execute(
                select(Redemption.id, Redemption.scheme_id, Redemption.station_id).where(
                    Redemption.id.in_({o.redemption_id for o, _s in loose_services})
                )
            )
        }
        for service, sign in loose_services:
            scheme_id, station_id = parents[service.redemption_id]
            deltas.add("service_counts",
                       (scheme_id, station_id, ServiceType(service.service).value), sign)  # fmt: skip
    deltas.write(connection)


def rebuild(connection: Connection) -> int:
    """Count every slip and visit again into empty summaries (after rows were written past the
    ORM and past ``slips_added``: the bench's programme); returns the number of summary rows."""
    for model in _MODELS.values():
        connection.execute(delete(model.__table__))
    deltas = _Deltas()
    slips = {}
    last = 0
    while True:
        rows = connection.execute(
            select(Slip.id, *(getattr(Slip, a) for a in _SLIP_ATTRS))
            .where(Slip.id > last).order_by(Slip.id).limit(LOOKUP_CHUNK)
        ).all()  # fmt: skip
        if not rows:
            break
        for slip_id, scheme_id, station_id, route, issued_on in rows:
            slips[slip_id] = SlipState(scheme_id, station_id, Route(route).value, issued_on)
            deltas.slip(slips[slip_id], 1)
        last = rows[-1][0]
    services: dict[int, list[str]] = defaultdict(list)
    for visit_id, service in connection.execute(
        select(RedemptionService.redemption_id, RedemptionService.service)
    ):
        services[visit_id].append(ServiceType(service).value)
    for visit_id, *values in connection.execute(
        select(Redemption.id, *(getattr(Redemption, a) for a in _VISIT_ATTRS))
    ):
        visit = VisitState(*values, services=tuple(services.get(visit_id, ())))
        deltas.visit(visit, slips.get(visit.slip_id) if visit.slip_id else None, 1)
    deltas.write(connection)
    return sum(len(rows) for rows in deltas.tables.values())


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


def _month_pieces(first: date, last: date) -> list[tuple[date, date]]:
    """[first, last] cut at month boundaries (a range of ``split_period`` spans two at most)."""
    pieces = []
    while first < last and month_of(first) != month_of(last):
        end_of_month = _next_month(first) - timedelta(days=1)
        pieces.append((first, end_of_month))
        first = end_of_month + timedelta(days=1)
    return [*pieces, (first, last)]


def _days_to_read(first: date, last: date, today: date) -> int:
    """The days of [first, last] that may hold slips: none after today."""
    return max(0, (min(last, today) - first).days + 1)


Days = list[tuple[date, date]]


def cheapest_split(
    start: date | None, end: date | None, today: date | None = None
) -> tuple[tuple[date | None, date | None] | None, Days, Days]:
    """The months to read from the summary (as ``split_period``), the ranges of days to add from
    the slips, and the ranges of days to take away (days of a month read whole from the summary
    that are outside the period): of each partial month, whichever side has fewer days that may
    hold slips. Whole months, plus the added days, less the taken days are the period's days,
    each once."""
    today = today or date.today()
    whole, days = split_period(start, end)
    months = list(whole) if whole is not None else None
    added: Days = []
    taken: Days = []
    for first, last in (piece for r in days for piece in _month_pieces(*r)):
        month = month_of(first)
        if first > last or month == date.max.replace(day=1):
            added.append((first, last))  # an empty period; the calendar's last month
            continue
        after = _next_month(month)
        outside = []
        if first > month:
            outside.append((month, first - timedelta(days=1)))
        if last < after - timedelta(days=1):
            outside.append((last + timedelta(days=1), after - timedelta(days=1)))
        inside_cost = _days_to_read(first, last, today)
        if sum(_days_to_read(a, b, today) for a, b in outside) >= inside_cost:
            added.append((first, last))
            continue
        # The partial months lie just before or just after the whole ones (or are the one or
        # two months of a short period): the months read from the summary stay one range.
        if months is None:
            months = [month, after]
        else:
            months = [month if months[0] is not None and month < months[0] else months[0],
                      after if months[1] is not None and after > months[1] else months[1]]  # fmt: skip
        taken += outside
    return (tuple(months) if months is not None else None), added, taken


def slip_counts(
    dimensions: Sequence[str],
    *,
    start: date | None = None,
    end: date | None = None,
    scheme_id: int | None = None,
    stations: Any = None,
    route: Route | None = None,
) -> Select:
    """Slips issued from ``start`` to ``end`` (either open) and how many of them were redeemed
    (at any time), grouped by ``dimensions`` (of ``DIMENSIONS``; "year" and "month" of issue),
    as a statement of those columns then ``issued`` and ``redeemed``. ``scheme_id``,
    ``stations`` (ids, or a statement selecting them) and ``route`` narrow the slips counted. The same
    figures as counting the slips with their redemptions; see the module's docstring."""
    whole, days, taken = cheapest_split(start, end)
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
        if route is not None:
            stmt = stmt.where(c.route == route)
        parts.append(stmt.group_by(*(columns[d] for d in dimensions)))
    if days or taken:
        columns = {"station_id": Slip.station_id, "route": Slip.route,
                   "year": date_year(Slip.issued_on), "month": date_month(Slip.issued_on)}  # fmt: skip
        # Each slip's redemption looked up in the unique index on slip_id: a join, or an
        # EXISTS that PostgreSQL turns into a hashed subplan, would read every redemption to
        # find the few of these days' slips.
        redeemed = (
            select(func.count()).where(Redemption.slip_id == Slip.id).correlate(Slip)
        ).scalar_subquery()
        # A statement for each range of days (not one with OR), so that each reads its range
        # from an index on the date alone. Days taken away count negatively.
        for (first, last), sign in [*((r, 1) for r in days), *((r, -1) for r in taken)]:
            issued = func.count(Slip.id)
            redeemed_of_days = func.coalesce(func.sum(redeemed), 0)
            if sign < 0:
                issued, redeemed_of_days = -issued, -redeemed_of_days
            stmt = select(
                *(columns[d].label(d) for d in dimensions),
                issued.label("issued"),
                redeemed_of_days.label("redeemed"),
            )
            if first is not None:
                stmt = stmt.where(Slip.issued_on >= first)
            if last is not None:
                stmt = stmt.where(Slip.issued_on <= last)
            if scheme_id is not None:
                stmt = stmt.where(Slip.scheme_id == scheme_id)
            if stations is not None:
                stmt = stmt.where(Slip.station_id.in_(stations))
            if route is not None:
                stmt = stmt.where(Slip.route == route)
            parts.append(stmt.group_by(*(columns[d] for d in dimensions)))
    if len(parts) == 1:
        return parts[0]
    both = union_all(*parts).subquery("slip_counts_both")
    stmt = select(
        *(both.c[d] for d in dimensions),
        func.sum(both.c.issued).label("issued"),
        func.sum(both.c.redeemed).label("redeemed"),
    ).group_by(*(both.c[d] for d in dimensions))
    if taken and dimensions:
        # A group whose slips were all on the days taken away has none in the period: no row,
        # as in the plain query.
        stmt = stmt.having(func.sum(both.c.issued) != 0)
    return stmt
