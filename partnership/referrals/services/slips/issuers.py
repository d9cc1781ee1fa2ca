"""Who issues slips: the stations a user may issue them for, and the officers of those
stations (found by name as the user types, or by the whole name typed)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import STATION_KINDS, Organisation, Person, PersonKind
from partnership.permissions import station_scope
from partnership.referrals.models import Scheme
from partnership.referrals.services.schemes import scheme_station_ids


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
