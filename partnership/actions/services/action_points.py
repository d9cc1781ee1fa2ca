"""Action points: the list, one point loaded and authorised, owners, writes, the allowed
status changes, and when a point is overdue or escalated (the timeline: ``point_timeline``)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, false, func, select, union_all
from sqlalchemy.orm import joinedload, load_only, selectinload

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernStatus,
    Priority,
    Side,
)
from partnership.actions.services.concerns import (
    POINT_LINE_COLUMNS,
    change_concern_status,
    escalation_days,
    today,
)
from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import Lifecycle
from partnership.organisations.models import STATION_KINDS, Organisation
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import (
    action_status_changes,
    can_edit_action_point,
    can_see_organisation,
    may_own_ngo_side,
    may_own_police_side,
    search_audiences,
    station_scope,
)
from partnership.roles import NGO_ROLES, POLICE_ROLES
from partnership.search.index import matches_record, matching_parts
from partnership.signals import action_point_assigned

# ---- action points: queries --------------------------------------------------------------------


@dataclass
class ActionPointFilters:
    q: str = ""
    status: str = ""
    station_id: int | None = None
    side: str = ""
    overdue: bool = False
    open_only: bool = False
    meeting_id: int | None = None
    escalated: bool = False
    country: str = ""
    command_id: int | None = None
    # Verified on these days (UTC), as the dashboard's period counts verified points.
    verified_from: date | None = None
    verified_to: date | None = None


def action_point_options() -> list:
    return [
        joinedload(ActionPoint.station),
        joinedload(ActionPoint.police_owner),
        joinedload(ActionPoint.ngo_owner),
    ]


def action_point_query(user: User, filters: ActionPointFilters) -> Select:
    """Every action point the user may see that the filters keep, with what a download
    writes."""
    return _filtered(select(ActionPoint).options(*action_point_options()), user, filters)


# What a line of the action points list shows (``points_table``): no details, action taken or
# verification read for it.
LIST_COLUMNS = POINT_LINE_COLUMNS


def point_line_options(*extra_columns) -> list:  # noqa: ANN002
    """Load options for lines of action points: ``LIST_COLUMNS`` (and ``extra_columns``), the
    names of the station and the owners."""
    return [
        load_only(*LIST_COLUMNS, *extra_columns),
        joinedload(ActionPoint.station).load_only(Organisation.id, Organisation.name),
        joinedload(ActionPoint.police_owner).load_only(User.id, User.name),
        joinedload(ActionPoint.ngo_owner).load_only(User.id, User.name),
    ]


def action_point_list_query(user: User, filters: ActionPointFilters) -> Select:
    """``action_point_query`` with only what the list shows."""
    return _filtered(select(ActionPoint).options(*point_line_options()), user, filters)


def action_point_count_query(user: User, filters: ActionPointFilters) -> Select:
    """The list's points for counting them (``paginate``'s ``count_stmt``): a search's matches
    always gathered from the index and read by id, since the count has no order to walk."""
    return _filtered(select(ActionPoint.id), user, filters, counting=True)


def _filtered(
    stmt: Select, user: User, filters: ActionPointFilters, counting: bool = False
) -> Select:
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(ActionPoint.station_id.in_(scope))
    if filters.q:
        stmt = stmt.where(_search_condition(user, filters.q, counting))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(ActionPoint.status == ActionStatus(filters.status))
    if filters.open_only or filters.overdue:
        stmt = stmt.where(ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)))
    if filters.overdue:
        stmt = stmt.where(ActionPoint.due_on < today())
    if filters.escalated:
        stmt = stmt.where(
            ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)),
            ActionPoint.due_on <= today() - timedelta(days=escalation_days()),
        )
    place = station_ids_in_place(filters.country, filters.command_id)
    if place is not None:
        stmt = stmt.where(ActionPoint.station_id.in_(place))
    if filters.station_id:
        stmt = stmt.where(ActionPoint.station_id == filters.station_id)
    if filters.side == Side.POLICE.value:
        stmt = stmt.where(ActionPoint.police_owner_id.is_not(None))
    elif filters.side == Side.NGO.value:
        stmt = stmt.where(ActionPoint.ngo_owner_id.is_not(None))
    if filters.meeting_id:
        stmt = stmt.where(ActionPoint.origin_meeting_id == filters.meeting_id)
    if filters.verified_from:
        start = datetime.combine(filters.verified_from, time.min, UTC)
        stmt = stmt.where(ActionPoint.verified_at >= start)
    if filters.verified_to:
        end = datetime.combine(filters.verified_to + timedelta(days=1), time.min, UTC)
        stmt = stmt.where(ActionPoint.verified_at < end)
    return stmt.order_by(ActionPoint.due_on, ActionPoint.id)


# A search that finds more points than this is checked point by point along the list's order
# (the page stops at its last row); fewer are gathered first and read by id.
COMMON_MATCHES = 500


def _search_condition(user: User, text: str, counting: bool = False):  # noqa: ANN202
    """The points whose title, details or action taken have words starting with each word of
    ``text``, or whose number it is ("AP-12"), from the search index (no point row read for the
    others). The officer's scope is applied by the caller, to the points themselves.

    Two ways to the same points, chosen by how many the text finds (counted up to
    ``COMMON_MATCHES``): a rare word's points are gathered from the index and read by id; a
    word most points hold ("hotspot" in 15,000 of them) is checked point by point as the list
    is read in its order, instead of gathering and sorting every match for a page of 25.
    ``counting``: always the first way (a count has no order to walk; read by id, its rows
    come from the index rather than from every point)."""
    dialect = db.session.get_bind().dialect.name
    audiences = search_audiences(user)
    parts = matching_parts(dialect, "action_point", text, audiences)
    if not parts:
        # Nothing to search for (only punctuation): nothing matches, as no words can.
        return false()
    # Index rows, not points (a point found twice is there twice): a point is in it or not,
    # and only the choice below depends on how many rows there are.
    found = parts[0] if len(parts) == 1 else union_all(*parts)
    if counting:
        return ActionPoint.id.in_(found)
    counted = select(func.count()).select_from(found.limit(COMMON_MATCHES + 1).subquery())
    if (db.session.scalar(counted) or 0) <= COMMON_MATCHES:
        return ActionPoint.id.in_(found)
    return matches_record(dialect, "action_point", text, audiences, ActionPoint.id)


def get_action_point_or_404(
    point_id: int, user: User, for_edit: bool = False, with_related: bool = True
) -> ActionPoint:
    """The point, or 404 outside an officer's stations (403 ``for_edit`` when the user may not
    edit it). ``with_related``: who acknowledged, did and verified it and its concerns loaded
    too; without, they load when read (the point's page reads them only to render what it
    keeps rendered)."""
    extra = [
        joinedload(ActionPoint.done_by),
        joinedload(ActionPoint.verified_by),
        joinedload(ActionPoint.acknowledged_by),
        selectinload(ActionPoint.concerns),
    ]
    point = db.session.get(
        ActionPoint, point_id, options=[*action_point_options(), *(extra if with_related else [])]
    )
    if point is None:
        abort(404)
    check_may_see(point.station_id, user)
    if for_edit and not can_edit_action_point(user, point):
        abort(403)
    return point


def check_may_see(station_id: int, user: User) -> None:
    """404 for a point outside an officer's stations (as ``get_action_point_or_404``), from
    its station alone (a kept page's copy of it)."""
    if not can_see_organisation(user, station_id):
        abort(404)


def _open_points_of(station_ids: list[int]) -> Select:
    return select(ActionPoint).where(
        ActionPoint.station_id.in_(station_ids),
        ActionPoint.status.in_([*OPEN_ACTION_STATUSES, ActionStatus.DONE]),
    )


def open_action_points_of_stations(
    station_ids: list[int], limit: int | None = None
) -> list[ActionPoint]:
    """Open (and done, not yet verified) points of the stations, the earliest due first; at
    most ``limit`` of them."""
    if not station_ids:
        return []
    stmt = (
        _open_points_of(station_ids)
        .options(*action_point_options())
        .order_by(ActionPoint.due_on, ActionPoint.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_open_action_points_of_stations(station_ids: list[int]) -> int:
    if not station_ids:
        return 0
    stmt = _open_points_of(station_ids).with_only_columns(func.count(ActionPoint.id))
    return db.session.scalar(stmt) or 0


def police_owner_choices(station_id: int | None = None) -> list[User]:
    """Officer accounts; with a station, those at it or at its command."""
    stmt = (
        select(User)
        .options(joinedload(User.organisation))
        .where(User.role.in_(list(POLICE_ROLES)), User.active.is_(True))
        .order_by(by_name(User.name), User.id)
    )
    if station_id:
        station = db.session.get(Organisation, station_id)
        ids = {station_id} | ({station.command_id} if station and station.command_id else set())
        stmt = stmt.where(User.organisation_id.in_(ids))
    return list(db.session.scalars(stmt))


def ngo_owner_choices() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.role.in_(list(NGO_ROLES)), User.active.is_(True))
            .order_by(by_name(User.name), User.id)
        )
    )


