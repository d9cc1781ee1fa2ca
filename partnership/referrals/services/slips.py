"""Referral slips: the list, issuing stations and officers, slip numbers, issuing a slip."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload, load_only

from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.integrity import unique_as_field_error
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
    Person,
    PersonKind,
)
from partnership.permissions import can_see_client_codes, station_scope
from partnership.referrals.codes import (
    normalise_slip_number,
    slip_number_fits,
)
from partnership.referrals.models import (
    RUNNING_STATUSES,
    Redemption,
    Route,
    Scheme,
    ServicePoint,
    Slip,
)
from partnership.referrals.services.schemes import scheme_station_ids, visible_partner_ids

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
    # Only the columns the list and its download show: never a redemption's client code.
    options = [
        load_only(Slip.number, Slip.issued_on, Slip.route, Slip.scheme_id, Slip.station_id),
        joinedload(Slip.scheme).load_only(Scheme.name, Scheme.status),
        joinedload(Slip.station).load_only(Organisation.name),
        joinedload(Slip.officer).load_only(Person.name),
    ]
    editor = can_see_client_codes(user)
    if editor:
        options.append(
            joinedload(Slip.redemption)
            .load_only(Redemption.redeemed_on)
            .joinedload(Redemption.service_point)
            .load_only(ServicePoint.name)
        )
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
    return list(db.session.scalars(stmt.order_by(by_name(Organisation.name), Organisation.id)))


def officers_at(station_ids) -> list[Person]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(Person)
            .where(
                Person.kind == PersonKind.OFFICER,
                Person.active.is_(True),
                Person.organisation_id.in_(list(station_ids) or [-1]),
            )
            .order_by(by_name(Person.name), Person.id)
        )
    )


OFFICER_SUGGESTIONS = 20


def search_officers(user, text: str, station_id: int | None = None) -> list[Person]:  # noqa: ANN001
    """At most OFFICER_SUGGESTIONS active officers of the user's stations whose name contains
    ``text`` (two characters at least), for the issuing officer's search-as-you-type field."""
    text = " ".join((text or "").split())
    if len(text) < 2:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Person)
        .options(joinedload(Person.organisation).load_only(Organisation.name))
        .where(
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
            Person.name.ilike(pattern, escape="\\"),
        )
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Person.organisation_id.in_(scope))
    if station_id:
        stmt = stmt.where(Person.organisation_id == station_id)
    return list(
        db.session.scalars(
            stmt.order_by(by_name(Person.name), Person.id).limit(OFFICER_SUGGESTIONS)
        )
    )


def officer_named(user, text: str) -> int:  # noqa: ANN001
    """The id of the one active officer of the user's stations called ``text`` (with or
    without their rank): how a name typed without choosing a suggestion is saved."""
    text = " ".join((text or "").split()).lower()
    stmt = select(Person.id).where(
        Person.kind == PersonKind.OFFICER,
        Person.active.is_(True),
        (func.lower(Person.name) == text) | (func.lower(Person.rank + " " + Person.name) == text),
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Person.organisation_id.in_(scope))
    found = list(db.session.scalars(stmt.limit(2)))
    if not found:
        raise FieldError("officer_name", _("No officer of your stations has this name."))
    if len(found) > 1:
        raise FieldError(
            "officer_name", _("Several officers have this name: choose one from the suggestions.")
        )
    return found[0]


def _number_taken(scheme: Scheme, number: str) -> bool:
    return (
        db.session.scalar(select(Slip.id).where(Slip.scheme_id == scheme.id, Slip.number == number))
        is not None
    )


def slip_number_problem(scheme: Scheme, number: str) -> str | None:
    """What is wrong with ``number`` for a new slip (as an NGO editor is told it)."""
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
    problem = slip_number_problem(scheme, number)
    if problem and station_scope(user) is not None and _number_taken(scheme, number):
        # A user who sees only their own stations gets one answer for a number taken anywhere,
        # at their station or another: issuing never confirms that a number exists elsewhere.
        problem = _(
            "Slip %(number)s cannot be recorded. Check the number on the slip; if it is "
            "right, tell the NGO coordinator.",
            number=number,
        )
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
    # Two people entering the same number at the same moment both pass the check above.
    with unique_as_field_error(
        {
            "uq_slips_scheme_id_number": (
                "number",
                _(
                    "Slip %(number)s was recorded in this scheme by someone else a moment ago. "
                    "Nothing was saved: check the number on the slip.",
                    number=number,
                ),
            )
        }
    ):
        db.session.flush()
    return slip
