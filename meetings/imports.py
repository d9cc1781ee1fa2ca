"""Register import from CSV or Excel through the one import runner: every row is checked,
people are matched by name and station, ambiguous matches are reviewed, and then every row is
written or none is.

The rows travel between the upload and the confirmation in a signed form field, so the review
step needs no server-side storage and cannot be altered on the way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select

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
from partnership.spreadsheets import Column, ImportRow, RowError, read_import, run_rows

MAX_ROWS = 1000

# The register's columns keep English headers ("Name", "Station or organisation", the days as
# 2031-06-03) so a file travels between users of different languages; the label in the
# reader's language is accepted too.
COLUMNS = (
    Column("name", _l("Name")),
    Column("kind", _l("Kind")),
    Column("station_or_organisation", _l("Station or organisation"), required=False),
    Column("rank", _l("Rank"), required=False),
    Column("unit", _l("Unit"), required=False),
)


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
    records: list[ImportRow]
    rows: list[RegisterRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ambiguous(self) -> list[RegisterRow]:
        return [r for r in self.rows if r.is_ambiguous]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="meetings.register-import")


def pack(result: RegisterImport, meeting: Meeting) -> str:
    return _serializer().dumps(
        {"meeting": meeting.id, "rows": [[r.line, dict(r)] for r in result.records]}
    )


def unpack(payload: str, meeting: Meeting) -> RegisterImport:
    try:
        data = _serializer().loads(payload)
        records = [ImportRow(cells, line) for line, cells in data["rows"]]
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise RegisterFileError(
            _("The import could not be read back; upload the file again.")
        ) from exc
    if data.get("meeting") != meeting.id:
        raise RegisterFileError(_("This import belongs to another meeting; upload the file again."))
    return check_rows(meeting, records)


def _day_key(meeting: Meeting):  # noqa: ANN202
    """Day columns are known by their date; a date the meeting does not have is refused."""

    def day_key(header: str) -> str | None:
        try:
            day = date.fromisoformat(header.strip())
        except ValueError:
            return None
        if day not in meeting.days:
            raise RowError(_("unexpected columns: %(names)s", names=header.strip()))
        return day.isoformat()

    return day_key


def read_register(meeting: Meeting, filename: str, data: bytes) -> RegisterImport:
    records, errors = read_import(
        filename, data, COLUMNS, extra_column=_day_key(meeting),
        mismatch=_("The columns do not match the template for this meeting."),
    )  # fmt: skip
    if errors:
        raise RegisterFileError(" ".join(message for _line, message in errors))
    if len(records) > MAX_ROWS:
        raise RegisterFileError(_("A register file can have at most %(n)s rows.", n=MAX_ROWS))
    return check_rows(meeting, records)


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


def check_rows(meeting: Meeting, records: list[ImportRow]) -> RegisterImport:
    """Validate every row and find the people each one may be; nothing is written."""
    result = RegisterImport(records=records)
    prepare, check_row = _checker(meeting)
    report = run_rows(records, check_row, list, prepare=prepare)
    result.errors = report.errors
    result.rows = report.result or []
    return result


def apply_import(
    meeting: Meeting, result: RegisterImport, choices: dict[int, str]
) -> list[tuple[int, str]]:
    """Check every row again and write them all, or return the problems and write nothing (the
    caller rolls back). ``choices`` maps a line to a person id or "new" for ambiguous rows."""
    prepare, check_row = _checker(meeting, choices)
    report = run_rows(
        result.records, check_row, lambda rows: _write(meeting, rows, choices), prepare=prepare
    )
    return report.errors


def _checker(meeting: Meeting, choices: dict[int, str] | None = None):  # noqa: ANN202
    """``prepare`` and ``check_row`` for the runner: each row as a RegisterRow with the people
    it may be, or RowError. With ``choices``, an ambiguous row must have a valid one."""
    organisations = _organisations_by_name()
    people: dict[tuple, list[Person]] = {}
    seen: dict[tuple, int] = {}

    def prepare(records: list[ImportRow]) -> None:
        people.update(_people_by_name(records))

    def check_row(row: ImportRow) -> RegisterRow:
        problems = []
        name = row.get("name", "")
        if not name:
            problems.append(_("the name is empty"))
        elif len(name) > 160:
            problems.append(_("the name is longer than 160 characters"))
        kind = _kind_of(row.get("kind", ""))
        if kind is None:
            problems.append(
                _("kind “%(value)s” is not officer, ngo_staff or community_rep",
                  value=row.get("kind", ""))
            )  # fmt: skip
        org_name = row.get("station_or_organisation", "")
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
            value = row.get(day.isoformat(), "")
            if not value:
                continue
            try:
                marks[day] = _status_of(value)
            except ValueError:
                problems.append(
                    _("“%(value)s” on %(day)s is not present, late, excused or absent",
                      value=value, day=day.isoformat())
                )  # fmt: skip
        rank, unit = row.get("rank", ""), row.get("unit", "")
        if len(rank) > 80 or len(unit) > 120:
            problems.append(_("the rank or unit is too long"))
        key = (name.lower(), kind, org.id if org else None)
        if not problems and key in seen:
            problems.append(_("the same person is already on line %(line)s", line=seen[key]))
        if problems:
            raise RowError("; ".join(problems))
        seen[key] = row.line
        register_row = RegisterRow(
            line=row.line, name=name, kind=kind, organisation=org,
            rank=rank if kind is PersonKind.OFFICER else "",
            unit=unit if kind is PersonKind.OFFICER else "", marks=marks,
        )  # fmt: skip
        if kind is PersonKind.COMMUNITY_REP and org is None:
            register_row.candidates = people.get((name.lower(), kind, "any"), [])
        else:
            register_row.candidates = people.get((name.lower(), kind, key[2]), [])
        if choices is not None and register_row.is_ambiguous:
            choice = choices.get(row.line, "")
            if choice != "new" and choice not in {str(p.id) for p in register_row.candidates}:
                raise RowError(_("choose which “%(name)s” this is", name=name))
        return register_row

    return prepare, check_row


def _organisations_by_name() -> dict[str, Organisation]:
    return {
        o.name.strip().lower(): o
        for o in db.session.scalars(select(Organisation).where(Organisation.active.is_(True)))
    }


def _people_by_name(records: list[ImportRow]) -> dict[tuple, list[Person]]:
    """People with the same name (any case) and kind at the same station or organisation, for
    every name of the file, in one query."""
    names = sorted({r.get("name", "").lower() for r in records} - {""})
    by_key: dict[tuple, list[Person]] = {}
    if not names:
        return by_key
    for p in db.session.scalars(
        select(Person)
        .where(func.lower(Person.name).in_(names), Person.active.is_(True))
        .order_by(Person.id)
    ):
        by_key.setdefault((p.name.lower(), p.kind, p.organisation_id), []).append(p)
        if p.kind is PersonKind.COMMUNITY_REP:
            by_key.setdefault((p.name.lower(), p.kind, "any"), []).append(p)
    return by_key


def _write(meeting: Meeting, rows: list[RegisterRow], choices: dict[int, str]) -> None:
    for row in rows:
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