# ---- action points: writes ---------------------------------------------------------------------

ACTION_POINT_FIELDS = (
    "title",
    "details",
    "station_id",
    "police_owner_id",
    "ngo_owner_id",
    "due_on",
    "priority",
)

ACTION_TRANSITIONS: dict[ActionStatus, frozenset[ActionStatus]] = {
    ActionStatus.OPEN: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED}
    ),
    ActionStatus.IN_PROGRESS: frozenset({ActionStatus.DONE, ActionStatus.DROPPED}),
    ActionStatus.DONE: frozenset({ActionStatus.VERIFIED, ActionStatus.REOPENED}),
    ActionStatus.VERIFIED: frozenset({ActionStatus.REOPENED}),
    ActionStatus.REOPENED: frozenset(
        {ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED}
    ),
    ActionStatus.DROPPED: frozenset({ActionStatus.REOPENED}),
}
# What an officer may do through a follow-up; the rest (drop, reopen) is for NGO editors.
OFFICER_STATUS_CHANGES = frozenset({ActionStatus.IN_PROGRESS, ActionStatus.DONE})


def _validate_action_point(data: dict) -> list[Concern]:
    station = db.session.get(Organisation, data.get("station_id") or 0)
    if station is None or station.kind not in STATION_KINDS:
        raise FieldError("station_id", _("Choose a police station or post."))
    police_owner_id = data.get("police_owner_id")
    if police_owner_id:
        owner = db.session.get(User, police_owner_id)
        allowed = {station.id, station.command_id}
        if owner is None or not may_own_police_side(owner) or owner.organisation_id not in allowed:
            raise FieldError(
                "police_owner_id",
                _("The police owner must be an officer of this station or its command."),
            )
    ngo_owner_id = data.get("ngo_owner_id")
    if ngo_owner_id:
        owner = db.session.get(User, ngo_owner_id)
        if owner is None or not may_own_ngo_side(owner):
            raise FieldError("ngo_owner_id", _("The NGO owner must be an NGO account."))
    concern_ids = [int(i) for i in data.get("concern_ids") or []]
    concerns = (
        list(db.session.scalars(select(Concern).where(Concern.id.in_(concern_ids))))
        if concern_ids
        else []
    )
    if any(c.station_id != station.id for c in concerns) or len(concerns) != len(concern_ids):
        raise FieldError("concern_ids", _("Choose concerns raised at this station."))
    return concerns


