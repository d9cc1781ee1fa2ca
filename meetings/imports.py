"""Register import from CSV or Excel: every row is checked, people are matched by name and
station, ambiguous matches are reviewed, and then every row is written or none is.

The rows travel between the upload and the confirmation in a signed form field, so the review
step needs no server-side storage and cannot be altered on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

from meetings.exports import register_headers
from meetings.models import ATTENDANCE_STATUS_LABELS, AttendanceStatus, Meeting
from meetings.services import register
from partnership.extensions import db
from partnership.organisations import services as org_services
from partnership.organisations.models import (
    PERSON_KIND_LABELS,
    POLICE_KINDS,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
)
from partnership.spreadsheets import SpreadsheetError, read_rows

MAX_ROWS = 1000


class RegisterFileError(Exception):
    """The file as a whole cannot be used: unreadable, wrong columns, too long."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class RegisterRow:
    line: int
    name: str
    kind: PersonKind
    organisation: Organisation | None
    rank: str
    unit: str
    marks: dict[date, AttendanceStatus]
    candidates: list[Person] = field(default_factory=list)

    @property
    def is_ambiguous(self) -> bool:
        return len(self.candidates) > 1

    @property
    def match(self) -> Person | None:
        return self.candidates[0] if len(self.candidates) == 1 else None


@dataclass
class RegisterImport:
    headers: list[str]
    raw_rows: list[list[str]]
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ambiguous(self) -> list[RegisterRow]:
        return [r for r in self.rows if r.is_ambiguous]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="meetings.register-import")


def pack(result: RegisterImport, meeting: Meeting) -> str:
    return _serializer().dumps(
        {"meeting": meeting.id, "headers": result.headers, "rows": result.raw_rows}
    )


def unpack(payload: str, meeting: Meeting) -> RegisterImport:
    try:
        data = _serializer().loads(payload)
    except BadSignature as exc:
        raise RegisterFileError(
            _("The import could not be read back; upload the file again.")
        ) from exc
    if data.get("meeting") != meeting.id:
        raise RegisterFileError(_("This import belongs to another meeting; upload the file again."))
    return check_rows(meeting, data["headers"], data["rows"])


def read_register(meeting: Meeting, filename: str, data: bytes) -> RegisterImport:
    try:
        headers, rows = read_rows(filename, data)
    except SpreadsheetError as exc:
        raise RegisterFileError(str(exc)) from exc
    return check_rows(meeting, headers, rows)


def _kind_of(value: str) -> PersonKind | None:
    text = value.strip().lower()
    for kind, label in PERSON_KIND_LABELS.items():
        if text in (kind.value, str(label).lower()):
            return kind
    return None


def _status_of(value: str) -> AttendanceStatus | None:
    text = value.strip().lower()
    for status, label in ATTENDANCE_STATUS_LABELS.items():
        if text in (status.value, str(label).lower()):
            return status
    raise ValueError(text)


