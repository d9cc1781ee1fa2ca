"""Issuing slips: the checks every new slip passes (scheme, number, station, officer, date,
route), one slip from the form and a whole slip book from an import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from partnership import audit
from partnership.database import bulk_insert
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.integrity import unique_as_field_error
from partnership.mixins import utcnow
from partnership.organisations.models import Person, PersonKind
from partnership.permissions import station_scope
from partnership.referrals import summary
from partnership.referrals.codes import normalise_slip_number, slip_number_fits
from partnership.referrals.models import RUNNING_STATUSES, Route, Scheme, Slip
from partnership.referrals.services.schemes import visible_partner_ids
from partnership.referrals.services.slips.issuers import issuing_stations


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
    if (
        problem
        and issuing.scope is not None
        and (taken if taken is not None else _number_taken(scheme, number))
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
