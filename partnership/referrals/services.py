"""Queries and writes for schemes, the service directory, slips and redemptions.

Writes mutate and flush; the request (or CLI command, or import) commits once. Officers' scoping
lives in the query builders and the load-and-authorise helpers here, not in templates.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, current_app
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.organisations.models import (
    POLICE_KINDS,
    STATION_KINDS,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
)
from partnership.permissions import can_edit_referrals, can_see_client_codes, station_scope
from partnership.referrals.codes import (
    CLIENT_CODE_RULES,
    client_code_problem,
    normalise_client_code,
    normalise_slip_number,
    slip_number_fits,
)
from partnership.referrals.models import (
    RUNNING_STATUSES,
    Outcome,
    Redemption,
    RedemptionService,
    Route,
    Scheme,
    SchemeStatus,
    ServicePoint,
    ServicePointStatus,
    ServiceType,
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


def scheme_query(user, filters: SchemeFilters | None = None) -> Select:  # noqa: ANN001
    filters = filters or SchemeFilters()
    stmt = select(Scheme).options(selectinload(Scheme.partners))
    partner_ids = visible_partner_ids(user)
    if partner_ids is not None:
        stmt = stmt.where(
            Scheme.id.in_(
                select(scheme_partners.c.scheme_id).where(
                    scheme_partners.c.organisation_id.in_(partner_ids)
                )
            )
        )
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


def schemes_for_issue(user) -> list[Scheme]:  # noqa: ANN001
    """Running schemes the user may issue slips in."""
    stmt = scheme_query(user).where(Scheme.status.in_(list(RUNNING_STATUSES)))
    return list(db.session.scalars(stmt))


def partner_choices() -> list[Organisation]:
    kinds = POLICE_KINDS | {OrganisationKind.SERVICE, OrganisationKind.NGO}
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(list(kinds)), Organisation.active.is_(True))
            .order_by(Organisation.name)
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
    SchemeStatus.PLANNED: {SchemeStatus.PILOT, SchemeStatus.ACTIVE, SchemeStatus.ENDED},
    SchemeStatus.PILOT: {SchemeStatus.ACTIVE, SchemeStatus.SUSPENDED, SchemeStatus.ENDED},
    SchemeStatus.ACTIVE: {SchemeStatus.SUSPENDED, SchemeStatus.ENDED},
    SchemeStatus.SUSPENDED: {SchemeStatus.PILOT, SchemeStatus.ACTIVE, SchemeStatus.ENDED},
    SchemeStatus.ENDED: set(),
}


def change_scheme_status(
    scheme: Scheme,
    status: SchemeStatus,
    user,  # noqa: ANN001
    on: date | None = None,
    reason: str = "",
) -> Scheme:
    """Move a scheme to ``status`` if the transition is allowed; records who, when and why."""
    on = on or date.today()
    if status not in SCHEME_TRANSITIONS[scheme.status]:
        raise FieldError(
            "status",
            _(
                "A scheme that is %(old)s cannot become %(new)s.",
                old=scheme.status.label.lower(),
                new=status.label.lower(),
            ),
        )
    if status is SchemeStatus.SUSPENDED and not reason.strip():
        raise FieldError("reason", _("Give the reason for suspending the scheme."))
    if status in RUNNING_STATUSES and scheme.start_date is None:
        scheme.start_date = on
    if status is SchemeStatus.ENDED:
        scheme.end_date = on
    scheme.status = status
    scheme.status_reason = reason.strip()[:255]
    scheme.status_changed_at = utcnow()
    scheme.status_changed_by_id = getattr(user, "id", None)
    db.session.flush()
    return scheme


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
            .order_by(Organisation.name)
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


# ---- slips -------------------------------------------------------------------------------------


@dataclass
class SlipFilters:
    scheme_id: int | None = None
    station_id: int | None = None
    route: str = ""
    number: str = ""
    state: str = ""  # "redeemed" / "open": NGO editors only


def slip_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    filters = filters or SlipFilters()
    options = [
        joinedload(Slip.scheme),
        joinedload(Slip.station),
        joinedload(Slip.officer),
    ]
    editor = can_see_client_codes(user)
    if editor:
        options.append(joinedload(Slip.redemption))
    stmt = select(Slip).options(*options)
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Slip.station_id.in_(scope))
    if filters.scheme_id:
        stmt = stmt.where(Slip.scheme_id == filters.scheme_id)
    if filters.station_id:
        stmt = stmt.where(Slip.station_id == filters.station_id)
    if filters.route:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Slip.route == Route(filters.route))
    if filters.number:
        stmt = stmt.where(Slip.number.like(f"%{normalise_slip_number(filters.number)}%"))
    # Whether a given slip was redeemed is a redemption record: officers learn only counts.
    if editor and filters.state in ("redeemed", "open"):
        redeemed = select(Redemption.slip_id).where(Redemption.slip_id.is_not(None))
        stmt = stmt.where(
            Slip.id.in_(redeemed) if filters.state == "redeemed" else Slip.id.not_in(redeemed)
        )
    return stmt.order_by(Slip.issued_on.desc(), Slip.id.desc())


def issuing_stations(user, scheme: Scheme | None = None) -> list[Organisation]:  # noqa: ANN001
    """Stations the user may issue slips for: an officer's own, within the scheme if given."""
    stmt = select(Organisation).where(
        Organisation.kind.in_(list(STATION_KINDS)), Organisation.active.is_(True)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if scheme is not None:
        stmt = stmt.where(Organisation.id.in_(scheme_station_ids(scheme) or {-1}))
    return list(db.session.scalars(stmt.order_by(Organisation.name)))


def officers_at(station_ids) -> list[Person]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(Person)
            .where(
                Person.kind == PersonKind.OFFICER,
                Person.active.is_(True),
                Person.organisation_id.in_(list(station_ids) or [-1]),
            )
            .order_by(Person.name)
        )
    )


