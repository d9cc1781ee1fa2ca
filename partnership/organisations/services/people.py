"""People (officers and NGO staff): lists, writes, and officers' postings to stations."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Row, Select, false, or_, select
from sqlalchemy.orm import joinedload, load_only, selectinload

from partnership.caching import cached
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import (
    POLICE_KINDS,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
    Posting,
)
from partnership.organisations.services.organisations import _clean_reference
from partnership.permissions import can_edit_person, search_audiences, station_scope
from partnership.search.index import matching_ids


@dataclass
class PersonFilters:
    q: str = ""
    kind: str = ""
    organisation_id: int | None = None
    command_id: int | None = None
    country: str = ""
    include_inactive: bool = False


def person_query(user, filters: PersonFilters) -> Select:  # noqa: ANN001
    """The people ``user`` may see that match ``filters``, in alphabetical order of name, as
    whole records (exports, the API, search results)."""
    stmt = select(Person).options(joinedload(Person.organisation).joinedload(Organisation.command))
    return _filtered(stmt, user, filters)


def person_list_query(user, filters: PersonFilters) -> Select:  # noqa: ANN001
    """The same people with only what the list shows: name, kind, rank or position and the
    organisation's name."""
    stmt = select(Person).options(
        load_only(Person.kind, Person.name, Person.rank, Person.position, Person.active,
                  Person.organisation_id),
        joinedload(Person.organisation).load_only(Organisation.name),
    )  # fmt: skip
    return _filtered(stmt, user, filters)


def person_count_query(user, filters: PersonFilters) -> Select:  # noqa: ANN001
    """The same people as ids only, for the list's count: the pager's count then reads no
    column it does not need (all of a person's, contacts and reference included, were read for
    every row counted)."""
    return _filtered(select(Person.id), user, filters)


def _filtered(stmt: Select, user, filters: PersonFilters) -> Select:  # noqa: ANN001
    scope = station_scope(user)
    if scope is not None:
        # Officers see the officers posted to their own stations, nobody else.
        stmt = stmt.where(Person.kind == PersonKind.OFFICER, Person.organisation_id.in_(scope))
    if filters.q:
        stmt = stmt.where(Person.id.in_(_matching_ids(user, filters.q)))
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
    # The stored key orders names as partnership.collation does, read in order from its index.
    return stmt.order_by(Person.sort_key, Person.id)


def _matching_ids(user, text: str) -> Select:  # noqa: ANN001
    """The people whose name, rank, unit, position, work contacts or reference have words
    starting with each word of ``text``, from the search index (no row read for the others).
    A community representative's name is searched only by those who may read it: otherwise a
    match would confirm the name."""
    dialect = db.session.get_bind().dialect.name
    ids = matching_ids(dialect, "person", text, search_audiences(user))
    # Nothing to search for (only punctuation): nothing matches, as no words can.
    return ids if ids is not None else select(Person.id).where(false())


def get_person_or_404(person_id: int, user, for_edit: bool = False) -> Person:  # noqa: ANN001
    person = db.session.get(
        Person,
        person_id,
        options=[
            joinedload(Person.organisation),
            selectinload(Person.postings).joinedload(Posting.station),
        ],
        # Loaded whole even when the page's heading read a few of its columns first.
        populate_existing=True,
    )
    _check_access(person, user, for_edit)
    return person


@dataclass(frozen=True)
class PersonHeading:
    """The person as a page's heading shows them, and what their access check reads."""

    id: int
    kind: PersonKind
    name: str
    active: bool
    organisation_id: int | None


def person_heading_or_404(person_id: int, user) -> PersonHeading:  # noqa: ANN001
    """The person as a page's heading shows them (id, name, kind, whether active) after the
    same checks as ``get_person_or_404``: one row of a few columns, kept until a write to
    ``people`` (partnership.caching), checked for the reader on every load."""

    def read() -> PersonHeading | None:
        row = db.session.execute(
            select(
                Person.id, Person.kind, Person.name, Person.active, Person.organisation_id
            ).where(Person.id == person_id)
        ).one_or_none()
        return PersonHeading(*row) if row is not None else None

    person = cached("person-heading", read, person_id)
    _check_access(person, user, False)
    return person


def _check_access(person: Person | Row | None, user, for_edit: bool) -> None:  # noqa: ANN001
    if person is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and not (
        person.kind is PersonKind.OFFICER and person.organisation_id in scope
    ):
        abort(404)
    if for_edit and not can_edit_person(user, person):
        abort(403)


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
