"""Concerns: the list and its filters, one concern loaded and authorised, the action points
answering it, and the open concerns of stations."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app
from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernCategory,
    ConcernStatus,
    action_point_concerns,
)
from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import (
    can_edit_concern,
    can_see_organisation,
    search_audiences,
    sees_concern_summaries,
    station_scope,
)
from partnership.search.index import matching_ids


def today() -> date:
    return date.today()


def escalation_days() -> int:
    return int(current_app.config.get("ESCALATION_DAYS", 14))


# ---- concerns: queries -------------------------------------------------------------------------


@dataclass
class ConcernFilters:
    q: str = ""
    status: str = ""
    category: str = ""
    station_id: int | None = None
    open_only: bool = False
    # Open concerns whose action points are all settled, at least one verified: to resolve.
    ready: bool = False
    country: str = ""
    command_id: int | None = None
    occurred_from: date | None = None
    occurred_to: date | None = None


def concern_query(user: User, filters: ConcernFilters) -> Select:
    """Every concern the user may see that the filters keep, with what a download writes."""
    stmt = select(Concern).options(joinedload(Concern.station), joinedload(Concern.raised_by))
    return _filtered(stmt, user, filters)


# What a line of the concerns list shows: no details, outcome or notes read for it.
LIST_COLUMNS = (
    Concern.id,
    Concern.category,
    Concern.station_id,
    Concern.occurred_on,
    Concern.place,
    Concern.summary,
    Concern.status,
    Concern.sealed_at,
)


def concern_line_options() -> list:
    """Load options for lines of concerns: ``LIST_COLUMNS`` and the station's name."""
    return [
        load_only(*LIST_COLUMNS),
        joinedload(Concern.station).load_only(Organisation.id, Organisation.name),
    ]


def concern_list_query(user: User, filters: ConcernFilters) -> Select:
    """``concern_query`` with only what the list shows."""
    return _filtered(select(Concern).options(*concern_line_options()), user, filters)


def _filtered(stmt: Select, user: User, filters: ConcernFilters) -> Select:
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Concern.station_id.in_(scope))
    if filters.q:
        stmt = stmt.where(Concern.id.in_(_matching_ids(user, filters.q)))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Concern.status == ConcernStatus(filters.status))
    if filters.open_only:
        stmt = stmt.where(Concern.status.in_(list(OPEN_CONCERN_STATUSES)))
    if filters.category:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Concern.category == ConcernCategory(filters.category))
    if filters.ready:
        stmt = stmt.where(*ready_to_resolve_conditions())
    if filters.station_id:
        stmt = stmt.where(Concern.station_id == filters.station_id)
    place = station_ids_in_place(filters.country, filters.command_id)
    if place is not None:
        stmt = stmt.where(Concern.station_id.in_(place))
    if filters.occurred_from:
        stmt = stmt.where(Concern.occurred_on >= filters.occurred_from)
    if filters.occurred_to:
        stmt = stmt.where(Concern.occurred_on <= filters.occurred_to)
    return stmt.order_by(Concern.occurred_on.desc(), Concern.id.desc())


def _matching_ids(user: User, text: str) -> Select:
    """The concerns whose summary or place have words starting with each word of ``text``, or
    whose number it is ("C-12"), from the search index (no concern row read for the others).
    Restricted details are searched only by the roles that may read them: otherwise a match
    would confirm what they say."""
    dialect = db.session.get_bind().dialect.name
    ids = matching_ids(dialect, "concern", text, search_audiences(user))
    # Nothing to search for (only punctuation): nothing matches, as no words can.
    return ids if ids is not None else select(Concern.id).where(false())


def get_concern_or_404(
    concern_id: int, user: User, for_edit: bool = False, with_related: bool = True
) -> Concern:
    """The concern, or 404 outside an officer's stations (403 for a role that reads no
    concerns, or ``for_edit`` one that may not edit it). ``with_related``: who raised and
    sealed it and its action points loaded too; without, they load when read."""
    extra = [
        joinedload(Concern.raised_by),
        joinedload(Concern.sealed_by),
        selectinload(Concern.action_points).joinedload(ActionPoint.station),
    ]
    concern = db.session.get(
        Concern,
        concern_id,
        options=[joinedload(Concern.station), *(extra if with_related else [])],
    )
    if concern is None:
        abort(404)
    check_may_see(concern.station_id, user)
    if for_edit and not can_edit_concern(user, concern):
        abort(403)
    return concern


def check_may_see(station_id: int, user: User) -> None:
    """404 for a concern outside an officer's stations, 403 for a role that reads no concerns
    (as ``get_concern_or_404``), from its station alone (a kept page's copy of it)."""
    if not can_see_organisation(user, station_id):
        abort(404)
    if not sees_concern_summaries(user):
        abort(403)


def concern_points(concern: Concern) -> list[ActionPoint]:
    """The action points answering the concern, as lines of a list (see ``point_line_options``
    in the action points' services: the same columns)."""
    return list(
        db.session.scalars(
            select(ActionPoint)
            .join(action_point_concerns, action_point_concerns.c.action_point_id == ActionPoint.id)
            .where(action_point_concerns.c.concern_id == concern.id)
            .options(
                load_only(*POINT_LINE_COLUMNS),
                joinedload(ActionPoint.station).load_only(Organisation.id, Organisation.name),
                joinedload(ActionPoint.police_owner).load_only(User.id, User.name),
                joinedload(ActionPoint.ngo_owner).load_only(User.id, User.name),
            )
            .order_by(ActionPoint.id)
        )
    )


POINT_LINE_COLUMNS = (
    ActionPoint.id,
    ActionPoint.title,
    ActionPoint.station_id,
    ActionPoint.police_owner_id,
    ActionPoint.ngo_owner_id,
    ActionPoint.due_on,
    ActionPoint.status,
)


def _open_concerns_of(station_ids: list[int]) -> Select:
    return select(Concern).where(
        Concern.station_id.in_(station_ids),
        Concern.status.in_(list(OPEN_CONCERN_STATUSES)),
    )


def open_concerns_of_stations(station_ids: list[int], limit: int | None = None) -> list[Concern]:
    """Open concerns of the stations, the oldest first; at most ``limit`` of them."""
    if not station_ids:
        return []
    stmt = (
        _open_concerns_of(station_ids)
        .options(joinedload(Concern.station))
        .order_by(Concern.occurred_on, Concern.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def count_open_concerns_of_stations(station_ids: list[int]) -> int:
    if not station_ids:
        return 0
    return (
        db.session.scalar(_open_concerns_of(station_ids).with_only_columns(func.count(Concern.id)))
        or 0
    )


# An action point that no longer waits for anyone: verified, or dropped with a reason.
SETTLED_POINT_STATUSES = frozenset({ActionStatus.VERIFIED, ActionStatus.DROPPED})


def ready_to_resolve_conditions() -> list:
    """``ready_to_resolve`` in SQL, for lists and counts of the concerns to resolve."""

    def answered_by(*statuses: ActionStatus, negate: bool = False):  # noqa: ANN202
        status = ActionPoint.status.in_(list(statuses))
        return (
            select(action_point_concerns.c.concern_id)
            .join(ActionPoint, ActionPoint.id == action_point_concerns.c.action_point_id)
            .where(
                action_point_concerns.c.concern_id == Concern.id,
                ~status if negate else status,
            )
            .exists()
        )

    return [
        Concern.status.in_(list(OPEN_CONCERN_STATUSES)),
        answered_by(ActionStatus.VERIFIED),
        ~answered_by(*SETTLED_POINT_STATUSES, negate=True),
    ]
