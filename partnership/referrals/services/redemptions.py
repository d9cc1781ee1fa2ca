"""Redemptions: a slip presented at a service and the service received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from partnership.extensions import db
from partnership.forms import FieldError
from partnership.integrity import unique_as_field_error
from partnership.referrals.codes import (
    client_code_problem,
    normalise_client_code,
    normalise_slip_number,
)
from partnership.referrals.models import (
    RUNNING_STATUSES,
    Outcome,
    Redemption,
    RedemptionService,
    Scheme,
    SchemeStatus,
    ServicePoint,
    ServicePointStatus,
    ServiceType,
    Slip,
)
from partnership.referrals.services.schemes import scheme_station_ids

# ---- redemptions -------------------------------------------------------------------------------


@dataclass
class RedemptionFilters:
    scheme_id: int | None = None
    service_point_id: int | None = None
    code: str = ""


def redemption_query(filters: RedemptionFilters | None = None) -> Select:
    """Redemption records: NGO editors only (the views' rules admit nobody else)."""
    filters = filters or RedemptionFilters()
    stmt = select(Redemption).options(
        joinedload(Redemption.scheme),
        joinedload(Redemption.slip),
        joinedload(Redemption.station),
        joinedload(Redemption.service_point),
        selectinload(Redemption.provided),
    )
    if filters.scheme_id:
        stmt = stmt.where(Redemption.scheme_id == filters.scheme_id)
    if filters.service_point_id:
        stmt = stmt.where(Redemption.service_point_id == filters.service_point_id)
    if filters.code:
        stmt = stmt.where(Redemption.client_code == normalise_client_code(filters.code))
    return stmt.order_by(Redemption.redeemed_on.desc(), Redemption.id.desc())


def record_redemption(data: dict, user) -> Redemption:  # noqa: ANN001
    """Record that a slip was presented at a service (or a walk-in referred without a slip).

    ``data``: scheme_id, walk_in, slip_number, station_id (walk-ins), redeemed_on,
    service_point_id, consent, client_code, services, outcome, follow_up, follow_up_on.
    """
    scheme = db.session.get(Scheme, data.get("scheme_id") or 0)
    if scheme is None:
        raise FieldError("scheme_id", _("Choose a scheme."))
    if scheme.status is SchemeStatus.SUSPENDED:
        raise FieldError(
            "scheme_id",
            _("The scheme is suspended: no slips can be redeemed until it resumes."),
        )
    if scheme.status not in RUNNING_STATUSES and scheme.status is not SchemeStatus.ENDED:
        raise FieldError("scheme_id", _("The scheme has not started yet."))
    redeemed_on = data.get("redeemed_on")
    if redeemed_on is None:
        raise FieldError("redeemed_on", _("Enter the date the client came."))
    if redeemed_on > date.today():
        raise FieldError("redeemed_on", _("The date cannot be in the future."))
    walk_in = bool(data.get("walk_in"))
    slip = None
    station_id = None
    if walk_in:
        if data.get("slip_number"):
            raise FieldError(
                "slip_number", _("A walk-in has no slip: leave the number empty or untick walk-in.")
            )
        station_id = data.get("station_id") or None
        if station_id and station_id not in scheme_station_ids(scheme):
            raise FieldError("station_id", _("Choose a station that takes part in this scheme."))
    else:
        number = normalise_slip_number(data.get("slip_number"))
        if not number:
            raise FieldError(
                "slip_number", _("Enter the slip number, or tick walk-in if there is none.")
            )
        slip = db.session.scalar(
            select(Slip)
            .options(joinedload(Slip.redemption))
            .where(Slip.scheme_id == scheme.id, Slip.number == number)
        )
        if slip is None:
            raise FieldError(
                "slip_number",
                _(
                    "No slip %(number)s has been issued in this scheme: record the slip's issue "
                    "first, or tick walk-in.",
                    number=number,
                ),
            )
        if slip.redemption is not None:
            raise FieldError("slip_number", _("This slip was already redeemed."))
        if redeemed_on < slip.issued_on:
            raise FieldError(
                "redeemed_on",
                _(
                    "The slip was issued on %(date)s: it cannot be redeemed before that.",
                    date=format_date(slip.issued_on),
                ),
            )
        station_id = slip.station_id
    point = db.session.get(ServicePoint, data.get("service_point_id") or 0)
    if point is None or point.organisation_id not in {o.id for o in scheme.service_partners}:
        raise FieldError("service_point_id", _("Choose a service point of this scheme."))
    if point.status is ServicePointStatus.CLOSED:
        raise FieldError("service_point_id", _("This service point is closed."))
    consent = bool(data.get("consent"))
    code = normalise_client_code(data.get("client_code"))
    if consent:
        problem = client_code_problem(code, scheme.client_code_rule, today=redeemed_on)
        if problem:
            raise FieldError("client_code", problem)
    elif code:
        raise FieldError(
            "client_code", _("Without the client's consent, leave the client code empty.")
        )
    try:
        outcome = Outcome(data.get("outcome"))
    except ValueError:
        raise FieldError("outcome", _("Choose the outcome.")) from None
    try:
        services = [ServiceType(s) for s in data.get("services") or []]
    except ValueError:
        raise FieldError("services", _("Choose services from the list.")) from None
    if outcome is Outcome.REACHED and not services:
        raise FieldError("services", _("Choose the services provided."))
    follow_up_on = data.get("follow_up_on")
    if follow_up_on and follow_up_on < redeemed_on:
        raise FieldError("follow_up_on", _("The follow-up cannot be before the visit."))
    redemption = Redemption(
        scheme_id=scheme.id,
        slip=slip,
        station_id=station_id,
        walk_in=walk_in,
        redeemed_on=redeemed_on,
        service_point_id=point.id,
        client_code=code,
        consent=consent,
        outcome=outcome,
        follow_up=(data.get("follow_up") or "").strip(),
        follow_up_on=follow_up_on,
        recorded_by_id=getattr(user, "id", None),
        provided=[RedemptionService(service=s) for s in dict.fromkeys(services)],
    )
    db.session.add(redemption)
    # The same slip presented twice at the same moment both pass the check above.
    with unique_as_field_error(
        {
            "uq_redemptions_slip_id": (
                "slip_number",
                _(
                    "This slip was redeemed by someone else a moment ago. Nothing was saved: "
                    "open the redemptions to see the stored visit."
                ),
            )
        }
    ):
        db.session.flush()
    return redemption
