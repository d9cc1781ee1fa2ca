"""Onboarding of people from a spreadsheet: officers with their station and posting date, NGO
staff, community representatives (see ``common`` for how rows are matched and written)."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from partnership import audit
from partnership.database import bulk_insert
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.organisations import services
from partnership.organisations.imports.common import (
    ImportOutcome,
    OrganisationFinder,
    PlannedRow,
    column,
    duplicates,
    help_table,
    parse_date,
    problems_of,
    reference_and_kind,
    run_onboarding,
    set_if_changed,
    template_table,
    texts_of,
    values_of,
)
from partnership.organisations.imports.organisations import too_long
from partnership.organisations.models import (
    POLICE_KINDS,
    OrganisationKind,
    Person,
    PersonKind,
    Posting,
)
from partnership.spreadsheets import ImportRow, Table

PEOPLE_COLUMNS = (
    column("reference", _l("A stable code: service number, staff number, programme code."), True),
    column("kind", _l("One of: %(v)s.", v=values_of(PersonKind)), True),
    column("name", _l("Full name; community representatives: a chosen name or initials."), True),
    column("organisation", _l("Reference or exact name of the station, NGO or community group.")),
    column("posted_since", _l("Officers: date of the posting to that station (YYYY-MM-DD).")),
    column("rank", _l("Officers: rank.")),
    column("unit", _l("Officers: unit.")),
    column("position", _l("NGO staff: position.")),
    column("phone", _l("Work phone (not for community representatives).")),
    column("email", _l("Work email (not for community representatives).")),
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


def import_people(filename: str, data: bytes) -> ImportOutcome:
    """People of a file: officers (with their station and the date of that posting), NGO staff,
    community representatives; checked, then written all or none."""
    finder = OrganisationFinder()
    people: dict[str, Person | None] = {}
    repeated: dict[int, int] = {}
    new_people: list[dict] = []
    new_postings: dict[str, dict] = {}
    blank = {"rank": "", "unit": "", "position": "", "phone": "", "email": "", "active": True}

    def prepare(rows: list[ImportRow]) -> None:
        references = [r.get("reference", "") for r in rows]
        repeated.update(duplicates(rows, references))
        people.update(_load_people(references))

    def check_row(row: ImportRow) -> PlannedRow:
        line = row.line
        problems: list[str] = []
        reference, kind = reference_and_kind(row, PersonKind, repeated, problems)
        existing = people.get(reference.lower()) if reference else None
        if kind is not None and existing is not None and existing.kind is not kind:
            problems.append(_("the kind of a person cannot change; use a new reference"))
        values = texts_of(row, ("name", "rank", "unit", "position", "phone", "email"))
        if existing is None and "name" not in values:
            problems.append(_("the name is missing"))
        org_text = row.get("organisation", "")
        org = None
        if org_text:
            org, why = finder.find(org_text)
            if org is None:
                problems.append(why)
        posted_text = row.get("posted_since", "")
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
        problems += too_long({**values, "reference": reference})
        problems_of(problems)
        if existing is None:
            new_people.append(
                {**blank, **values, "kind": kind, "reference": reference,
                 "organisation_id": org.id if org is not None else None}
            )  # fmt: skip
            if kind is PersonKind.OFFICER:
                new_postings[reference] = {"station_id": org.id, "start_date": posted}
            people[reference.lower()] = None  # a later row with it is a repeat, caught above
            return PlannedRow(line, "create", reference, values["name"])
        changed: list[str] = []
        set_if_changed(existing, values, changed)
        if org is not None and org.id != existing.organisation_id:
            if kind is PersonKind.OFFICER:
                # A refused transfer (a date before the current posting) refuses the row.
                services.transfer_officer(existing, org.id, posted)
            else:
                existing.organisation_id = org.id
            changed.append("organisation")
        action = "update" if changed else "unchanged"
        return PlannedRow(line, action, reference, existing.name, changed)

    def write_all(planned: list[PlannedRow], errors: list[tuple[int, str]]) -> list[PlannedRow]:
        _insert_people(new_people, new_postings)
        return planned

    return run_onboarding(filename, data, PEOPLE_COLUMNS, prepare, check_row, write_all)


def _insert_people(new_people: list[dict], new_postings: dict[str, dict]) -> None:
    """Insert new people and their first postings in a few statements whatever their number
    (the ORM would insert them one by one on SQLite), with an audit entry for each record."""
    if not new_people:
        return
    db.session.flush()
    now = utcnow()
    for values in new_people:
        values.update(created_at=now, updated_at=now, version=1)
    bulk_insert(Person.__table__, new_people)
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
        bulk_insert(Posting.__table__, postings)
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
