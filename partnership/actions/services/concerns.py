"""Concerns: the list, one concern loaded and authorised, writes, status changes, the agenda
status and sealing (notes: ``concern_notes``).

Writes mutate and flush; the request (or CLI command) commits once."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from partnership.accounts.models import User
from partnership.actions.models import (
    OPEN_CONCERN_STATUSES,
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernCategory,
    ConcernStatus,
    ConsentScope,
    action_point_concerns,
)
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import Lifecycle, change_status
from partnership.mixins import utcnow
from partnership.organisations.models import STATION_KINDS, Organisation, OrganisationKind
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import (
    can_edit_concern,
    can_see_restricted_details,
    sees_concern_summaries,
    station_scope,
)
from partnership.signals import concern_logged


class SealedError(Exception):
    """A sealed concern can only be annotated."""


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
        like = f"%{filters.q.strip().lower()}%"
        searched = [func.lower(Concern.summary).like(like), func.lower(Concern.place).like(like)]
        if can_see_restricted_details(user):
            # Only roles that may read the details may find a concern by them.
            searched.append(func.lower(Concern.restricted_details).like(like))
        stmt = stmt.where(or_(*searched))
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
    scope = station_scope(user)
    if scope is not None and concern.station_id not in scope:
        abort(404)
    if not sees_concern_summaries(user):
        abort(403)
    if for_edit and not can_edit_concern(user, concern):
        abort(403)
    return concern


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


# ---- concerns: writes --------------------------------------------------------------------------

CONCERN_FIELDS = (
    "category",
    "station_id",
    "occurred_on",
    "place",
    "raised_by_id",
    "people_affected",
    "summary",
    "restricted_details",
    "consent_scope",
)

CONCERN_TRANSITIONS: dict[ConcernStatus, frozenset[ConcernStatus]] = {
    ConcernStatus.OPEN: frozenset(
        {
            ConcernStatus.ON_AGENDA,
            ConcernStatus.BEING_ADDRESSED,
            ConcernStatus.RESOLVED,
            ConcernStatus.CLOSED_UNRESOLVED,
        }
    ),
    ConcernStatus.ON_AGENDA: frozenset(
        {
            ConcernStatus.OPEN,
            ConcernStatus.BEING_ADDRESSED,
            ConcernStatus.RESOLVED,
            ConcernStatus.CLOSED_UNRESOLVED,
        }
    ),
    ConcernStatus.BEING_ADDRESSED: frozenset(
        {ConcernStatus.RESOLVED, ConcernStatus.CLOSED_UNRESOLVED}
    ),
    # A resolved or closed concern can be opened again when the problem comes back.
    ConcernStatus.RESOLVED: frozenset({ConcernStatus.OPEN}),
    ConcernStatus.CLOSED_UNRESOLVED: frozenset({ConcernStatus.OPEN}),
}


def _validate_concern(data: dict) -> None:
    station = db.session.get(Organisation, data.get("station_id") or 0)
    if station is None or station.kind not in STATION_KINDS:
        raise FieldError("station_id", _("Choose a police station or post."))
    raised_by_id = data.get("raised_by_id")
    if raised_by_id:
        org = db.session.get(Organisation, raised_by_id)
        if org is None or org.kind not in (
            OrganisationKind.NGO,
            OrganisationKind.COMMUNITY_GROUP,
            OrganisationKind.SERVICE,
        ):
            raise FieldError("raised_by_id", _("Choose the NGO, service or group that raised it."))
    if data.get("occurred_on") and data["occurred_on"] > today():
        raise FieldError("occurred_on", _("The date cannot be in the future."))


def _apply_concern(concern: Concern, data: dict) -> None:
    for field in CONCERN_FIELDS:
        if field in data:
            value = data[field]
            setattr(concern, field, value.strip() if isinstance(value, str) else value)
    concern.category = ConcernCategory(data["category"])
    concern.consent_scope = ConsentScope(data["consent_scope"])
    concern.occurred_month = concern.occurred_on.strftime("%Y-%m")


def create_concern(data: dict, user: User) -> Concern:
    """Log a concern. The meetings domain hears of it (``concern_logged``) and puts it straight
    onto the agenda of a meeting already coming up at the station."""
    _validate_concern(data)
    concern = Concern(created_by_id=user.id, status=ConcernStatus.OPEN)
    _apply_concern(concern, data)
    db.session.add(concern)
    db.session.flush()
    concern_logged.send(concern, user=user)
    return concern


def update_concern(concern: Concern, data: dict) -> Concern:
    if concern.sealed:
        raise SealedError()
    _validate_concern(data)
    _apply_concern(concern, data)
    db.session.flush()
    return concern


CONCERN_LIFECYCLE = Lifecycle(
    CONCERN_TRANSITIONS,
    refusal=lambda current, target: _(
        "A concern that is “%(from)s” cannot become “%(to)s”.",
        **{"from": current.label, "to": target.label},
    ),
    changed_at="status_changed_at",
)


def concern_transitions(concern: Concern) -> frozenset[ConcernStatus]:
    return CONCERN_LIFECYCLE.allowed(concern.status)


def change_concern_status(
    concern: Concern, to: ConcernStatus, user: User | None, reason: str = ""
) -> None:
    """Move the concern on; who and when go to the audit log with the reason."""
    CONCERN_LIFECYCLE.check(concern.status, to)
    if to is ConcernStatus.CLOSED_UNRESOLVED and not reason.strip():
        raise FieldError("reason", _("Give the reason for closing it unresolved."))
    concern.status_reason = reason.strip()
    if to is not ConcernStatus.RESOLVED:
        # Opened again: the next resolution writes its own outcome.
        concern.outcome = ""
    change_status(CONCERN_LIFECYCLE, concern, to, user, reason)


# ---- closing the loop: resolving a concern once its action points are verified -----------------

# An action point that no longer waits for anyone: verified, or dropped with a reason.
_SETTLED_POINT_STATUSES = frozenset({ActionStatus.VERIFIED, ActionStatus.DROPPED})


def ready_to_resolve(concern: Concern) -> bool:
    """Still open, answered by at least one verified action point, and none left to act on or
    to verify. The concern is then offered for resolution; it never resolves by itself."""
    points = concern.action_points
    return (
        concern.status.is_open
        and any(p.status is ActionStatus.VERIFIED for p in points)
        and all(p.status in _SETTLED_POINT_STATUSES for p in points)
    )


def resolution_outcome(concern: Concern) -> str:
    """The outcome to pre-fill: what was done under each verified action point, and what the
    verifying side noted."""
    lines = []
    for point in concern.action_points:
        if point.status is not ActionStatus.VERIFIED:
            continue
        line = f"AP-{point.id} {point.title}: {point.action_taken or '—'}"
        if point.verification_note:
            line += " " + _("(verified: %(note)s)", note=point.verification_note)
        lines.append(line)
    return "\n".join(lines)


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
        ~answered_by(*_SETTLED_POINT_STATUSES, negate=True),
    ]


def concerns_ready_to_resolve(concern_ids: list[int]) -> list[Concern]:
    """Of these concerns, those ready to resolve, with their action points loaded (two queries
    whatever their number)."""
    if not concern_ids:
        return []
    concerns = db.session.scalars(
        select(Concern)
        .options(selectinload(Concern.action_points))
        .where(Concern.id.in_(list(concern_ids)), Concern.status.in_(list(OPEN_CONCERN_STATUSES)))
        .order_by(Concern.id)
    )
    return [c for c in concerns if ready_to_resolve(c)]


def resolve_concern(concern: Concern, user: User, outcome: str) -> None:
    """Resolve the concern with its outcome written down; who and when go to the audit log."""
    CONCERN_LIFECYCLE.check(concern.status, ConcernStatus.RESOLVED)
    outcome = outcome.strip()
    if not outcome:
        raise FieldError("outcome", _("Write what came of it."))
    concern.outcome = outcome
    change_concern_status(concern, ConcernStatus.RESOLVED, user)


def put_concern_on_agenda(concern: Concern, user: User | None = None) -> bool:
    """An open concern placed on a meeting's agenda; ``False`` when it is already further on."""
    if concern.status is ConcernStatus.OPEN:
        change_concern_status(concern, ConcernStatus.ON_AGENDA, user)
        return True
    return False


def put_station_concerns_on_agenda(station_ids: list[int], user: User | None = None) -> int:
    """Open concerns of the stations of a meeting now scheduled or confirmed move to "on an
    agenda"; called by the meetings domain. Returns how many moved."""
    moved = 0
    for concern in open_concerns_of_stations(list(station_ids)):
        moved += put_concern_on_agenda(concern, user)
    return moved


def take_station_concerns_off_agenda(station_ids: list[int], user: User | None = None) -> int:
    """A meeting was cancelled: concerns "on an agenda" at these stations (those that now have
    no meeting coming, as the meetings domain decides) go back to "open", so the due lists and
    the next meeting pick them up again. Returns how many moved."""
    moved = 0
    for concern in open_concerns_of_stations(list(station_ids)):
        if concern.status is ConcernStatus.ON_AGENDA:
            change_concern_status(
                concern, ConcernStatus.OPEN, user, _("The meeting was cancelled.")
            )
            moved += 1
    return moved


def seal_concern(concern: Concern, user: User) -> None:
    if concern.sealed:
        raise SealedError()
    concern.sealed_at = utcnow()
    concern.sealed_by_id = user.id
    db.session.flush()
