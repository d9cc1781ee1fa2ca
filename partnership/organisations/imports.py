"""Onboarding from spreadsheets: organisations (commands, stations and posts with their
hierarchy, NGOs, services, academies) and people (officers with their station and posting date,
NGO staff, community representatives).

Each row is matched to a stored record by its ``reference`` column only (the programme's own
code, compared without regard to case; never a guess from a name): a known reference updates that record, a new one creates a
record. Empty cells leave a stored value as it is. Everything the file refers to is loaded in a
few queries before the rows are checked, and new records are written in one flush, so a file of
thousands of officers takes seconds. The caller runs it inside one transaction: the preview rolls
it back, the confirmation commits it, and any row's error leaves nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import available_timezones

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from partnership import audit
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.organisations import services
from partnership.organisations.models import (
    POLICE_KINDS,
    STATION_KINDS,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
    Posting,
)
from partnership.spreadsheets import Table

# ---- what every onboarding import shares -------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # the header in the file: the same in every interface language
    help: object  # what to put there (lazy text, shown in the template's help sheet)
    required: bool = False  # needed in the first row of every file


@dataclass
class PlannedRow:
    line: int
    action: str  # "create", "update" or "unchanged"
    key: str
    label: str
    changed: list[str] = field(default_factory=list)


@dataclass
class ImportOutcome:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    def fingerprint(self) -> str:
        """What the import would do: the confirmation is refused if this changed since the
        preview (someone edited the same records meanwhile)."""
        import hashlib

        digest = hashlib.sha256()
        for r in self.rows:
            digest.update(f"{r.line}|{r.action}|{r.key}|{','.join(r.changed)}\n".encode())
        return digest.hexdigest()


def template_table(columns: Sequence[Column], example: list[list[str]], sheet: str) -> Table:
    return Table([c.key for c in columns], example, sheet_name=sheet)


def help_table(columns: Sequence[Column]) -> Table:
    return Table(
        [_("Column"), _("Required"), _("What to put there")],
        [[c.key, _("yes") if c.required else "", str(c.help)] for c in columns],
        sheet_name=_("Help"),
    )


def column_index(headers: list[str], columns: Sequence[Column]) -> dict[str, int]:
    index = {h.strip().lower().replace(" ", "_"): i for i, h in enumerate(headers)}
    missing = [c.key for c in columns if c.required and c.key not in index]
    if missing:
        raise FieldError(
            "file", _("Columns missing from the first row: %(cols)s.", cols=", ".join(missing))
        )
    return {c.key: index[c.key] for c in columns if c.key in index}


def cell(row: Sequence[str], cols: dict[str, int], key: str) -> str:
    i = cols.get(key)
    return row[i].strip() if i is not None and i < len(row) else ""


def line_of(rows: Sequence, i: int) -> int:
    return getattr(rows[i], "line", i + 2)


def parse_date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    return None


def choice(text: str, members: Iterable) -> object | None:
    """An enum member from its stored value or its English label, in any case."""
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    for member in members:
        if key == member.value:
            return member
    return None


def values_of(members: Iterable) -> str:
    return ", ".join(m.value for m in members)


def duplicates(rows: Sequence, keys: list[str]) -> dict[int, int]:
    """Row index -> the line where the same key first appeared, for repeated keys."""
    first: dict[str, int] = {}
    repeated: dict[int, int] = {}
    for i, key in enumerate(keys):
        if not key:
            continue
        folded = key.lower()
        if folded in first:
            repeated[i] = line_of(rows, first[folded])
        else:
            first[folded] = i
    return repeated


class OrganisationFinder:
    """Every organisation, loaded once, found by reference or by an exact, unique name."""

    def __init__(self) -> None:
        self.all = list(db.session.scalars(select(Organisation)))
        self.by_reference = {o.reference.lower(): o for o in self.all if o.reference}
        self.by_name: dict[str, list[Organisation]] = {}
        for org in self.all:
            self.by_name.setdefault(org.name.strip().lower(), []).append(org)

    def find(self, text: str) -> tuple[Organisation | None, str | None]:
        """The organisation ``text`` names, or why none (unknown, or several of that name)."""
        folded = text.strip().lower()
        if folded in self.by_reference:
            return self.by_reference[folded], None
        named = self.by_name.get(folded, [])
        if len(named) == 1:
            return named[0], None
        if named:
            return None, _(
                "several organisations are called “%(name)s”: use its reference", name=text
            )
        return None, _("unknown organisation “%(name)s”", name=text)


def set_if_changed(obj: object, values: dict, changed: list[str]) -> None:
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed.append(key)


# ---- organisations -----------------------------------------------------------------------------

ORGANISATION_COLUMNS = (
    Column("reference", _l("Your code for the organisation; a known code updates it."), True),
    Column("kind", _l("One of: %(v)s.", v=values_of(OrganisationKind)), True),
    Column("name", _l("The organisation's name."), True),
    Column("command", _l("Stations and posts: their command's reference or exact name.")),
    Column("country", _l("Two-letter country code, e.g. KE, GE, KZ, TJ, BY."), True),
    Column("region", _l("Region or county.")),
    Column("city", _l("City or town (needed for a new organisation).")),
    Column("timezone", _l("Time zone, e.g. Africa/Nairobi (default).")),
    Column("target_visit_days", _l("Stations: days between visits (7 to 730).")),
    Column("address", _l("Address.")),
    Column("phone", _l("Work phone.")),
    Column("email", _l("Work email.")),
    Column("notes", _l("Notes.")),
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


def _too_long(values: dict) -> list[str]:
    return [
        _("%(col)s is longer than %(n)d characters", col=k, n=_LIMITS[k])
        for k, v in values.items()
        if k in _LIMITS and isinstance(v, str) and len(v) > _LIMITS[k]
    ]


def import_organisations(headers: list[str], rows: Sequence[Sequence[str]]) -> ImportOutcome:
    outcome = ImportOutcome()
    cols = column_index(headers, ORGANISATION_COLUMNS)
    finder = OrganisationFinder()
    zones = available_timezones() | {"UTC"}
    references = [cell(r, cols, "reference") for r in rows]
    repeated = duplicates(rows, references)
    file_refs = {ref.lower(): i for i, ref in enumerate(references) if ref}
    # A station may name a command of the same file by its reference or its (unique) name.
    file_names: dict[str, list[int]] = {}
    for i, row in enumerate(rows):
        file_names.setdefault(cell(row, cols, "name").lower(), []).append(i)
    for name, found in file_names.items():
        if len(found) == 1 and name not in file_refs and not finder.by_name.get(name):
            file_refs[name] = found[0]
    taken_names = {(o.name.lower(), o.city.lower(), o.country): o for o in finder.all}

    # Pass 1: check every row and work out its values; nothing is written.
    planned: list[tuple[int, Organisation | None, dict, str]] = []  # (i, existing, values, cmd)
    for i, row in enumerate(rows):
        problems: list[str] = []
        line = line_of(rows, i)
        reference = references[i]
        existing = finder.by_reference.get(reference.lower()) if reference else None
        if not reference:
            problems.append(_("the reference is missing (it is how later imports find the row)"))
        elif i in repeated:
            problems.append(_("the reference is also on line %(line)d", line=repeated[i]))
        values: dict = {"reference": reference}
        kind = choice(cell(row, cols, "kind"), OrganisationKind)
        if kind is None:
            problems.append(_("unknown kind (use one of: %(v)s)", v=values_of(OrganisationKind)))
        else:
            values["kind"] = kind
        for key in _TEXT_FIELDS:
            text = cell(row, cols, key)
            if text:
                values[key] = text
        country = cell(row, cols, "country").upper()
        if country:
            if len(country) != 2 or not country.isalpha():
                problems.append(_("the country must be a two-letter code such as KE"))
            values["country"] = country
        zone = cell(row, cols, "timezone")
        if zone:
            if zone not in zones:
                problems.append(_("unknown time zone “%(zone)s”", zone=zone))
            values["timezone"] = zone
        days = cell(row, cols, "target_visit_days")
        if days:
            if not days.isdigit() or not 7 <= int(days) <= 730:
                problems.append(_("target_visit_days must be a whole number from 7 to 730"))
            else:
                values["target_visit_days"] = int(days)
        problems += _too_long(values)
        if existing is None:
            for key, message in (
                ("name", _("the name is missing")),
                ("country", _("the country is missing")),
                ("city", _("the city is missing")),
            ):
                if key not in values:
                    problems.append(message)
        command_text = cell(row, cols, "command")
        if kind is not None:
            if kind in STATION_KINDS:
                if not command_text and (existing is None or existing.command_id is None):
                    problems.append(_("a police station or post needs its command"))
            elif command_text:
                problems.append(_("only police stations and posts belong to a command"))
        if command_text and kind in STATION_KINDS:
            in_file = file_refs.get(command_text.lower())
            if in_file is not None:
                other_kind = choice(cell(rows[in_file], cols, "kind"), OrganisationKind)
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
        if problems:
            outcome.errors.append((line, "; ".join(problems)))
            continue
        planned.append((i, existing, values, command_text))
    if outcome.errors:
        return outcome

    # Pass 2: write. Commands and other organisations first (one flush), then the stations
    # that may name a command created just before.
    created: dict[str, Organisation] = {}
    ordered = sorted(planned, key=lambda p: p[2]["kind"] in STATION_KINDS)
    flushed_first = False
    for i, existing, values, command_text in ordered:
        kind = values["kind"]
        if kind in STATION_KINDS and not flushed_first:
            db.session.flush()
            flushed_first = True
        if command_text and kind in STATION_KINDS:
            in_file = file_refs.get(command_text.lower())
            command = (
                created[references[in_file].lower()]
                if in_file is not None
                else finder.find(command_text)[0]
            )
            values["command_id"] = command.id
        line = line_of(rows, i)
        try:
            row_outcome = _write_organisation(existing, values, created)
        except FieldError as error:
            outcome.errors.append((line, error.message))
            continue
        outcome.rows.append(PlannedRow(line, *row_outcome))
    db.session.flush()
    outcome.rows.sort(key=lambda r: r.line)
    return outcome


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


# ---- people ------------------------------------------------------------------------------------

PEOPLE_COLUMNS = (
    Column("reference", _l("A stable code: service number, staff number, programme code."), True),
    Column("kind", _l("One of: %(v)s.", v=values_of(PersonKind)), True),
    Column("name", _l("Full name; community representatives: a chosen name or initials."), True),
    Column("organisation", _l("Reference or exact name of the station, NGO or community group.")),
    Column("posted_since", _l("Officers: date of the posting to that station (YYYY-MM-DD).")),
    Column("rank", _l("Officers: rank.")),
    Column("unit", _l("Officers: unit.")),
    Column("position", _l("NGO staff: position.")),
    Column("phone", _l("Work phone (not for community representatives).")),
    Column("email", _l("Work email (not for community representatives).")),
)


def people_template() -> list[Table]:
    example = [
        ["KE-PS-104233", "officer", "Joseph Mwangi", "CST-KIS", "2025-03-01", "Corporal",
         "Crime", "", "", ""],
        ["HRI-007", "ngo_staff", "Amina Otieno", "NGO-HRI", "", "", "", "Outreach worker",
         "+254 700 000000", "amina@example.org"],
        ["CR-12", "community_rep", "M.K.", "", "", "", "", "", "", ""],
    ]  # fmt: skip
    return [template_table(PEOPLE_COLUMNS, example, _("People")), help_table(PEOPLE_COLUMNS)]


def _load_people(references: list[str]) -> dict[str, Person]:
    """The stored people the file's references name, in a query per 2,000 references."""
    folded = sorted({r for r in references if r})
    found: dict[str, Person] = {}
    for start in range(0, len(folded), 2000):
        chunk = folded[start : start + 2000]
        for person in db.session.scalars(
            select(Person).options(selectinload(Person.postings)).where(Person.reference.in_(chunk))
        ):
            found[person.reference.lower()] = person
    return found