def slip_number_problem(scheme: Scheme, number: str, user=None) -> str | None:  # noqa: ANN001
    """What is wrong with ``number`` for a new slip. A user who sees only their own stations
    gets one answer for a number taken anywhere, at their station or another, so that issuing a
    slip never confirms that a number exists at a station they may not see."""
    if not number:
        return _("Enter the slip number.")
    if not slip_number_fits(number, scheme.slip_number_format):
        return _(
            "Slip numbers in this scheme look like %(format)s (# is a digit, A a letter).",
            format=scheme.slip_number_format,
        )
    exists = db.session.scalar(
        select(Slip.id).where(Slip.scheme_id == scheme.id, Slip.number == number)
    )
    if exists:
        if user is not None and station_scope(user) is not None:
            return _(
                "Slip %(number)s cannot be recorded. Check the number on the slip; if it is "
                "right, tell the NGO coordinator.",
                number=number,
            )
        return _("Slip %(number)s was already issued in this scheme.", number=number)
    return None


def issue_slip(data: dict, user) -> Slip:  # noqa: ANN001
    """Record a slip. ``data``: scheme_id, number, station_id, officer_id, issued_on, route."""
    scheme = db.session.get(Scheme, data.get("scheme_id") or 0)
    if scheme is None:
        raise FieldError("scheme_id", _("Choose a scheme."))
    partner_ids = visible_partner_ids(user)
    if partner_ids is not None and not partner_ids & {o.id for o in scheme.partners}:
        raise FieldError("scheme_id", _("Choose a scheme."))
    if scheme.status not in RUNNING_STATUSES:
        raise FieldError(
            "scheme_id",
            _(
                "The scheme is %(status)s: slips can be issued only while it is in pilot or "
                "active.",
                status=scheme.status.label.lower(),
            ),
        )
    number = normalise_slip_number(data.get("number"))
    problem = slip_number_problem(scheme, number, user)
    if problem:
        raise FieldError("number", problem)
    station_id = data.get("station_id")
    allowed = {s.id for s in issuing_stations(user, scheme)}
    if station_id not in allowed:
        raise FieldError(
            "station_id",
            _("Choose a station that takes part in this scheme.")
            if station_scope(user) is None
            else _("Choose one of your own stations that takes part in this scheme."),
        )
    officer_id = data.get("officer_id")
    if officer_id:
        officer = db.session.get(Person, officer_id)
        if officer is None or officer.kind is not PersonKind.OFFICER:
            raise FieldError("officer_id", _("Choose an officer."))
        if station_scope(user) is not None and officer.organisation_id not in station_scope(user):
            raise FieldError("officer_id", _("Choose an officer of your own stations."))
    issued_on = data.get("issued_on")
    if issued_on is None:
        raise FieldError("issued_on", _("Enter the date the slip was issued."))
    if issued_on > date.today():
        raise FieldError("issued_on", _("A slip cannot be issued in the future."))
    if scheme.start_date and issued_on < scheme.start_date:
        raise FieldError("issued_on", _("The scheme had not started on that date."))
    try:
        route = Route(data.get("route"))
    except ValueError:
        raise FieldError("route", _("Choose the route of the referral.")) from None
    slip = Slip(
        scheme_id=scheme.id,
        number=number,
        station_id=station_id,
        officer_id=officer_id or None,
        issued_on=issued_on,
        route=route,
        recorded_by_id=getattr(user, "id", None),
    )
    db.session.add(slip)
    db.session.flush()
    return slip


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
                    date=slip.issued_on.isoformat(),
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
    db.session.flush()
    return redemption
