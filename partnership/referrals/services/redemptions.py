"""Redemptions: a slip presented at a service and the service received."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from partnership import audit
from partnership.database import bulk_insert, new_ids
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.integrity import unique_as_field_error
from partnership.mixins import utcnow
from partnership.referrals import summary
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
from partnership.referrals.services.slips.lists import station_alias

# ---- redemptions -------------------------------------------------------------------------------


@dataclass
class RedemptionFilters:
    scheme_id: int | None = None
    service_point_id: int | None = None
    code: str = ""


def redemption_query(filters: RedemptionFilters | None = None) -> Select:
    """Redemption records: NGO editors only (the views' rules admit nobody else)."""
    stmt = select(Redemption).options(
        joinedload(Redemption.scheme),
        joinedload(Redemption.slip),
        joinedload(Redemption.station),
        joinedload(Redemption.service_point),
        selectinload(Redemption.provided),
    )
    return _filtered(stmt, filters or RedemptionFilters())


def redemption_page_query(filters: RedemptionFilters | None = None) -> Select:
    """The redemptions list's ids, in its order and with its filters, chosen from the
    redemptions table's indexes alone; ``redemption_list_rows`` joins only the page's."""
    return _filtered(select(Redemption.id), filters or RedemptionFilters())


@dataclass(frozen=True)
class RedemptionRow:
    """What the redemptions list shows of one visit."""

    id: int
    redeemed_on: date
    client_code: str
    outcome: Outcome
    follow_up: str
    follow_up_on: date | None
    slip_number: str | None
    station_name: str | None
    service_point_name: str
    service_types: list[ServiceType]


def redemption_list_rows(ids: Sequence[int]) -> list[RedemptionRow]:
    """What the redemptions list shows of the visits ``ids``, in that order: two queries (the
    visits with their slip, station and service point; the services provided)."""
    if not ids:
        return []
    ids = list(ids)
    station = station_alias()
    rows = db.session.execute(
        select(
            Redemption.id,
            Redemption.redeemed_on,
            Redemption.client_code,
            Redemption.outcome,
            Redemption.follow_up,
            Redemption.follow_up_on,
            Slip.number,
            station.name,
            ServicePoint.name,
        )
        .outerjoin(Slip, Slip.id == Redemption.slip_id)
        .outerjoin(station, station.id == Redemption.station_id)
        .join(ServicePoint, ServicePoint.id == Redemption.service_point_id)
        .where(Redemption.id.in_(ids))
    ).all()
    services: dict[int, list[ServiceType]] = {}
    for redemption_id, service in db.session.execute(
        select(RedemptionService.redemption_id, RedemptionService.service)
        .where(RedemptionService.redemption_id.in_(ids))
        .order_by(RedemptionService.redemption_id, RedemptionService.service)
    ):
        services.setdefault(redemption_id, []).append(service)
    by_id = {row[0]: RedemptionRow(*row, service_types=services.get(row[0], [])) for row in rows}
    return [by_id[i] for i in ids if i in by_id]


def _filtered(stmt: Select, filters: RedemptionFilters) -> Select:
    if filters.scheme_id:
        stmt = stmt.where(Redemption.scheme_id == filters.scheme_id)
    if filters.service_point_id:
        stmt = stmt.where(Redemption.service_point_id == filters.service_point_id)
    if filters.code:
        stmt = stmt.where(Redemption.client_code == normalise_client_code(filters.code))
    return stmt.order_by(Redemption.redeemed_on.desc(), Redemption.id.desc())


@dataclass
class Redeeming:
    """What every redemption recorded in a scheme is checked against, loaded once: for the one
    visit of the form, or the thousands of an imported register."""

    scheme: Scheme
    user_id: int | None
    service_partners: frozenset[int]  # organisations whose service points take part
    stations: frozenset[int] | None = (
        None  # the scheme's stations, loaded when a walk-in needs them
    )

    def scheme_stations(self) -> frozenset[int]:
        if self.stations is None:
            self.stations = frozenset(scheme_station_ids(self.scheme))
        return self.stations


@dataclass(frozen=True)
class SlipFacts:
    """What a redemption needs to know of its slip."""

    id: int
    issued_on: date
    station_id: int
    redeemed: bool


def redeeming_in(scheme_id: int | None, user) -> Redeeming:  # noqa: ANN001
    """The scheme a visit is recorded in, checked: running, or ended (late records)."""
    scheme = db.session.get(Scheme, scheme_id or 0)
    if scheme is None:
        raise FieldError("scheme_id", _("Choose a scheme."))
    if scheme.status is SchemeStatus.SUSPENDED:
        raise FieldError(
            "scheme_id",
            _("The scheme is suspended: no slips can be redeemed until it resumes."),
        )
    if scheme.status not in RUNNING_STATUSES and scheme.status is not SchemeStatus.ENDED:
        raise FieldError("scheme_id", _("The scheme has not started yet."))
    return Redeeming(
        scheme=scheme,
        user_id=getattr(user, "id", None),
        service_partners=frozenset(o.id for o in scheme.service_partners),
    )


LOOKUP_CHUNK = 20_000


def slips_by_number(scheme: Scheme, numbers: Iterable[str]) -> dict[str, SlipFacts]:
    """The scheme's slips among ``numbers``, with whether each was redeemed: one query for a
    whole register (IN lists of up to 20,000 numbers fit both databases)."""
    wanted = sorted({n for n in numbers if n})
    found: dict[str, SlipFacts] = {}
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        rows = db.session.execute(
            select(Slip.number, Slip.id, Slip.issued_on, Slip.station_id, Redemption.id)
            .outerjoin(Redemption, Redemption.slip_id == Slip.id)
            .where(Slip.scheme_id == scheme.id, Slip.number.in_(chunk))
        )
        for number, slip_id, issued_on, station_id, redemption_id in rows:
            found[number] = SlipFacts(slip_id, issued_on, station_id, redemption_id is not None)
    return found


def record_redemption(data: dict, user) -> Redemption:  # noqa: ANN001
    """Record that a slip was presented at a service (or a walk-in referred without a slip).

    ``data``: scheme_id, walk_in, slip_number, station_id (walk-ins), redeemed_on,
    service_point_id, consent, client_code, services, outcome, follow_up, follow_up_on.
    """
    redeeming = redeeming_in(data.get("scheme_id"), user)
    slip = None
    number = normalise_slip_number(data.get("slip_number"))
    if not data.get("walk_in") and number:
        slip = db.session.scalar(
            select(Slip)
            .options(joinedload(Slip.redemption))
            .where(Slip.scheme_id == redeeming.scheme.id, Slip.number == number)
        )
    facts = (
        SlipFacts(slip.id, slip.issued_on, slip.station_id, slip.redemption is not None)
        if slip is not None
        else None
    )
    point = db.session.get(ServicePoint, data.get("service_point_id") or 0)
    values = check_redemption(redeeming, data, facts, point)
    services = values.pop("services")
    redemption = Redemption(**values, provided=[RedemptionService(service=s) for s in services])
    if slip is not None:
        redemption.slip = slip  # the slip loaded here knows at once that it was redeemed
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


def check_redemption(
    redeeming: Redeeming, data: dict, slip: SlipFacts | None, point: ServicePoint | None
) -> dict:
    """The column values of a new redemption (and ``services``, the services provided), or
    FieldError for the first thing wrong. ``slip``: the scheme's slip of that number, if any;
    ``point``: the service point ``data`` names, if it exists."""
    scheme = redeeming.scheme
    redeemed_on = data.get("redeemed_on")
    if redeemed_on is None:
        raise FieldError("redeemed_on", _("Enter the date the client came."))
    if redeemed_on > date.today():
        raise FieldError("redeemed_on", _("The date cannot be in the future."))
    walk_in = bool(data.get("walk_in"))
    station_id = None
    if walk_in:
        if data.get("slip_number"):
            raise FieldError(
                "slip_number", _("A walk-in has no slip: leave the number empty or untick walk-in.")
            )
        station_id = data.get("station_id") or None
        if station_id and station_id not in redeeming.scheme_stations():
            raise FieldError("station_id", _("Choose a station that takes part in this scheme."))
    else:
        number = normalise_slip_number(data.get("slip_number"))
        if not number:
            raise FieldError(
                "slip_number", _("Enter the slip number, or tick walk-in if there is none.")
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
        if slip.redeemed:
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
    if point is None or point.organisation_id not in redeeming.service_partners:
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
    return {
        "scheme_id": scheme.id,
        "slip_id": slip.id if slip is not None and not walk_in else None,
        "station_id": station_id,
        "walk_in": walk_in,
        "redeemed_on": redeemed_on,
        "service_point_id": point.id,
        "client_code": code,
        "consent": consent,
        "outcome": outcome,
        "follow_up": (data.get("follow_up") or "").strip(),
        "follow_up_on": follow_up_on,
        "recorded_by_id": redeeming.user_id,
        "services": list(dict.fromkeys(services)),
    }


def record_redemptions(visits: Sequence[dict]) -> int:
    """Write checked redemptions (``check_redemption``'s values) in a few statements whatever
    their number, with their services and an audit entry each (client codes masked); returns
    how many. A slip someone else redeemed meanwhile refuses them all, as an error of the file."""
    if not visits:
        return 0
    table = Redemption.__table__
    db.session.flush()
    ids = new_ids(table, len(visits))
    now = utcnow()
    rows = [
        {k: v for k, v in visit.items() if k != "services"}
        | {"id": rid, "created_at": now, "updated_at": now, "version": 1}
        for rid, visit in zip(ids, visits, strict=True)
    ]
    race = _(
        "Some of these slips were redeemed by someone else a moment ago. Nothing was saved: "
        "import the file again to see which."
    )
    with unique_as_field_error({"uq_redemptions_slip_id": ("file", race)}):
        bulk_insert(table, rows)
    summary.redemptions_added(
        db.session.connection(),
        [row | {"services": visit["services"]} for row, visit in zip(rows, visits, strict=True)],
    )
    provided = [
        {"redemption_id": rid, "service": service}
        for rid, visit in zip(ids, visits, strict=True)
        for service in visit["services"]
    ]
    if provided:
        bulk_insert(RedemptionService.__table__, provided)
    audit.record_bulk_creates(
        Redemption, [(rid, f"redemption {rid}", row) for rid, row in zip(ids, rows, strict=True)]
    )
    return len(rows)
