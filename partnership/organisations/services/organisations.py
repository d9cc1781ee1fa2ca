"""Organisations and stations: scope, lists, choices, and the writes that keep them valid."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from partnership.caching import cached
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
)
from partnership.permissions import can_edit_organisations, station_scope


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


def station_choices(user) -> list:  # noqa: ANN001
    """The stations of a list's station filter, as (id, name) rows: the same stations as
    ``stations(user)`` without building 300 records for a select."""
    stmt = (
        select(Organisation.id, Organisation.name)
        .where(Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True))
        .order_by(by_name(Organisation.name), Organisation.id)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    return list(db.session.execute(stmt))


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


def place_choices(user, country: str = "") -> dict:  # noqa: ANN001
    """The country and command choices of a list's place filters: none for an officer, whose
    scope is already a station or a command. ``country``: the one chosen, kept among the
    choices."""
    if station_scope(user) is not None:
        return {"countries": [], "commands": []}
    return {"countries": programme_countries(country), "commands": commands()}


def programme_countries(chosen: str = "") -> list[tuple[str, str]]:
    """The choices of a list's country filter: the countries the programme has organisations
    in (a handful, not the world's 250), by name in the reader's language, with the one
    ``chosen`` kept when no organisation is left there. Kept until a write to the
    organisations (partnership.caching)."""
    codes = set(
        cached(
            "programme-countries",
            lambda: sorted(db.session.scalars(select(Organisation.country).distinct())),
        )
    )
    if chosen:
        codes.add(chosen.upper())
    return [(code, name) for code, name in country_choices() if code in codes]


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
