"""Queries and writes for organisations, people and postings.

Writes mutate and flush; the request (or CLI command) commits once.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError, country_choices
from partnership.organisations.models import (
    POLICE_KINDS,
    STATION_KINDS,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
    Posting,
)
from partnership.permissions import (
    can_edit_organisations,
    can_edit_person,
    sees_names,
    station_scope,
)

# ---- scope -------------------------------------------------------------------------------------


def scope_ids_for_organisation(organisation_id: int) -> set[int]:
    """An officer's visible organisations: their station, or their command and its stations."""
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        return set()
    if org.kind is OrganisationKind.POLICE_COMMAND:
        ids = set(
            db.session.scalars(select(Organisation.id).where(Organisation.command_id == org.id))
        )
        return ids | {org.id}
    return {org.id}


# ---- organisations: queries --------------------------------------------------------------------


@dataclass
class OrganisationFilters:
    q: str = ""
    kind: str = ""
    country: str = ""
    command_id: int | None = None
    include_inactive: bool = False


def organisation_query(user, filters: OrganisationFilters) -> Select:  # noqa: ANN001
    stmt = select(Organisation).options(joinedload(Organisation.command))
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(Organisation.name).like(like),
                func.lower(Organisation.city).like(like),
                func.lower(Organisation.region).like(like),
            )
        )
    if filters.kind:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Organisation.kind == OrganisationKind(filters.kind))
    if filters.country:
        stmt = stmt.where(Organisation.country == filters.country.upper())
    if filters.command_id:
        stmt = stmt.where(
            or_(
                Organisation.command_id == filters.command_id, Organisation.id == filters.command_id
            )
        )
    if not filters.include_inactive:
        stmt = stmt.where(Organisation.active.is_(True))
    return stmt.order_by(Organisation.country, by_name(Organisation.name), Organisation.id)


def commands() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.POLICE_COMMAND)
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


def stations(user=None) -> list[Organisation]:  # noqa: ANN001
    stmt = (
        select(Organisation)
        .where(Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True))
        .order_by(by_name(Organisation.name), Organisation.id)
    )
    if user is not None:
        scope = station_scope(user)
        if scope is not None:
            stmt = stmt.where(Organisation.id.in_(scope))
    return list(db.session.scalars(stmt))


def stations_by_command(user=None) -> list[tuple[str, list[tuple[int, str]]]]:  # noqa: ANN001
    """The active stations the user may see as (command name, [(id, name)]) for a select
    grouped by command: stations without a command first (under an empty name), then each
    command by name. One query."""
    from sqlalchemy.orm import aliased

    command = aliased(Organisation)
    stmt = (
        select(Organisation.id, Organisation.name, command.id, command.name)
        .outerjoin(command, command.id == Organisation.command_id)
        .where(Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True))
        .order_by(
            command.id.is_not(None),
            by_name(command.name),
            command.id,
            by_name(Organisation.name),
            Organisation.id,
        )
    )
    if user is not None:
        scope = station_scope(user)
        if scope is not None:
            stmt = stmt.where(Organisation.id.in_(scope))
    groups: list[tuple[str, list[tuple[int, str]]]] = []
    last: object = object()
    for station_id, name, command_id, command_name in db.session.execute(stmt):
        if command_id != last:
            groups.append((command_name or "", []))
            last = command_id
        groups[-1][1].append((station_id, name))
    return groups


def station_ids_in_place(country: str = "", command_id: int | None = None) -> Select | None:
    """The ids of the stations and posts in a country and/or under a command: the place filters
    the lists share with the dashboard. None when neither is given."""
    if not (country or command_id):
        return None
    stmt = select(Organisation.id).where(Organisation.kind.in_(STATION_KINDS))
    if country:
        stmt = stmt.where(Organisation.country == country.upper())
    if command_id:
        stmt = stmt.where(Organisation.command_id == command_id)
    return stmt


def place_choices(user) -> dict:  # noqa: ANN001
    """The country and command choices of a list's place filters: none for an officer, whose
    scope is already a station or a command."""
    if station_scope(user) is not None:
        return {"countries": [], "commands": []}
    return {"countries": country_choices(), "commands": commands()}


def organisations_of_kinds(kinds) -> list[Organisation]:  # noqa: ANN001
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(list(kinds)), Organisation.active.is_(True))
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


def get_organisation_or_404(organisation_id: int, user, for_edit: bool = False) -> Organisation:  # noqa: ANN001
    """Load an organisation the user may see; 404 for one outside an officer's stations."""
    org = db.session.get(Organisation, organisation_id, options=[joinedload(Organisation.command)])
    if org is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and org.id not in scope:
        abort(404)
    if for_edit and not can_edit_organisations(user):
        abort(403)
    return org


def stations_of(org: Organisation) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.command_id == org.id)
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


# ---- organisations: writes ---------------------------------------------------------------------

ORGANISATION_FIELDS = (
    "kind",
    "name",
    "reference",
    "country",
    "region",
    "city",
    "command_id",
    "target_visit_days",
    "timezone",
    "address",
    "phone",
    "email",
    "notes",
)