def check_rows(meeting: Meeting, headers: list[str], raw_rows: list[list[str]]) -> RegisterImport:
    """Validate every row and find the people each one may be."""
    headers = [h.strip() for h in headers]
    expected = register_headers(meeting)
    missing = [h for h in expected if h not in headers]
    unknown = [h for h in headers if h and h not in expected]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(names)s", names=", ".join(missing)))
        if unknown:
            parts.append(_("unexpected columns: %(names)s", names=", ".join(unknown)))
        raise RegisterFileError(
            _("The columns do not match the template (%(details)s). Download the template "
              "for this meeting and copy your rows into it.", details="; ".join(parts))
        )  # fmt: skip
    if not raw_rows:
        raise RegisterFileError(_("The file has no rows below the column names."))
    if len(raw_rows) > MAX_ROWS:
        raise RegisterFileError(_("A register file can have at most %(n)s rows.", n=MAX_ROWS))
    index = {h: headers.index(h) for h in expected}
    organisations = _organisations_by_name()
    result = RegisterImport(headers=headers, raw_rows=[list(r) for r in raw_rows])
    seen: dict[tuple, int] = {}
    for position, raw in enumerate(raw_rows, start=2):
        line = getattr(raw, "line", position)
        cells = [*raw, *([""] * len(headers))]

        def cell(name: str, cells=cells) -> str:
            return str(cells[index[name]]).strip()

        problems = []
        name = cell("Name")
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > 160:
            problems.append(_("the name is longer than 160 characters"))
        kind = _kind_of(cell("Kind"))
        if kind is None:
            problems.append(
                _("kind “%(value)s” is not officer, ngo_staff or community_rep", value=cell("Kind"))
            )
        org_name = cell("Station or organisation")
        org = organisations.get(org_name.lower()) if org_name else None
        if org_name and org is None:
            problems.append(_("no organisation or station is called “%(name)s”", name=org_name))
        # An unknown organisation is reported above; these check a known one (or none given).
        known_or_blank = org is not None or not org_name
        if (
            kind is PersonKind.OFFICER
            and known_or_blank
            and (org is None or org.kind not in POLICE_KINDS)
        ):
            problems.append(_("an officer needs their police station"))
        if (
            kind is PersonKind.NGO_STAFF
            and known_or_blank
            and (org is None or org.kind is not OrganisationKind.NGO)
        ):
            problems.append(_("NGO staff need their NGO"))
        if kind is PersonKind.COMMUNITY_REP:
            if org is not None and org.kind is not OrganisationKind.COMMUNITY_GROUP:
                problems.append(_("a community representative belongs to a community group"))
            if len(name) > 40:
                problems.append(
                    _("a community representative is named by a chosen name or initials only")
                )
        marks = {}
        for day in meeting.days:
            value = cell(day.isoformat())
            if not value:
                continue
            try:
                marks[day] = _status_of(value)
            except ValueError:
                problems.append(
                    _("“%(value)s” on %(day)s is not present, late, excused or absent",
                      value=value, day=day.isoformat())
                )  # fmt: skip
        if len(cell("Rank")) > 80 or len(cell("Unit")) > 120:
            problems.append(_("the rank or unit is too long"))
        key = (name.lower(), kind, org.id if org else None)
        if not problems and key in seen:
            problems.append(_("the same person is already on line %(line)s", line=seen[key]))
        if problems:
            result.errors.append((line, "; ".join(problems)))
            continue
        seen[key] = line
        result.rows.append(
            RegisterRow(
                line=line,
                name=name,
                kind=kind,
                organisation=org,
                rank=cell("Rank") if kind is PersonKind.OFFICER else "",
                unit=cell("Unit") if kind is PersonKind.OFFICER else "",
                marks=marks,
            )
        )
    _find_candidates(result.rows)
    return result


def _organisations_by_name() -> dict[str, Organisation]:
    return {
        o.name.strip().lower(): o
        for o in db.session.scalars(select(Organisation).where(Organisation.active.is_(True)))
    }


def _find_candidates(rows: list[RegisterRow]) -> None:
    """People with the same name (any case) and kind at the same station or organisation."""
    names = {r.name.lower() for r in rows}
    if not names:
        return
    people = db.session.scalars(
        select(Person)
        .where(func.lower(Person.name).in_(names), Person.active.is_(True))
        .order_by(Person.id)
    )
    by_key: dict[tuple, list[Person]] = {}
    for p in people:
        by_key.setdefault((p.name.lower(), p.kind, p.organisation_id), []).append(p)
        if p.kind is PersonKind.COMMUNITY_REP:
            by_key.setdefault((p.name.lower(), p.kind, "any"), []).append(p)
    for row in rows:
        if row.kind is PersonKind.COMMUNITY_REP and row.organisation is None:
            row.candidates = by_key.get((row.name.lower(), row.kind, "any"), [])
        else:
            org_id = row.organisation.id if row.organisation else None
            row.candidates = by_key.get((row.name.lower(), row.kind, org_id), [])


def apply_import(
    meeting: Meeting, result: RegisterImport, choices: dict[int, str]
) -> list[tuple[int, str]]:
    """Write every row, or return the problems and write nothing (the caller rolls back).

    ``choices`` maps a line number to a person id or "new" for the ambiguous rows."""
    problems = list(result.errors)
    for row in result.ambiguous:
        choice = choices.get(row.line, "")
        if choice != "new" and choice not in {str(p.id) for p in row.candidates}:
            problems.append((row.line, _("choose which “%(name)s” this is", name=row.name)))
    if problems:
        return problems
    for row in result.rows:
        person = row.match
        if row.is_ambiguous and choices[row.line] != "new":
            person = next(p for p in row.candidates if str(p.id) == choices[row.line])
        elif row.is_ambiguous or person is None:
            person = org_services.create_person(
                {
                    "kind": row.kind.value,
                    "name": row.name,
                    "organisation_id": row.organisation.id if row.organisation else None,
                    "rank": row.rank,
                    "unit": row.unit,
                    "posted_since": meeting.local_start.date(),
                }
            )
        attendee = register.add_attendee(meeting, person)
        register.set_marks(
            meeting,
            [attendee],
            {(attendee.id, day): status.value for day, status in row.marks.items()},
        )
    return []