def import_people(headers: list[str], rows: Sequence[Sequence[str]]) -> ImportOutcome:
    outcome = ImportOutcome()
    cols = column_index(headers, PEOPLE_COLUMNS)
    finder = OrganisationFinder()
    references = [cell(r, cols, "reference") for r in rows]
    repeated = duplicates(rows, references)
    people: dict[str, Person | None] = dict(_load_people(references))
    new_people: list[dict] = []
    new_postings: dict[str, dict] = {}
    blank = {"rank": "", "unit": "", "position": "", "phone": "", "email": "", "active": True}
    for i, row in enumerate(rows):
        line = line_of(rows, i)
        problems: list[str] = []
        reference = references[i]
        existing = people.get(reference.lower()) if reference else None
        if not reference:
            problems.append(_("the reference is missing (it is how later imports find the row)"))
        elif i in repeated:
            problems.append(_("the reference is also on line %(line)d", line=repeated[i]))
        kind = choice(cell(row, cols, "kind"), PersonKind)
        if kind is None:
            problems.append(_("unknown kind (use one of: %(v)s)", v=values_of(PersonKind)))
        elif existing is not None and existing.kind is not kind:
            problems.append(_("the kind of a person cannot change; use a new reference"))
        values: dict = {}
        for key in ("name", "rank", "unit", "position", "phone", "email"):
            text = cell(row, cols, key)
            if text:
                values[key] = text
        if existing is None and "name" not in values:
            problems.append(_("the name is missing"))
        org_text = cell(row, cols, "organisation")
        org = None
        if org_text:
            org, why = finder.find(org_text)
            if org is None:
                problems.append(why)
        posted_text = cell(row, cols, "posted_since")
        posted = parse_date(posted_text) if posted_text else None
        if posted_text and posted is None:
            problems.append(_("posted_since is not a date (use YYYY-MM-DD)"))
        elif posted is not None and posted > date.today():
            problems.append(_("posted_since cannot be in the future"))
        if kind is PersonKind.OFFICER:
            if org is not None and org.kind not in POLICE_KINDS:
                problems.append(_("an officer's station must be a police unit"))
            if existing is None and org is None and not org_text:
                problems.append(_("an officer needs a station"))
            moving = existing is not None and org is not None and org.id != existing.organisation_id
            if (existing is None or moving) and org is not None and posted is None:
                problems.append(_("give posted_since, the date of the posting to this station"))
        elif kind is PersonKind.NGO_STAFF:
            if (org is not None and org.kind is not OrganisationKind.NGO) or (
                existing is None and org is None and not org_text
            ):
                problems.append(_("NGO staff belong to an NGO"))
        elif kind is PersonKind.COMMUNITY_REP:
            if org is not None and org.kind is not OrganisationKind.COMMUNITY_GROUP:
                problems.append(_("a community representative belongs to a community group"))
            if len(values.get("name", "")) > 40:
                problems.append(_("use a chosen name or initials only (up to 40 characters)"))
            if any(k in values for k in ("phone", "email", "rank", "unit")):
                problems.append(_("no contact details or rank for community representatives"))
        problems += _too_long({**values, "reference": reference})
        if problems:
            outcome.errors.append((line, "; ".join(problems)))
            continue
        if existing is None:
            new_people.append(
                {**blank, **values, "kind": kind, "reference": reference,
                 "organisation_id": org.id if org is not None else None}
            )  # fmt: skip
            if kind is PersonKind.OFFICER:
                new_postings[reference] = {"station_id": org.id, "start_date": posted}
            people[reference.lower()] = None  # a later row with it is a repeat, caught above
            outcome.rows.append(PlannedRow(line, "create", reference, values["name"]))
            continue
        changed: list[str] = []
        set_if_changed(existing, values, changed)
        if org is not None and org.id != existing.organisation_id:
            if kind is PersonKind.OFFICER:
                try:
                    services.transfer_officer(existing, org.id, posted)
                except FieldError as error:
                    outcome.errors.append((line, error.message))
                    continue
            else:
                existing.organisation_id = org.id
            changed.append("organisation")
        action = "update" if changed else "unchanged"
        outcome.rows.append(PlannedRow(line, action, reference, existing.name, changed))
    if outcome.errors:
        return outcome
    _insert_people(new_people, new_postings)
    return outcome


