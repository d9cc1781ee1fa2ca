"""Referral schemes: who sees which partners and stations, the list, one scheme loaded and
authorised, writes and status changes.

Writes mutate and flush; the request (or CLI command) commits once."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, selectinload

from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import Lifecycle, change_status
from partnership.organisations.models import (
    POLICE_KINDS,
    STATION_KINDS,
    Organisation,
    OrganisationKind,
)
from partnership.permissions import can_edit_referrals, station_scope
from partnership.referrals.codes import (
    CLIENT_CODE_RULES,
)
from partnership.referrals.models import (
    RUNNING_STATUSES,
    Scheme,
    SchemeStatus,
    Slip,
    scheme_partners,
    services_to_text,
)

# ---- scope -------------------------------------------------------------------------------------


def visible_partner_ids(user) -> frozenset[int] | None:  # noqa: ANN001
    """Partner organisations through which an officer takes part in schemes: their stations and
    the commands those stations belong to. ``None``: not restricted."""
    scope = station_scope(user)
    if scope is None:
        return None
    commands = db.session.scalars(
        select(Organisation.command_id).where(
            Organisation.id.in_(scope), Organisation.command_id.is_not(None)
        )
    )
    return frozenset(scope) | frozenset(commands)


def scheme_station_ids(scheme: Scheme) -> set[int]:
    """Stations and posts taking part: partner stations plus every station of a partner command."""
    direct = {o.id for o in scheme.partners if o.kind in STATION_KINDS}
    command_ids = [o.id for o in scheme.partners if o.kind is OrganisationKind.POLICE_COMMAND]
    if command_ids:
        direct |= set(
            db.session.scalars(
                select(Organisation.id).where(
                    Organisation.command_id.in_(command_ids), Organisation.kind.in_(STATION_KINDS)
                )
            )
        )
    return direct


# ---- schemes -----------------------------------------------------------------------------------


@dataclass
class SchemeFilters:
    q: str = ""
    status: str = ""


def _visible_schemes(stmt: Select, user) -> Select:  # noqa: ANN001
    """``stmt`` limited to the schemes an officer's stations or command take part in."""
    partner_ids = visible_partner_ids(user)
    if partner_ids is None:
        return stmt
    return stmt.where(
        Scheme.id.in_(
            select(scheme_partners.c.scheme_id).where(
                scheme_partners.c.organisation_id.in_(partner_ids)
            )
        )
    )


def scheme_choices(user) -> list:  # noqa: ANN001
    """The schemes of a list's scheme filter as (id, name) rows: those the user may see."""
    stmt = select(Scheme.id, Scheme.name).order_by(Scheme.name, Scheme.id)
    return list(db.session.execute(_visible_schemes(stmt, user)))


def scheme_query(user, filters: SchemeFilters | None = None) -> Select:  # noqa: ANN001
    filters = filters or SchemeFilters()
    stmt = _visible_schemes(select(Scheme).options(selectinload(Scheme.partners)), user)
    if filters.q:
        stmt = stmt.where(func.lower(Scheme.name).like(f"%{filters.q.lower()}%"))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Scheme.status == SchemeStatus(filters.status))
    return stmt.order_by(Scheme.name, Scheme.id)


def get_scheme_or_404(scheme_id: int, user, for_edit: bool = False) -> Scheme:  # noqa: ANN001
    scheme = db.session.get(
        Scheme,
        scheme_id,
        options=[selectinload(Scheme.partners), joinedload(Scheme.status_changed_by)],
    )
    if scheme is None:
        abort(404)
    partner_ids = visible_partner_ids(user)
    if partner_ids is not None and not partner_ids & {o.id for o in scheme.partners}:
        abort(404)
    if for_edit and not can_edit_referrals(user):
        abort(403)
    return scheme


def schemes_for_issue(user) -> list:  # noqa: ANN001
    """Running schemes the user may issue slips in, as (id, name) rows."""
    stmt = (
        select(Scheme.id, Scheme.name)
        .where(Scheme.status.in_(list(RUNNING_STATUSES)))
        .order_by(Scheme.name, Scheme.id)
    )
    return list(db.session.execute(_visible_schemes(stmt, user)))


def partner_choices() -> list[Organisation]:
    kinds = POLICE_KINDS | {OrganisationKind.SERVICE, OrganisationKind.NGO}
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(list(kinds)), Organisation.active.is_(True))
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


SCHEME_FIELDS = ("name", "agreement_date", "agreement_document", "protocol", "slip_number_format")


