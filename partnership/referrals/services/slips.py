"""Referral slips: the list, issuing stations and officers, slip numbers, issuing a slip."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased, joinedload, load_only

from partnership import audit
from partnership.collation import by_name
from partnership.database import bulk_insert
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.integrity import unique_as_field_error
from partnership.mixins import utcnow
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
    Person,
    PersonKind,
)
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import can_see_client_codes, station_scope
from partnership.referrals import summary
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
    # The place and period filters the dashboard's referral tiles send.
    country: str = ""
    command_id: int | None = None
    issued_from: date | None = None
    issued_to: date | None = None


def slip_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    # Only the columns the list shows: never a redemption's client code.
    options = [
        load_only(Slip.number, Slip.issued_on, Slip.route, Slip.scheme_id, Slip.station_id),
        joinedload(Slip.scheme).load_only(Scheme.name, Scheme.status),
        joinedload(Slip.station).load_only(Organisation.name),
        joinedload(Slip.officer).load_only(Person.name),
    ]
    if can_see_client_codes(user):
        options.append(
            joinedload(Slip.redemption)
            .load_only(Redemption.redeemed_on)
            .joinedload(Redemption.service_point)
            .load_only(ServicePoint.name)
        )
    return _filtered(select(Slip).options(*options), user, filters or SlipFilters())


def slip_page_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    """The slips list's ids, in its order and with its filters: the page is chosen from the
    slips table's indexes alone (the officer's stations, a station or a scheme, the date
    order), and only the slips of that page are joined to what the list shows
    (``slip_list_rows``)."""
    return _filtered(select(Slip.id), user, filters or SlipFilters())


def slip_list_rows(user, ids: Sequence[int]) -> list:  # noqa: ANN001
    """What the slips list shows of the slips ``ids``, in that order, as plain rows: number,
    date issued, route, scheme (name, status), station and officer names, and for NGO editors
    the date the slip was redeemed. One query; never a client code."""
    if not ids:
        return []
    station = aliased(Organisation)
    stmt = (
        select(
            Slip.id,
            Slip.number,
            Slip.issued_on,
            Slip.route,
            Slip.scheme_id,
            Scheme.name.label("scheme_name"),
            Scheme.status.label("scheme_status"),
            station.name.label("station_name"),
            Person.name.label("officer_name"),
        )
        .join(Scheme, Scheme.id == Slip.scheme_id)
        .join(station, station.id == Slip.station_id)
        .outerjoin(Person, Person.id == Slip.officer_id)
        .where(Slip.id.in_(list(ids)))
    )
    if can_see_client_codes(user):
        stmt = stmt.add_columns(Redemption.redeemed_on).outerjoin(
            Redemption, Redemption.slip_id == Slip.id
        )
    rows = {row.id: row for row in db.session.execute(stmt)}
    return [rows[i] for i in ids if i in rows]


def slip_number_pattern(typed: str) -> str:
    """The LIKE pattern of the search by number: numbers that begin with what was typed, in
    capitals and without spaces, as numbers are stored. Read from an index on both databases
    (ix_slips_number_nocase, ix_slips_number_pattern), where "anywhere in the number" would
    read every slip."""
    number = normalise_slip_number(typed)
    return number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def slip_rows_query(user, filters: SlipFilters | None = None) -> Select:  # noqa: ANN001
    """The download's rows as plain values (number, scheme, station, officer, date issued,
    route, and for NGO editors the redemption's date and service point), in the list's order
    and with its filters: no objects are built, so 200,000 rows stream in seconds."""
    station = aliased(Organisation)
    columns = [Slip.number, Scheme.name, station.name, Person.name, Slip.issued_on, Slip.route]
    editor = can_see_client_codes(user)
    if editor:
        columns += [Redemption.redeemed_on, ServicePoint.name]
    stmt = (
        select(*columns)
        .join(Scheme, Scheme.id == Slip.scheme_id)
        .join(station, station.id == Slip.station_id)
        .outerjoin(Person, Person.id == Slip.officer_id)
    )
    if editor:
        stmt = stmt.outerjoin(Redemption, Redemption.slip_id == Slip.id).outerjoin(
            ServicePoint, ServicePoint.id == Redemption.service_point_id
        )
    return _filtered(stmt, user, filters or SlipFilters())


def _filtered(stmt: Select, user, filters: SlipFilters) -> Select:  # noqa: ANN001
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Slip.station_id.in_(scope))
    if filters.scheme_id:
        stmt = stmt.where(Slip.scheme_id == filters.scheme_id)
    if filters.station_id:
        stmt = stmt.where(Slip.station_id == filters.station_id)
    place = station_ids_in_place(filters.country, filters.command_id)
    if place is not None:
        stmt = stmt.where(Slip.station_id.in_(place))
    if filters.issued_from:
        stmt = stmt.where(Slip.issued_on >= filters.issued_from)
    if filters.issued_to:
        stmt = stmt.where(Slip.issued_on <= filters.issued_to)
    if filters.route:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Slip.route == Route(filters.route))
    if filters.number:
        stmt = stmt.where(Slip.number.like(slip_number_pattern(filters.number), escape="\\"))
    # Whether a given slip was redeemed is a redemption record: officers learn only counts.
    if can_see_client_codes(user) and filters.state in ("redeemed", "open"):
        # Looked up slip by slip in the redemptions' unique index on slip_id, as the list reads
        # its slips in order (a list of every redeemed slip would be built first).
        # (An alias: the download joins the redemptions too.)
        visit = aliased(Redemption)
        redeemed = select(visit.id).where(visit.slip_id == Slip.id).correlate_except(visit).exists()
        stmt = stmt.where(redeemed if filters.state == "redeemed" else ~redeemed)
    return stmt.order_by(Slip.issued_on.desc(), Slip.id.desc())


def issuing_stations(user, scheme: Scheme | None = None) -> list:  # noqa: ANN001
    """Stations the user may issue slips for, as (id, name) rows: an officer's own, within the
    scheme if given (a select of every station takes no more)."""
    stmt = select(Organisation.id, Organisation.name).where(
        Organisation.kind.in_(list(STATION_KINDS)), Organisation.active.is_(True)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if scheme is not None:
        stmt = stmt.where(Organisation.id.in_(scheme_station_ids(scheme) or {-1}))
    return list(db.session.execute(stmt.order_by(by_name(Organisation.name), Organisation.id)))


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


def taken_numbers(scheme: Scheme, numbers: Iterable[str]) -> set[str]:
    """Which of ``numbers`` are already issued in the scheme: one query for a whole slip book
    (IN lists of up to 20,000 numbers, the import's row limit, fit both databases)."""
    wanted = sorted({n for n in numbers if n})
    taken: set[str] = set()
    for start in range(0, len(wanted), LOOKUP_CHUNK):
        chunk = wanted[start : start + LOOKUP_CHUNK]
        taken.update(
            db.session.scalars(
                select(Slip.number).where(Slip.scheme_id == scheme.id, Slip.number.in_(chunk))
            )
        )
    return taken


LOOKUP_CHUNK = 20_000


def slip_number_problem(scheme: Scheme, number: str, taken: bool | None = None) -> str | None:
    """What is wrong with ``number`` for a new slip (as an NGO editor is told it). ``taken``:
    whether the number is issued already, when the caller knows (an import looks up all its
    numbers at once)."""
    if not number:
        return _("Enter the slip number.")
    if not slip_number_fits(number, scheme.slip_number_format):
        return _(
            "Slip numbers in this scheme look like %(format)s (# is a digit, A a letter).",
            format=scheme.slip_number_format,
        )
    if taken if taken is not None else _number_taken(scheme, number):
        return _("Slip %(number)s was already issued in this scheme.", number=number)
    return None


@dataclass
class Issuing:
    """What every slip issued in a scheme by a user is checked against, loaded once: for the
    one slip of the form, or the thousands of an imported slip book."""

    scheme: Scheme
    user_id: int | None
    scope: frozenset[int] | None  # the user's stations; None: not restricted
    stations: frozenset[int]  # stations the user may issue slips for in this scheme


def issuing_in(scheme_id: int | None, user) -> Issuing:  # noqa: ANN001
    """The scheme a user issues slips in, checked: one they take part in, in pilot or active."""
    scheme = db.session.get(Scheme, scheme_id or 0)
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
    scope = station_scope(user)
    return Issuing(
        scheme=scheme,
        user_id=getattr(user, "id", None),
        scope=frozenset(scope) if scope is not None else None,
        stations=frozenset(s.id for s in issuing_stations(user, scheme)),
    )


def check_slip(issuing: Issuing, data: dict, taken: bool | None = None) -> dict:
    """The column values of a new slip, or FieldError for the first thing wrong. ``data``:
    number, station_id, officer_id with ``officer`` (the Person, or None when not found),
    issued_on, route; ``taken`` as for ``slip_number_problem``."""
    scheme = issuing.scheme
    number = normalise_slip_number(data.get("number"))
    problem = slip_number_problem(scheme, number, taken)
    if problem and issuing.scope is not None and (
        taken if taken is not None else _number_taken(scheme, number)
    ):
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
    if station_id not in issuing.stations:
        raise FieldError(
            "station_id",
            _("Choose a station that takes part in this scheme.")
            if issuing.scope is None
            else _("Choose one of your own stations that takes part in this scheme."),
        )
    officer_id = data.get("officer_id")
    if officer_id:
        officer = data.get("officer")
        if officer is None or officer.kind is not PersonKind.OFFICER:
            raise FieldError("officer_id", _("Choose an officer."))
        if issuing.scope is not None and officer.organisation_id not in issuing.scope:
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
    return {
        "scheme_id": scheme.id,
        "number": number,
        "station_id": station_id,
        "officer_id": officer_id or None,
        "issued_on": issued_on,
        "route": route,
        "recorded_by_id": issuing.user_id,
    }


def _taken_by_someone_else(number: str) -> dict[str, tuple[str, str]]:
    # Two people entering the same number at the same moment both pass the check.
    return {
        "uq_slips_scheme_id_number": (
            "number",
            _(
                "Slip %(number)s was recorded in this scheme by someone else a moment ago. "
                "Nothing was saved: check the number on the slip.",
                number=number,
            ),
        )
    }


def issue_slip(data: dict, user) -> Slip:  # noqa: ANN001
    """Record a slip. ``data``: scheme_id, number, station_id, officer_id, issued_on, route."""
    issuing = issuing_in(data.get("scheme_id"), user)
    officer_id = data.get("officer_id")
    officer = db.session.get(Person, officer_id) if officer_id else None
    slip = Slip(**check_slip(issuing, {**data, "officer": officer}))
    db.session.add(slip)
    with unique_as_field_error(_taken_by_someone_else(slip.number)):
        db.session.flush()
    return slip


def issue_slips(issuing: Issuing, slips: Sequence[dict]) -> int:
    """Write checked slips (``check_slip``'s values) in a few statements whatever their number
    (executemany, and one query for their ids), with an audit entry for each; returns how many.
    A number someone else recorded meanwhile refuses them all, as a FieldError on the file."""
    if not slips:
        return 0
    now = utcnow()
    rows = [{**values, "created_at": now, "updated_at": now, "version": 1} for values in slips]
    db.session.flush()
    race = _(
        "Some of these slip numbers were recorded by someone else a moment ago. Nothing was "
        "saved: import the file again to see which."
    )
    with unique_as_field_error({"uq_slips_scheme_id_number": ("file", race)}):
        # The table's INSERT, not the ORM's bulk insert, which splits the rows wherever a
        # value is None (an officer left blank) into many small statements.
        bulk_insert(Slip.__table__, rows)
    summary.slips_added(db.session.connection(), rows)
    numbers = [r["number"] for r in rows]
    ids: dict[str, int] = {}
    for start in range(0, len(numbers), LOOKUP_CHUNK):
        chunk = numbers[start : start + LOOKUP_CHUNK]
        ids.update(
            db.session.execute(
                select(Slip.number, Slip.id).where(
                    Slip.scheme_id == issuing.scheme.id, Slip.number.in_(chunk)
                )
            ).all()
        )
    audit.record_bulk_creates(Slip, [(ids[r["number"]], f"slip {r['number']}", r) for r in rows])
    return len(rows)
