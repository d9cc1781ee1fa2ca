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
from sqlalchemy import Select, func, select

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
from partnership.search.index import matching_ids

MAX_QUERY = 200
GROUP_SIZE = 5
# Matches counted per kind on the overview: a common word finds thousands, and counting them
# all cost ten list pages; beyond this the overview says "50+" and the kind's own page counts.
COUNT_CAP = 50


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


def _found(kind: SearchKind, user: Any, text: str) -> Select | None:
    """The kind's list query (the user's scope, the list's order) joined to the records the
    index finds. Joined, not "id IN (matches)": with an officer's stations as a list too,
    SQLite looked every match up once per station (8,000 matches × 31 stations for "officer");
    joined, it reads each match once, by primary key."""
    dialect = db.session.get_bind().dialect.name
    ids = matching_ids(dialect, kind.index_kind, text, search_audiences(user))
    if ids is None:
        return None
    matches = ids.cte("search_matches")
    return kind.query(user).join(matches, matches.c.object_id == kind.id_column)


def search_groups(user: Any, text: str) -> list[Group]:
    """The first few records of each kind ``text`` finds, with how many there are up to
    COUNT_CAP: one query per kind of record, whatever the number of matches.

    The matches are read once (a common table expression); the first GROUP_SIZE ids are chosen
    from them in the list's order before anything is joined to them (a slip's scheme, station
    and officer are read for five slips, not for every match), and the count stops at
    COUNT_CAP + 1 matches."""
    groups = []
    for kind in kinds_for(user):
        found = _found(kind, user, text)
        if found is None:
            continue
        ids = found.with_only_columns(kind.id_column)
        capped = (
            select(func.count())
            .select_from(ids.order_by(None).limit(COUNT_CAP + 1).subquery())
            .scalar_subquery()
        )
        first = ids.limit(GROUP_SIZE).scalar_subquery()
        stmt = kind.query(user).where(kind.id_column.in_(first))
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
    stmt = _found(kind, user, text)
    if stmt is None:
        return KindPage(kind, ListPage([], 1, 1, 0, 1))
    page = paginate(stmt)
    return KindPage(kind, page, [kind.hit(user, obj) for obj in page.items])