def _validate_scheme(data: dict, existing: Scheme | None) -> list[Organisation]:
    name = (data.get("name") or "").strip()
    clash = db.session.scalar(
        select(Scheme.id).where(
            func.lower(Scheme.name) == name.lower(), Scheme.id != (existing.id if existing else -1)
        )
    )
    if clash:
        raise FieldError("name", _("A scheme with this name already exists."))
    if data.get("client_code_rule") not in CLIENT_CODE_RULES:
        raise FieldError("client_code_rule", _("Choose a rule for client codes."))
    ids = set(data.get("police_partner_ids") or []) | set(data.get("service_partner_ids") or [])
    partners = (
        list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))))
        if ids
        else []
    )
    police = [o for o in partners if o.kind in POLICE_KINDS]
    if not police:
        raise FieldError("police_partner_ids", _("Choose at least one police station or command."))
    if len(police) != len(set(data.get("police_partner_ids") or [])):
        raise FieldError("police_partner_ids", _("Police partners must be police units."))
    if not [o for o in partners if o.kind not in POLICE_KINDS]:
        raise FieldError("service_partner_ids", _("Choose at least one service partner."))
    if data.get("agreement_date") and data["agreement_date"] > date.today():
        raise FieldError("agreement_date", _("The agreement date cannot be in the future."))
    fmt = (data.get("slip_number_format") or "").strip()
    if not fmt or "#" not in fmt:
        raise FieldError("slip_number_format", _("The format needs at least one digit place (#)."))
    if existing is not None and fmt != existing.slip_number_format:
        issued = db.session.scalar(select(func.count(Slip.id)).where(Slip.scheme_id == existing.id))
        if issued:
            raise FieldError(
                "slip_number_format",
                _("Slips were already issued with the current format; it cannot change."),
            )
    return partners


def _apply_scheme(scheme: Scheme, data: dict, partners: list[Organisation]) -> None:
    for field in SCHEME_FIELDS:
        if field in data:
            value = data[field]
            setattr(scheme, field, value.strip() if isinstance(value, str) else value)
    scheme.services = services_to_text(data.get("services") or [])
    scheme.client_code_rule = data["client_code_rule"]
    scheme.partners = partners


def create_scheme(data: dict) -> Scheme:
    partners = _validate_scheme(data, None)
    scheme = Scheme(status=SchemeStatus.PLANNED)
    _apply_scheme(scheme, data, partners)
    db.session.add(scheme)
    db.session.flush()
    return scheme


def update_scheme(scheme: Scheme, data: dict) -> Scheme:
    partners = _validate_scheme(data, scheme)
    _apply_scheme(scheme, data, partners)
    db.session.flush()
    return scheme


SCHEME_TRANSITIONS = {
    SchemeStatus.PLANNED: frozenset({SchemeStatus.PILOT, SchemeStatus.ACTIVE, SchemeStatus.ENDED}),
    SchemeStatus.PILOT: frozenset(
        {SchemeStatus.ACTIVE, SchemeStatus.SUSPENDED, SchemeStatus.ENDED}
    ),
    SchemeStatus.ACTIVE: frozenset({SchemeStatus.SUSPENDED, SchemeStatus.ENDED}),
    SchemeStatus.SUSPENDED: frozenset(
        {SchemeStatus.PILOT, SchemeStatus.ACTIVE, SchemeStatus.ENDED}
    ),
    SchemeStatus.ENDED: frozenset(),
}

SCHEME_LIFECYCLE = Lifecycle(
    SCHEME_TRANSITIONS,
    refusal=lambda current, target: _(
        "A scheme that is %(old)s cannot become %(new)s.",
        old=current.label.lower(),
        new=target.label.lower(),
    ),
    changed_at="status_changed_at",
    changed_by="status_changed_by_id",
)


def change_scheme_status(
    scheme: Scheme,
    status: SchemeStatus,
    user,  # noqa: ANN001
    on: date | None = None,
    reason: str = "",
) -> Scheme:
    """Move a scheme to ``status`` if the transition is allowed; records who, when and why."""
    on = on or date.today()
    SCHEME_LIFECYCLE.check(scheme.status, status)
    if status is SchemeStatus.SUSPENDED and not reason.strip():
        raise FieldError("reason", _("Give the reason for suspending the scheme."))
    if status in RUNNING_STATUSES and scheme.start_date is None:
        scheme.start_date = on
    if status is SchemeStatus.ENDED:
        scheme.end_date = on
    scheme.status_reason = reason.strip()[:255]
    change_status(SCHEME_LIFECYCLE, scheme, status, user, reason)
    return scheme
