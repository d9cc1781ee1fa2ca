"""Queries of meetings: who may edit one, the filtered list, one meeting loaded and authorised,
the meetings of a station, and the choices of the scheduling form."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import abort
from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from meetings import reach
from meetings.models import (
    HAPPENED_STATUSES,
    OPEN_STATUSES,
    Meeting,
    MeetingKind,
    MeetingStatus,
    meeting_stations,
)
from partnership import permissions
from partnership.accounts.models import User
from partnership.caching import valid_until
from partnership.collation import by_name
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.organisations.models import (
    Organisation,
    OrganisationKind,
)
from partnership.permissions import station_scope
from partnership.roles import NGO_ROLES

# ---- who may do what with one meeting: decided in partnership.permissions ----------------------


def can_edit_meeting(
    user: User, meeting: Meeting | None = None, kind: MeetingKind | None = None
) -> bool:
    return permissions.can_edit_meeting(user, meeting, kind)


def editable_kinds(user: User) -> list[MeetingKind]:
    return permissions.schedulable_kinds(user, list(MeetingKind))


def sees_register_names(user: User) -> bool:
    return permissions.sees_register_names(user)


def sees_minutes(user: User) -> bool:
    return permissions.sees_minutes(user)


# ---- queries -----------------------------------------------------------------------------------


@dataclass
class MeetingFilters:
    station_id: int | None = None
    command_id: int | None = None
    country: str = ""
    organiser_id: int | None = None
    kind: str = ""
    status: str = ""
    q: str = ""
    upcoming: bool = False
    # Held (or with minutes): the meetings that happened, as the dashboard counts them.
    held: bool = False
    # Starting on these days (UTC), as the dashboard's period counts meetings.
    starts_from: date | None = None
    starts_to: date | None = None


def scope_clause(user: User):  # noqa: ANN202
    scope = station_scope(user)
    if scope is None:
        return None
    return Meeting.id.in_(
        select(meeting_stations.c.meeting_id).where(meeting_stations.c.station_id.in_(scope))
    )


def meeting_query(
    user: User,
    filters: MeetingFilters,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select:
    """Meetings the user may see, filtered, oldest first (or the coming ones first)."""
    stmt = select(Meeting).options(selectinload(Meeting.stations), joinedload(Meeting.organiser))
    return _filtered(stmt, user, filters, start, end)


def meeting_list_query(
    user: User,
    filters: MeetingFilters,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select:
    """``meeting_query`` with only what the list and the calendar show: no objectives, notes
    or minutes read for a line that shows a title, a time, the stations and a status."""
    return _filtered(_list_select(), user, filters, start, end)


def _list_select() -> Select:
    return select(Meeting).options(
        load_only(*LIST_COLUMNS),
        selectinload(Meeting.stations).load_only(Organisation.id, Organisation.name),
        joinedload(Meeting.organiser).load_only(Organisation.id, Organisation.name),
    )


def meeting_list_parts(
    user: User, filters: MeetingFilters, now: datetime
) -> tuple[Select, list[Select]]:
    """The meetings list (``coming_first``) as two parts, each read through an index rather
    than every meeting sorted for every page: the past ones, the most recent first, read
    backwards through the index of their start, as far as the page; and before them those not
    yet over, read through the index of their end and sorted in ``coming_first``'s own order.
    They are the meetings scheduled ahead (and those going on): as many as the programme plans,
    not as its history. (Ordered by their start, a planner that takes start and end to be
    unrelated walks the start index through every past meeting to find the first coming one.)
    The ids of the meetings the user may see, filtered, and the two parts; for
    ``partnership.pagination.paginate_parts`` with ``meeting_list_rows``."""
    ids = _filtered(select(Meeting.id), user, filters, None, None, now).order_by(None)
    return ids, [
        coming_first(ids.where(Meeting.ends_at >= now), now),
        ids.where(Meeting.ends_at < now).order_by(Meeting.starts_at.desc(), Meeting.id.desc()),
    ]


def meeting_list_rows(ids: Select, now: datetime) -> Select:
    """The meetings of a page of the list (``ids``: from ``meeting_list_parts``) with what the
    list shows, in its order."""
    return coming_first(_list_select().where(Meeting.id.in_(ids)), now)


LIST_COLUMNS = (
    Meeting.id,
    Meeting.title,
    Meeting.kind,
    Meeting.status,
    Meeting.starts_at,
    Meeting.ends_at,
    Meeting.timezone,
    Meeting.organiser_id,
)


def kept_until_next_end() -> None:
    """A kept list that puts the meetings not yet over first changes by itself when the next
    meeting ends: it is kept until then at most (partnership.caching)."""
    valid_until(
        aware(
            db.session.scalar(select(func.min(Meeting.ends_at)).where(Meeting.ends_at >= utcnow()))
        )
    )


def _filtered(
    stmt: Select,
    user: User,
    filters: MeetingFilters,
    start: datetime | None,
    end: datetime | None,
    now: datetime | None = None,
) -> Select:
    scope = scope_clause(user)
    if scope is not None:
        stmt = stmt.where(scope)
    if filters.station_id:
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id == filters.station_id
                )
            )
        )
    if filters.command_id or filters.country:
        org_ids = select(Organisation.id)
        if filters.command_id:
            org_ids = org_ids.where(
                or_(
                    Organisation.command_id == filters.command_id,
                    Organisation.id == filters.command_id,
                )
            )
        if filters.country:
            org_ids = org_ids.where(Organisation.country == filters.country.upper())
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id.in_(org_ids)
                )
            )
        )
    if filters.organiser_id:
        stmt = stmt.where(Meeting.organiser_id == filters.organiser_id)
    if filters.kind:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Meeting.kind == MeetingKind(filters.kind))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Meeting.status == MeetingStatus(filters.status))
    if filters.q:
        stmt = stmt.where(func.lower(Meeting.title).like(f"%{filters.q.strip().lower()}%"))
    if start is not None:
        stmt = stmt.where(Meeting.ends_at > start)
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < end)
    if filters.upcoming:
        stmt = stmt.where(Meeting.ends_at >= (now or utcnow()))
    if filters.held:
        stmt = stmt.where(Meeting.status.in_(list(HAPPENED_STATUSES)))
    if filters.starts_from:
        stmt = stmt.where(Meeting.starts_at >= datetime.combine(filters.starts_from, time.min, UTC))
    if filters.starts_to:
        day_after = filters.starts_to + timedelta(days=1)
        stmt = stmt.where(Meeting.starts_at < datetime.combine(day_after, time.min, UTC))
    return stmt.order_by(Meeting.starts_at, Meeting.id)


def coming_first(stmt: Select, now: datetime | None = None) -> Select:
    """The meetings list's order: those not yet over first, the soonest at the top, then the
    past ones, the most recent first. What a user opens the list for is on its first screen.
    (Sorting every meeting so for every page grows with the programme's history: the list reads
    its pages in two parts, ``meeting_list_parts``, and sorts only a page's rows so.)"""
    now = now or utcnow()
    over = Meeting.ends_at < now
    return stmt.order_by(None).order_by(
        case((over, 1), else_=0),
        case((over, None), else_=Meeting.starts_at),
        Meeting.starts_at.desc(),
        Meeting.id.desc(),
    )


def get_meeting_or_404(
    meeting_id: int, user: User, for_edit: bool = False, for_page: bool = False
) -> Meeting:
    """Load a meeting the user may see (404 for one outside an officer's stations) with what its
    page shows; 403 when editing is asked for and not allowed. ``for_page``: with its stations
    only, for the meeting's page, which reads the rest when it renders its kept parts afresh."""
    if for_page:
        # What the page and the keys of its kept parts use of the stations.
        options = [selectinload(Meeting.stations).load_only(Organisation.id, Organisation.name)]
    else:
        options = [
            selectinload(Meeting.stations),
            selectinload(Meeting.facilitators),
            joinedload(Meeting.organiser),
            joinedload(Meeting.series),
        ]
    meeting = db.session.get(Meeting, meeting_id, options=options)
    if meeting is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and not any(s.id in scope for s in meeting.stations):
        abort(404)
    if for_edit and not can_edit_meeting(user, meeting):
        abort(403)
    return meeting


@dataclass(frozen=True)
class MeetingHead:
    """What a meeting's page needs of the meeting besides its kept content: whether the reader
    may see it (its stations), its title, and what its buttons depend on (kind, status)."""

    id: int
    title: str
    kind: MeetingKind
    status: MeetingStatus
    version: int
    station_ids: tuple[int, ...]


def check_may_see(head: MeetingHead, user: User) -> None:
    """404 for a meeting outside an officer's stations (as ``get_meeting_or_404``)."""
    scope = station_scope(user)
    if scope is not None and not any(s in scope for s in head.station_ids):
        abort(404)


def meeting_head_or_404(meeting_id: int) -> MeetingHead:
    """What the page of a meeting needs of it before its kept content (see ``MeetingHead``);
    the caller decides who may see it."""
    rows = (
        db.session.connection()
        .execute(
            select(
                Meeting.title,
                Meeting.kind,
                Meeting.status,
                Meeting.version,
                meeting_stations.c.station_id,
            )
            .outerjoin(meeting_stations, meeting_stations.c.meeting_id == Meeting.id)
            .where(Meeting.id == meeting_id)
            .order_by(meeting_stations.c.station_id)
        )
        .all()
    )
    if not rows:
        abort(404)
    title, kind, status, version, _station = rows[0]
    stations = tuple(row[4] for row in rows if row[4] is not None)
    return MeetingHead(meeting_id, title, kind, status, version, stations)


def aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC (or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---- a station's meetings (shown on the station's page) ----------------------------------------


@dataclass
class StationMeetings:
    recent: list[Meeting] = field(default_factory=list)
    upcoming: list[Meeting] = field(default_factory=list)
    last_visit: Meeting | None = None
    next_meeting: Meeting | None = None
    officers_reached: int = 0
    total: int = 0


def station_meetings(station: Organisation, user: User) -> StationMeetings:
    """What the station page shows of its meetings. The caller has already checked the user
    may see the station; every meeting with the station is then visible to them."""
    now = utcnow()
    with_station = Meeting.id.in_(
        select(meeting_stations.c.meeting_id).where(meeting_stations.c.station_id == station.id)
    )
    base = select(Meeting).where(with_station).options(selectinload(Meeting.stations))
    upcoming = list(
        db.session.scalars(
            base.where(Meeting.status.in_(list(OPEN_STATUSES)), Meeting.ends_at >= now)
            .order_by(Meeting.starts_at)
            .limit(5)
        )
    )
    recent = list(
        db.session.scalars(
            base.where(or_(Meeting.ends_at < now, Meeting.status.not_in(list(OPEN_STATUSES))))
            .order_by(Meeting.starts_at.desc())
            .limit(10)
        )
    )
    last_visit = next((m for m in recent if m.status.happened), None)
    if last_visit is None:
        last_visit = db.session.scalar(
            base.where(Meeting.status.in_(list(HAPPENED_STATUSES)))
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
    # Officers present or late at a meeting held here, ever: from the summary (meetings.reach).
    reached = db.session.execute(reach.reached(None, None, [station.id])).one()[0]
    total = db.session.scalar(select(func.count(Meeting.id)).where(with_station))
    # The lists change by themselves when a coming meeting ends: a page showing them is kept
    # until then at most (partnership.caching).
    valid_until(
        aware(
            db.session.scalar(
                select(func.min(Meeting.ends_at)).where(
                    with_station, Meeting.status.in_(list(OPEN_STATUSES)), Meeting.ends_at >= now
                )
            )
        )
    )
    return StationMeetings(
        recent=recent,
        upcoming=upcoming,
        last_visit=last_visit,
        next_meeting=upcoming[0] if upcoming else None,
        officers_reached=reached or 0,
        total=total or 0,
    )


# ---- filters' choices --------------------------------------------------------------------------


def organiser_choices() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.NGO, Organisation.active.is_(True))
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


def facilitator_choices() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_(list(NGO_ROLES)))
            .order_by(by_name(User.name), User.id)
        )
    )