def _clean_reference(value: str | None) -> str | None:
    return (value or "").strip() or None


def _check_unique_organisation(data: dict, existing: Organisation | None) -> None:
    name = data["name"].strip()
    reference = _clean_reference(data.get("reference"))
    if reference and db.session.scalar(
        select(Organisation.id).where(
            Organisation.reference == reference,
            Organisation.id != (existing.id if existing else -1),
        )
    ):
        raise FieldError("reference", _("Another organisation has this reference."))
    duplicate = db.session.scalar(
        select(Organisation.id).where(
            func.lower(Organisation.name) == name.lower(),
            func.lower(Organisation.city) == (data.get("city") or "").strip().lower(),
            Organisation.country == data["country"],
            Organisation.id != (existing.id if existing else -1),
        )
    )
    if duplicate:
        raise FieldError("name", _("An organisation with this name already exists in this city."))


def validate_organisation(
    data: dict, existing: Organisation | None, check_duplicates: bool = True
) -> None:
    """The rules of an organisation record. Imports check uniqueness against the whole file
    and the stored records at once and pass ``check_duplicates=False``."""
    if check_duplicates:
        _check_unique_organisation(data, existing)
    kind = OrganisationKind(data["kind"])
    command_id = data.get("command_id")
    if kind in STATION_KINDS:
        if not command_id:
            raise FieldError("command_id", _("A police station or post must belong to a command."))
        command = db.session.get(Organisation, command_id)
        if command is None or command.kind is not OrganisationKind.POLICE_COMMAND:
            raise FieldError("command_id", _("Choose a police command."))
    elif command_id:
        raise FieldError("command_id", _("Only police stations and posts belong to a command."))
    if (
        existing is not None
        and existing.kind is OrganisationKind.POLICE_COMMAND
        and kind is not OrganisationKind.POLICE_COMMAND
        and stations_of(existing)
    ):
        raise FieldError(
            "kind", _("This command still has stations; move them to another command first.")
        )
    if existing is not None and kind not in POLICE_KINDS and existing.kind in POLICE_KINDS:
        officers = db.session.scalar(
            select(func.count(Person.id)).where(
                Person.organisation_id == existing.id, Person.kind == PersonKind.OFFICER
            )
        )
        if officers:
            raise FieldError("kind", _("Officers are posted here; a police kind is required."))


def apply_organisation(org: Organisation, data: dict) -> None:
    """Copy validated ``data`` onto ``org`` (no flush)."""
    for field in ORGANISATION_FIELDS:
        if field in data:
            value = data[field]
            if isinstance(value, str):
                value = value.strip()
            if field == "reference":
                value = _clean_reference(value)
            setattr(org, field, value)
    org.kind = OrganisationKind(data["kind"])
    if org.kind not in STATION_KINDS:
        org.command_id = None
        org.target_visit_days = None


def create_organisation(data: dict) -> Organisation:
    validate_organisation(data, None)
    org = Organisation()
    apply_organisation(org, data)
    db.session.add(org)
    db.session.flush()
    return org


def update_organisation(org: Organisation, data: dict) -> Organisation:
    validate_organisation(data, org)
    apply_organisation(org, data)
    db.session.flush()
    return org


def set_organisation_active(org: Organisation, active: bool) -> None:
    org.active = active
    db.session.flush()


# ---- people ------------------------------------------------------------------------------------


@dataclass
class PersonFilters:
    q: str = ""
    kind: str = ""
    organisation_id: int | None = None
    command_id: int | None = None
    country: str = ""
    include_inactive: bool = False


def person_query(user, filters: PersonFilters) -> Select:  # noqa: ANN001
    stmt = select(Person).options(joinedload(Person.organisation).joinedload(Organisation.command))
    scope = station_scope(user)
    if scope is not None:
        # Officers see the officers posted to their own stations, nobody else.
        stmt = stmt.where(Person.kind == PersonKind.OFFICER, Person.organisation_id.in_(scope))
    if filters.q:
        like = f"%{filters.q.strip().lower()}%"
        # A community representative's name is searchable only by those who may read it:
        # otherwise a match would confirm the name.
        name_match = func.lower(Person.name).like(like)
        if not sees_names(user):
            name_match = and_(name_match, Person.kind != PersonKind.COMMUNITY_REP)
        stmt = stmt.where(
            or_(
                name_match,
                func.lower(Person.rank).like(like),
                func.lower(Person.unit).like(like),
                func.lower(Person.position).like(like),
            )
        )
    if filters.kind:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Person.kind == PersonKind(filters.kind))
    if filters.organisation_id:
        stmt = stmt.where(Person.organisation_id == filters.organisation_id)
    if filters.command_id or filters.country:
        org_ids = select(Organisation.id)
        if filters.command_id:
            org_ids = org_ids.where(
                or_(
                    Organisation.command_id == filters.command_id,
                    Organisation.id == filters.command_id,
                )
            )
        if filters.country:
            org_ids = org_ids.where(Organisation.country == filters.country.upper())
        stmt = stmt.where(Person.organisation_id.in_(org_ids))
    if not filters.include_inactive:
        stmt = stmt.where(Person.active.is_(True))
    return stmt.order_by(by_name(Person.name), Person.id)


