"""Onboarding of organisations from a spreadsheet: commands, stations and posts with their
hierarchy, NGOs, services, academies (see ``common`` for how rows are matched and written)."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations import services
from partnership.organisations.imports.common import (
    ImportOutcome,
    OrganisationFinder,
    PlannedRow,
    choice,
    column,
    duplicates,
    help_table,
    problems_of,
    reference_and_kind,
    run_onboarding,
    set_if_changed,
    template_table,
    texts_of,
    values_of,
)
from partnership.organisations.models import STATION_KINDS, Organisation, OrganisationKind
from partnership.spreadsheets import ImportRow, Table

ORGANISATION_COLUMNS = (
    column("reference", _l("Your code for the organisation; a known code updates it."), True),
    column("kind", _l("One of: %(v)s.", v=values_of(OrganisationKind)), True),
    column("name", _l("The organisation's name."), True),
    column("command", _l("Stations and posts: their command's reference or exact name.")),
    column("country", _l("Two-letter country code, e.g. KE, GE, KZ, TJ, BY."), True),
    column("region", _l("Region or county.")),
    column("city", _l("City or town (needed for a new organisation).")),
    column("timezone", _l("Time zone, e.g. Africa/Nairobi (default).")),
    column("target_visit_days", _l("Stations: days between visits (7 to 730).")),
    column("address", _l("Address.")),
    column("phone", _l("Work phone.")),
    column("email", _l("Work email.")),
    column("notes", _l("Notes.")),
)


def organisation_template() -> list[Table]:
    example = [
        ["CST-CMD", "police_command", "Coast County Police Command", "", "KE", "Coast",
         "Mombasa", "Africa/Nairobi", "", "", "", "", ""],
        ["CST-KIS", "police_station", "Kisauni Police Station", "CST-CMD", "KE", "Coast",
         "Mombasa", "Africa/Nairobi", "90", "", "", "", ""],
        ["NGO-HRI", "ngo", "Harbour Harm Reduction Initiative", "", "KE", "Coast", "Mombasa",
         "", "", "", "", "", ""],
    ]  # fmt: skip
    return [
        template_table(ORGANISATION_COLUMNS, example, _("Organisations")),
        help_table(ORGANISATION_COLUMNS),
    ]


_TEXT_FIELDS = ("name", "region", "city", "address", "phone", "email", "notes")
_LIMITS = {"name": 160, "region": 120, "city": 120, "address": 255, "phone": 60, "email": 255,
           "notes": 4000, "reference": 60}  # fmt: skip


def too_long(values: dict) -> list[str]:
    return [
        _("%(col)s is longer than %(n)d characters", col=k, n=_LIMITS[k])
        for k, v in values.items()
        if k in _LIMITS and isinstance(v, str) and len(v) > _LIMITS[k]
    ]


def import_organisations(filename: str, data: bytes) -> ImportOutcome:
    """Organisations of a file: commands, stations and posts (which name their command, stored
    or in the same file), NGOs, services; checked, then written all or none."""
    finder = OrganisationFinder()
    zones = available_timezones() | {"UTC"}
    state: dict = {}

    def prepare(rows: list[ImportRow]) -> None:
        references = [r.get("reference", "") for r in rows]
        state["repeated"] = duplicates(rows, references)
        file_refs = {ref.lower(): row for row, ref in zip(rows, references, strict=True) if ref}
        # A station may name a command of the same file by its reference or its (unique) name.
        file_names: dict[str, list[ImportRow]] = {}
        for row in rows:
            file_names.setdefault(row.get("name", "").lower(), []).append(row)
        for name, found in file_names.items():
            if len(found) == 1 and name not in file_refs and not finder.by_name.get(name):
                file_refs[name] = found[0]
        state["file_refs"] = file_refs
        state["taken_names"] = {(o.name.lower(), o.city.lower(), o.country): o for o in finder.all}

    def check_row(row: ImportRow) -> tuple[int, Organisation | None, dict, str]:
        """Pass 1: the row's values, or everything wrong with it; nothing is written."""
        problems: list[str] = []
        repeated, file_refs, taken_names = (
            state["repeated"],
            state["file_refs"],
            state["taken_names"],
        )
        reference, kind = reference_and_kind(row, OrganisationKind, repeated, problems)
        existing = finder.by_reference.get(reference.lower()) if reference else None
        values: dict = {"reference": reference, **texts_of(row, _TEXT_FIELDS)}
        if kind is not None:
            values["kind"] = kind
        country = row.get("country", "").upper()
        if country:
            if len(country) != 2 or not country.isalpha():
                problems.append(_("the country must be a two-letter code such as KE"))
            values["country"] = country
        zone = row.get("timezone", "")
        if zone:
            if zone not in zones:
                problems.append(_("unknown time zone “%(zone)s”", zone=zone))
            values["timezone"] = zone
        days = row.get("target_visit_days", "")
        if days:
            if not days.isdigit() or not 7 <= int(days) <= 730:
                problems.append(_("target_visit_days must be a whole number from 7 to 730"))
            else:
                values["target_visit_days"] = int(days)
        problems += too_long(values)
        if existing is None:
            for key, message in (
                ("name", _("the name is missing")),
                ("country", _("the country is missing")),
                ("city", _("the city is missing")),
            ):
                if key not in values:
                    problems.append(message)
        command_text = row.get("command", "")
        if kind is not None:
            if kind in STATION_KINDS:
                if not command_text and (existing is None or existing.command_id is None):
                    problems.append(_("a police station or post needs its command"))
            elif command_text:
                problems.append(_("only police stations and posts belong to a command"))
        if command_text and kind in STATION_KINDS:
            in_file = file_refs.get(command_text.lower())
            if in_file is not None:
                other_kind = choice(in_file.get("kind", ""), OrganisationKind)
                if other_kind is not OrganisationKind.POLICE_COMMAND:
                    problems.append(_("“%(name)s” is not a police command", name=command_text))
            else:
                command, why = finder.find(command_text)
                if command is None:
                    problems.append(why)
                elif command.kind is not OrganisationKind.POLICE_COMMAND:
                    problems.append(_("“%(name)s” is not a police command", name=command_text))
        if not problems:
            name_key = (
                values.get("name", existing.name if existing else "").lower(),
                values.get("city", existing.city if existing else "").lower(),
                values.get("country", existing.country if existing else ""),
            )
            holder = taken_names.get(name_key)
            if holder is not None and holder is not existing:
                problems.append(
                    _("an organisation with this name already exists in this city (%(ref)s)",
                      ref=holder.reference or _("no reference: add one on its page"))
                )  # fmt: skip
            else:
                taken_names[name_key] = existing or Organisation()
        problems_of(problems)
        return row.line, existing, values, command_text

    def write_all(planned: list, errors: list[tuple[int, str]]) -> list[PlannedRow]:
        """Pass 2: commands and other organisations first (one flush), then the stations that
        may name a command created just before."""
        created: dict[str, Organisation] = {}
        done: list[PlannedRow] = []
        ordered = sorted(planned, key=lambda p: p[2]["kind"] in STATION_KINDS)
        flushed_first = False
        for line, existing, values, command_text in ordered:
            kind = values["kind"]
            if kind in STATION_KINDS and not flushed_first:
                db.session.flush()
                flushed_first = True
            if command_text and kind in STATION_KINDS:
                in_file = state["file_refs"].get(command_text.lower())
                command = (
                    created[in_file.get("reference", "").lower()]
                    if in_file is not None
                    else finder.find(command_text)[0]
                )
                values["command_id"] = command.id
            try:
                row_outcome = _write_organisation(existing, values, created)
            except FieldError as error:
                errors.append((line, error.message))
                continue
            done.append(PlannedRow(line, *row_outcome))
        db.session.flush()
        return done

    return run_onboarding(filename, data, ORGANISATION_COLUMNS, prepare, check_row, write_all)


def _write_organisation(
    existing: Organisation | None, values: dict, created: dict[str, Organisation]
) -> tuple[str, str, str, list[str]]:
    if existing is None:
        data = {"timezone": "Africa/Nairobi", **values}
        org = Organisation(active=True)
        services.validate_organisation(data, None, check_duplicates=False)
        services.apply_organisation(org, data)
        db.session.add(org)
        created[org.reference.lower()] = org
        return "create", org.reference, org.name, []
    data = {
        "kind": existing.kind, "name": existing.name, "country": existing.country,
        "city": existing.city, "command_id": existing.command_id, **values,
    }  # fmt: skip
    services.validate_organisation(data, existing, check_duplicates=False)
    changed: list[str] = []
    if values["kind"] not in STATION_KINDS:
        values = {**values, "command_id": None, "target_visit_days": None}
    set_if_changed(existing, {k: v for k, v in values.items() if k != "reference"}, changed)
    created[existing.reference.lower()] = existing
    return ("update" if changed else "unchanged"), existing.reference, existing.name, changed
