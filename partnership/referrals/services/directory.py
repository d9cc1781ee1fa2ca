"""The service directory: service points, when an entry is stale, writes."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import (
    Organisation,
    OrganisationKind,
)
from partnership.permissions import can_edit_referrals
from partnership.referrals.models import (
    Scheme,
    ServicePoint,
    ServicePointStatus,
    ServiceType,
    services_to_text,
)

# ---- service directory -------------------------------------------------------------------------


def stale_before(today: date | None = None) -> date:
    days = current_app.config.get("REFERRAL_DIRECTORY_STALE_DAYS", 180)
    return (today or date.today()) - timedelta(days=days)


def is_stale(point: ServicePoint, today: date | None = None) -> bool:
    return point.last_checked is None or point.last_checked < stale_before(today)


@dataclass
class ServicePointFilters:
    q: str = ""
    service: str = ""
    status: str = ""
    stale: bool = False


def service_point_query(filters: ServicePointFilters | None = None) -> Select:
    filters = filters or ServicePointFilters()
    stmt = select(ServicePoint).options(joinedload(ServicePoint.organisation))
    if filters.q:
        like = f"%{filters.q.lower()}%"
        stmt = stmt.join(ServicePoint.organisation).where(
            or_(
                func.lower(ServicePoint.name).like(like),
                func.lower(ServicePoint.address).like(like),
                func.lower(Organisation.name).like(like),
            )
        )
    if filters.service:
        with contextlib.suppress(ValueError):
            value = ServiceType(filters.service).value
            stmt = stmt.where(("," + ServicePoint.services + ",").like(f"%,{value},%"))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(ServicePoint.status == ServicePointStatus(filters.status))
    if filters.stale:
        stmt = stmt.where(
            or_(ServicePoint.last_checked.is_(None), ServicePoint.last_checked < stale_before())
        )
    return stmt.order_by(ServicePoint.name, ServicePoint.id)


def get_service_point_or_404(point_id: int, user, for_edit: bool = False) -> ServicePoint:  # noqa: ANN001
    point = db.session.get(ServicePoint, point_id, options=[joinedload(ServicePoint.organisation)])
    if point is None:
        abort(404)
    if for_edit and not can_edit_referrals(user):
        abort(403)
    return point


def service_providers() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.kind.in_([OrganisationKind.SERVICE, OrganisationKind.NGO]),
                Organisation.active.is_(True),
            )
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


SERVICE_POINT_FIELDS = (
    "organisation_id",
    "name",
    "address",
    "opening_hours",
    "last_checked",
    "notes",
)


def _validate_service_point(data: dict) -> None:
    org = db.session.get(Organisation, data.get("organisation_id") or 0)
    if org is None or org.kind not in (OrganisationKind.SERVICE, OrganisationKind.NGO):
        raise FieldError("organisation_id", _("Choose the service or NGO that runs this place."))
    if not data.get("services"):
        raise FieldError("services", _("Choose at least one service offered here."))
    if data.get("last_checked") and data["last_checked"] > date.today():
        raise FieldError("last_checked", _("The date last checked cannot be in the future."))


def _apply_service_point(point: ServicePoint, data: dict) -> None:
    for field in SERVICE_POINT_FIELDS:
        if field in data:
            value = data[field]
            setattr(point, field, value.strip() if isinstance(value, str) else value)
    point.services = services_to_text(data["services"])
    point.status = ServicePointStatus(data.get("status") or ServicePointStatus.ACTIVE.value)


def create_service_point(data: dict) -> ServicePoint:
    _validate_service_point(data)
    point = ServicePoint()
    _apply_service_point(point, data)
    db.session.add(point)
    db.session.flush()
    return point


def update_service_point(point: ServicePoint, data: dict) -> ServicePoint:
    _validate_service_point(data)
    _apply_service_point(point, data)
    db.session.flush()
    return point


def mark_service_point_checked(point: ServicePoint, on: date | None = None) -> None:
    point.last_checked = on or date.today()
    db.session.flush()


def service_points_for(scheme: Scheme) -> list[ServicePoint]:
    """Open service points run by the scheme's service partners, for redemption forms."""
    ids = [o.id for o in scheme.service_partners]
    return list(
        db.session.scalars(
            select(ServicePoint)
            .where(
                ServicePoint.organisation_id.in_(ids),
                ServicePoint.status != ServicePointStatus.CLOSED,
            )
            .order_by(ServicePoint.name)
        )
    )