def _apply_action_point(point: ActionPoint, data: dict) -> None:
    for field in ACTION_POINT_FIELDS:
        if field in data:
            value = data[field]
            setattr(point, field, value.strip() if isinstance(value, str) else value)
    point.priority = Priority(data.get("priority") or Priority.NORMAL.value)


def _address_concerns(concerns: list[Concern], user: User) -> None:
    for concern in concerns:
        if concern.status in (ConcernStatus.OPEN, ConcernStatus.ON_AGENDA):
            change_concern_status(concern, ConcernStatus.BEING_ADDRESSED, user)


def create_action_point(
    data: dict, user: User, origin_meeting_id: int | None = None
) -> ActionPoint:
    """A new action point; ``origin_meeting_id`` when it was agreed at a meeting (the meetings
    domain passes it)."""
    concerns = _validate_action_point(data)
    point = ActionPoint(created_by_id=user.id, status=ActionStatus.OPEN)
    point.origin_meeting_id = origin_meeting_id
    _apply_action_point(point, data)
    point.concerns = concerns
    db.session.add(point)
    _address_concerns(concerns, user)
    db.session.flush()
    action_point_assigned.send(point, user=user, previous=())
    return point


def update_action_point(point: ActionPoint, data: dict, user: User) -> ActionPoint:
    concerns = _validate_action_point(data)
    previous = (point.police_owner_id, point.ngo_owner_id)
    _apply_action_point(point, data)
    point.concerns = concerns
    _address_concerns(concerns, user)
    db.session.flush()
    action_point_assigned.send(point, user=user, previous=previous)
    return point


def allowed_status_changes(point: ActionPoint, user: User) -> list[ActionStatus]:
    """The statuses ``user`` may move the point to through a follow-up (not verification)."""
    allowed = action_status_changes(
        user, ACTION_TRANSITIONS[point.status] - {ActionStatus.VERIFIED}, OFFICER_STATUS_CHANGES
    )
    return [s for s in ActionStatus if s in allowed]


ACTION_POINT_LIFECYCLE = Lifecycle(
    ACTION_TRANSITIONS,
    refusal=lambda current, target: _(
        "An action point that is “%(from)s” cannot become “%(to)s”.",
        **{"from": current.label, "to": target.label},
    ),
)


def check_transition(point: ActionPoint, to: ActionStatus) -> None:
    ACTION_POINT_LIFECYCLE.check(point.status, to)


# ---- escalation and review ---------------------------------------------------------------------


def is_overdue(point: ActionPoint, on: date | None = None) -> bool:
    return point.overdue_days(on or today()) > 0


def is_escalated(point: ActionPoint, on: date | None = None) -> bool:
    return point.overdue_days(on or today()) >= escalation_days()