def get_person_or_404(person_id: int, user, for_edit: bool = False) -> Person:  # noqa: ANN001
    person = db.session.get(
        Person,
        person_id,
        options=[
            joinedload(Person.organisation),
            selectinload(Person.postings).joinedload(Posting.station),
        ],
    )
    if person is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and not (
        person.kind is PersonKind.OFFICER and person.organisation_id in scope
    ):
        abort(404)
    if for_edit and not can_edit_person(user, person):
        abort(403)
    return person


PERSON_FIELDS = (
    "kind",
    "name",
    "reference",
    "organisation_id",
    "rank",
    "unit",
    "position",
    "phone",
    "email",
)


def validate_person(data: dict, existing: Person | None, check_duplicates: bool = True) -> None:
    """The rules of a person record; imports check references against the file at once."""
    reference = _clean_reference(data.get("reference"))
    if (
        check_duplicates
        and reference
        and db.session.scalar(
            select(Person.id).where(
                Person.reference == reference, Person.id != (existing.id if existing else -1)
            )
        )
    ):
        raise FieldError("reference", _("Another person has this reference."))
    kind = PersonKind(data["kind"])
    org_id = data.get("organisation_id")
    org = db.session.get(Organisation, org_id) if org_id else None
    if kind is PersonKind.OFFICER:
        if org is None or org.kind not in POLICE_KINDS:
            raise FieldError("organisation_id", _("An officer's station must be a police unit."))
        if existing is None and not data.get("posted_since"):
            raise FieldError("posted_since", _("Give the date the officer was posted there."))
        if existing is not None and existing.organisation_id != org_id:
            raise FieldError(
                "organisation_id",
                _("Use “Record a transfer” to move an officer to another station."),
            )
    elif kind is PersonKind.NGO_STAFF:
        if org is None or org.kind is not OrganisationKind.NGO:
            raise FieldError("organisation_id", _("NGO staff belong to an NGO."))
    elif kind is PersonKind.COMMUNITY_REP:
        if org is not None and org.kind is not OrganisationKind.COMMUNITY_GROUP:
            raise FieldError(
                "organisation_id", _("A community representative belongs to a community group.")
            )
        if len(data["name"].strip()) > 40:
            raise FieldError("name", _("Use a chosen name or initials only (up to 40 characters)."))
    if existing is not None and existing.kind is not kind:
        raise FieldError("kind", _("The kind of a person cannot change; create a new record."))


def apply_person(person: Person, data: dict) -> None:
    """Copy validated ``data`` onto ``person`` (no flush)."""
    for field in PERSON_FIELDS:
        if field in data:
            value = data[field]
            value = value.strip() if isinstance(value, str) else value
            if field == "reference":
                value = _clean_reference(value)
            setattr(person, field, value)
    person.kind = PersonKind(data["kind"])
    if person.kind is PersonKind.COMMUNITY_REP:
        # Nothing that identifies a community member beyond the name they chose.
        person.phone = ""
        person.email = ""
        person.rank = person.unit = ""
    if person.kind is not PersonKind.OFFICER:
        person.rank = person.unit = ""


def create_person(data: dict) -> Person:
    validate_person(data, None)
    person = Person()
    apply_person(person, data)
    db.session.add(person)
    db.session.flush()
    if person.kind is PersonKind.OFFICER:
        db.session.add(
            Posting(
                person=person, station_id=person.organisation_id, start_date=data["posted_since"]
            )
        )
        db.session.flush()
    return person


def update_person(person: Person, data: dict) -> Person:
    validate_person(data, person)
    apply_person(person, data)
    db.session.flush()
    return person


def set_person_active(person: Person, active: bool) -> None:
    person.active = active
    db.session.flush()


def current_posting(person: Person) -> Posting | None:
    return next((p for p in person.postings if p.end_date is None), None)


def transfer_officer(person: Person, station_id: int, on: date, note: str = "") -> Posting:
    """Close the officer's open posting on ``on`` and open one at ``station_id`` from that day."""
    if person.kind is not PersonKind.OFFICER:
        raise FieldError("station_id", _("Only officers are posted to stations."))
    station = db.session.get(Organisation, station_id)
    if station is None or station.kind not in POLICE_KINDS:
        raise FieldError("station_id", _("Choose a police station, post or command."))
    if on > date.today():
        raise FieldError("transfer_date", _("A transfer cannot be dated in the future."))
    latest = max(person.postings, key=lambda p: p.start_date, default=None)
    if latest is not None and on <= latest.start_date:
        raise FieldError(
            "transfer_date",
            _(
                "The transfer must be dated after the start of the current posting (%(date)s).",
                date=format_date(latest.start_date),
            ),
        )
    current = current_posting(person)
    if current is not None and current.station_id == station_id:
        raise FieldError("station_id", _("The officer is already posted at this station."))
    if current is not None:
        current.end_date = on
    posting = Posting(person=person, station_id=station_id, start_date=on, note=note.strip())
    db.session.add(posting)
    person.organisation_id = station_id
    db.session.flush()
    return posting
