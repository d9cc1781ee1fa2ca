"""Search across everything: the words are matched in the index, the records are then read
through each list page's own query builder, so a search finds exactly what the lists show the
user (an officer their own stations' records) and nothing a list would not.

A kind of record is searched only when the user may open its list page, and only the index
audiences the user may read are matched (``partnership.permissions.search_audiences``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, func, or_, select, union, union_all
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from curricula.models import Module
from curricula.services.modules import ModuleFilters, module_query
from meetings.models import Meeting
from meetings.services.queries import MeetingFilters, meeting_query
from partnership.actions.models import ActionPoint, Concern
from partnership.actions.services.action_points import ActionPointFilters, action_point_query
from partnership.actions.services.concerns import ConcernFilters, concern_query
from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation, Person
from partnership.organisations.services import (
    OrganisationFilters,
    PersonFilters,
    organisation_query,
    person_query,
)
from partnership.pagination import ListPage, paginate
from partnership.permissions import can, person_name, search_audiences
from partnership.referrals.models import Slip
from partnership.referrals.services.slips import slip_query
from partnership.search.index import matching_parts

MAX_QUERY = 200
GROUP_SIZE = 5
# Matches counted per kind on the overview: a common word finds thousands, and counting them
# all cost ten list pages; beyond this the overview says "50+" and the kind's own page counts.
COUNT_CAP = 50
# Up to this many index matches of a kind, its records are read from the matches; beyond, from
# the list's own order (see _found).
FEW_MATCHES = 1000


@dataclass
class Hit:
    title: str
    url: str
    detail: str = ""
    inactive: bool = False


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit]
    total: int  # at most COUNT_CAP
    more: bool = False  # more than COUNT_CAP found


@dataclass
class SearchKind:
    key: str
    label: Any
    list_endpoint: str
    index_kind: str
    query: Callable[[Any], Select]
    id_column: Any
    hit: Callable[[Any, Any], Hit]


def _joined(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p)


def _short(text: str, length: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def _person_hit(user: Any, p: Person) -> Hit:
    return Hit(
        person_name(user, p),
        url_for("organisations.person_detail", person_id=p.id),
        _joined(p.kind.label, p.rank or p.position, p.organisation.name if p.organisation else ""),
        inactive=not p.active,
    )


def _organisation_hit(user: Any, o: Organisation) -> Hit:
    return Hit(
        o.name,
        url_for("organisations.organisation_detail", organisation_id=o.id),
        _joined(o.kind.label, o.city, o.command.name if o.command else ""),
        inactive=not o.active,
    )


def _meeting_hit(user: Any, m: Meeting) -> Hit:
    return Hit(
        m.title,
        url_for("meetings.meeting_detail", meeting_id=m.id),
        _joined(m.kind.label, format_date(m.local_start), m.status.label,
                ", ".join(s.name for s in m.stations)),
    )  # fmt: skip


def _concern_hit(user: Any, c: Concern) -> Hit:
    return Hit(
        f"C-{c.id} · {_short(c.summary)}",
        url_for("actions.concern_detail", concern_id=c.id),
        _joined(c.station.name, format_date(c.occurred_on), c.status.label),
    )


def _action_point_hit(user: Any, p: ActionPoint) -> Hit:
    due = _("due %(date)s", date=format_date(p.due_on)) if p.due_on else ""
    return Hit(
        f"AP-{p.id} · {_short(p.title)}",
        url_for("actions.action_point_detail", point_id=p.id),
        _joined(p.station.name, p.status.label, due),
    )


def _module_hit(user: Any, m: Module) -> Hit:
    return Hit(
        m.label,
        url_for("curricula.module_detail", module_id=m.id),
        m.audience.label,
    )


def _slip_hit(user: Any, s: Slip) -> Hit:
    return Hit(
        _("Slip %(number)s", number=s.number),
        url_for("referrals.slip_list", number=s.number, scheme=s.scheme_id),
        _joined(s.scheme.name, s.station.name, format_date(s.issued_on)),
    )


def _stations(user: Any) -> Select:
    stmt = organisation_query(user, OrganisationFilters(include_inactive=True))
    return stmt.where(Organisation.kind.in_(list(STATION_KINDS)))


def _other_organisations(user: Any) -> Select:
    stmt = organisation_query(user, OrganisationFilters(include_inactive=True))
    return stmt.where(Organisation.kind.not_in(list(STATION_KINDS)))


def _meetings(user: Any) -> Select:
    stmt = meeting_query(user, MeetingFilters())
    return stmt.order_by(None).order_by(Meeting.starts_at.desc(), Meeting.id.desc())


KINDS: list[SearchKind] = [
    SearchKind("people", _l("People"), "organisations.person_list", "person",
               lambda user: person_query(user, PersonFilters(include_inactive=True)),
               Person.id, _person_hit),
    SearchKind("stations", _l("Stations"), "organisations.organisation_list", "organisation",
               _stations, Organisation.id, _organisation_hit),
    SearchKind("organisations", _l("Organisations"), "organisations.organisation_list",
               "organisation", _other_organisations, Organisation.id, _organisation_hit),
    SearchKind("meetings", _l("Meetings"), "meetings.meeting_index", "meeting", _meetings,
               Meeting.id, _meeting_hit),
    SearchKind("concerns", _l("Concerns"), "actions.concern_list", "concern",
               lambda user: concern_query(user, ConcernFilters()), Concern.id, _concern_hit),
    SearchKind("action_points", _l("Action points"), "actions.action_point_list",
               "action_point", lambda user: action_point_query(user, ActionPointFilters()),
               ActionPoint.id, _action_point_hit),
    SearchKind("modules", _l("Training modules"), "curricula.module_list", "module",
               lambda user: module_query(ModuleFilters()), Module.id, _module_hit),
    SearchKind("slips", _l("Referral slips"), "referrals.slip_list", "slip",
               lambda user: slip_query(user), Slip.id, _slip_hit),
]  # fmt: skip


def kinds_for(user: Any) -> list[SearchKind]:
    """The kinds of record the user may search: those whose list page they may open."""
    return [k for k in KINDS if can(k.list_endpoint, user)]


def clean_query(text: str | None) -> str:
    return " ".join((text or "").split())[:MAX_QUERY]


def _unindexed(column: Any) -> Any:
    """``column`` as an expression SQLite may not use an index for (a unary plus): the query
    planner then reads the other side of the comparison through its own indexes."""
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=Integer())


Parts = dict[str, list[Select]]


def _index_counts(user: Any, text: str, kinds: list[SearchKind]) -> tuple[Parts, dict[str, int]]:
    """The index's queries of ``text`` for each kind of the index (``matching_parts``, built
    once for the page), and about how many index rows each finds (words and reference counted
    apart, each up to FEW_MATCHES + 1: no union to read whole) in one statement. A kind with
    none is not queried at all, and the count chooses how the others are (``_found``)."""
    dialect = db.session.get_bind().dialect.name
    audiences = search_audiences(user)
    found: Parts = {}
    counts = []
    for index_kind in dict.fromkeys(k.index_kind for k in kinds):
        parts = found[index_kind] = matching_parts(dialect, index_kind, text, audiences)
        if not parts:
            return {}, {}  # nothing to search for
        capped = [
            select(func.count())
            .select_from(part.limit(FEW_MATCHES + 1).subquery())
            .scalar_subquery()
            for part in parts
        ]
        counts.append(sum(capped[1:], capped[0]).label(index_kind))
    if not counts:
        return found, {}
    return found, dict(db.session.execute(select(*counts)).one()._mapping)


def _found(parts: list[Select], matches: int, kind: SearchKind, base: Select) -> Select:
    """``base`` (the kind's list query: the user's scope, the list's order) restricted to the
    records the index finds (``parts``), about ``matches`` index rows (``_index_counts``).

    The matches are read once (a common table expression). A few are read first and each
    record by its primary key, whatever indexes the scope could use: with an officer's 31
    stations, SQLite otherwise looked every match up once per station. Many (a common word,
    the beginning of a slip number) are not all joined for a page of them: the list is read in
    its own order through its own indexes and each record looked up among the matches, which
    stops after the rows asked for. SQLite is told, by a unary plus on the side that must not
    lead. PostgreSQL turns "id IN (matches)" into a join led by the matches, and "id IN (words)
    OR id IN (reference)" into the list read in order with the matches in a hash table."""
    if db.session.get_bind().dialect.name != "sqlite":
        if matches > FEW_MATCHES:
            return base.where(or_(*(kind.id_column.in_(part) for part in parts)))
        return base.where(kind.id_column.in_(union(*parts) if len(parts) > 1 else parts[0]))
    if matches > FEW_MATCHES:
        found = (union_all(*parts) if len(parts) > 1 else parts[0]).cte("search_matches")
        return base.where(_unindexed(kind.id_column).in_(select(found.c.object_id)))
    # One record may match twice (in two audiences' rows, by words and by reference).
    found = (union(*parts) if len(parts) > 1 else parts[0].distinct()).cte("search_matches")
    return base.join(found, kind.id_column == _unindexed(found.c.object_id))


def search_groups(user: Any, text: str) -> list[Group]:
    """The first few records of each kind ``text`` finds, with how many there are up to
    COUNT_CAP: one statement for the index's counts, then one for each kind it finds any
    of, whatever the number of matches.

    The first GROUP_SIZE ids are chosen in the list's order before anything is joined to them
    (a slip's scheme, station and officer are read for five slips, not for every match), and
    the count stops at COUNT_CAP + 1 matches."""
    kinds = kinds_for(user)
    parts, counts = _index_counts(user, text, kinds)
    groups = []
    for kind in kinds:
        if not counts.get(kind.index_kind):
            continue
        base = kind.query(user)
        found = _found(parts[kind.index_kind], counts[kind.index_kind], kind, base)
        ids = found.with_only_columns(kind.id_column)
        capped = (
            select(func.count())
            .select_from(ids.order_by(None).limit(COUNT_CAP + 1).subquery())
            .scalar_subquery()
        )
        first = ids.limit(GROUP_SIZE).scalar_subquery()
        stmt = base.where(kind.id_column.in_(first))
        rows = db.session.execute(stmt.add_columns(capped.label("search_total"))).all()
        if rows:
            hits = [kind.hit(user, row[0]) for row in rows]
            total = rows[0][-1]
            groups.append(
                Group(kind.key, str(kind.label), hits, min(total, COUNT_CAP), total > COUNT_CAP)
            )
    return groups


@dataclass
class KindPage:
    kind: SearchKind
    page: ListPage
    hits: list[Hit] = field(default_factory=list)


def kind_for(user: Any, key: str) -> SearchKind | None:
    """The kind of record ``key`` names, ``None`` if the user may not search it (or there is no
    such kind)."""
    return next((k for k in kinds_for(user) if k.key == key), None)


def search_kind(user: Any, text: str, key: str) -> KindPage | None:
    """One page of the records of one kind ``text`` finds; ``None`` for a kind the user may not
    search (or that does not exist)."""
    kind = kind_for(user, key)
    if kind is None:
        return None
    parts, counts = _index_counts(user, text, [kind])
    if not counts.get(kind.index_kind):
        return KindPage(kind, ListPage([], 1, 1, 0, 1))
    page = paginate(_found(parts[kind.index_kind], counts[kind.index_kind], kind, kind.query(user)))
    return KindPage(kind, page, [kind.hit(user, obj) for obj in page.items])