def _insert_people(new_people: list[dict], new_postings: dict[str, dict]) -> None:
    """Insert new people and their first postings in a few statements whatever their number
    (the ORM would insert them one by one on SQLite), with an audit entry for each record."""
    if not new_people:
        return
    db.session.flush()
    now = utcnow()
    for values in new_people:
        values.update(created_at=now, updated_at=now, version=1)
    db.session.connection().execute(insert(Person.__table__), new_people)
    ids: dict[str, int] = {}
    references = [v["reference"] for v in new_people]
    for start in range(0, len(references), 2000):
        chunk = references[start : start + 2000]
        ids.update(db.session.execute(
            select(Person.reference, Person.id).where(Person.reference.in_(chunk))
        ).all())  # fmt: skip
    postings = [
        {"person_id": ids[ref], "end_date": None, "note": "", "created_at": now,
         "updated_at": now, **posting}
        for ref, posting in new_postings.items()
    ]  # fmt: skip
    posting_ids: list[int] = []
    if postings:
        db.session.connection().execute(insert(Posting.__table__), postings)
        person_ids = [p["person_id"] for p in postings]
        by_person: dict[int, int] = {}
        for start in range(0, len(person_ids), 2000):
            chunk = person_ids[start : start + 2000]
            by_person.update(db.session.execute(
                select(Posting.person_id, Posting.id).where(Posting.person_id.in_(chunk))
            ).all())  # fmt: skip
        posting_ids = [by_person[p["person_id"]] for p in postings]
    audit.record_bulk_creates(Person, [(ids[v["reference"]], v["name"], v) for v in new_people])
    audit.record_bulk_creates(
        Posting,
        [
            (pid, f"posting of person {p['person_id']}", p)
            for pid, p in zip(posting_ids, postings, strict=True)
        ],
    )
    # Objects loaded earlier in this session must not hide the rows just written.
    db.session.expire_all()
