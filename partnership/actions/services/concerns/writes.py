"""Concerns: logging and editing one, status changes, the agenda status and sealing. Writes
mutate and flush; the request (or CLI command) commits once."""

from __future__ import annotations

from flask_babel import gettext as _

from partnership.accounts.models import User
from partnership.actions.models import (
    Concern,
    ConcernCategory,
    ConcernStatus,
    ConsentScope,
)
from partnership.actions.services.concerns.queries import open_concerns_of_stations, today
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import Lifecycle, change_status
from partnership.mixins import utcnow
from partnership.organisations.models import STATION_KINDS, Organisation, OrganisationKind
from partnership.signals import concern_logged


class SealedError(Exception):
    """A sealed concern can only be annotated."""


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
