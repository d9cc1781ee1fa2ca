"""Import of a training's register and scores from CSV or Excel: all rows or none, with a
row-by-row error report. The template is the training's own register, ready to fill in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from curricula.models import Participant, Training
from curricula.services import trainings as services
from meetings.models import AttendanceStatus
from partnership.extensions import db
from partnership.organisations.models import Person, PersonKind
from partnership.spreadsheets import SpreadsheetError, Table, read_rows

DAY_HEADER = re.compile(r"\((\d{4}-\d{2}-\d{2})\)\s*$")
STATUS_WORDS = {
    "present": AttendanceStatus.PRESENT, "p": AttendanceStatus.PRESENT,
    "late": AttendanceStatus.LATE, "l": AttendanceStatus.LATE,
    "excused": AttendanceStatus.EXCUSED, "e": AttendanceStatus.EXCUSED,
    "absent": AttendanceStatus.ABSENT, "a": AttendanceStatus.ABSENT,
}  # fmt: skip


def headers_for(training: Training) -> list[str]:
    days = [
        _("Day %(n)s (%(date)s)", n=i, date=d.isoformat()) for i, d in enumerate(training.days, 1)
    ]
    return [
        _("Person ID"),
        _("Name"),
        _("Station"),
        *days,
        _("Pre-test score"),
        _("Post-test score"),
    ]


def template_table(training: Training) -> Table:
    """The register as it stands: one row per participant, to complete and upload."""
    rows = []
    for p in services.roster(training):
        marks = [(p.status_on(d).value if p.status_on(d) else "") for d in training.days]
        rows.append([p.person_id, p.person.name, p.station.name if p.station else "", *marks,
                     p.pre_score, p.post_score])  # fmt: skip
    return Table(headers_for(training), rows, sheet_name=_("Register"))


@dataclass
class ImportResult:
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: int = 0
    added: int = 0


def import_register(training: Training, filename: str, data: bytes) -> ImportResult:
    """Check every row, then write all of them, or nothing when any row is wrong."""
    result = ImportResult()
    try:
        headers, rows = read_rows(filename, data)
    except SpreadsheetError as exc:
        result.errors.append((0, _(str(exc))))
        return result
    columns = _columns(training, headers, result)
    if result.errors:
        return result
    if not rows:
        result.errors.append((0, _("The file has no rows below the headers.")))
        return result
    people_ids = {_int(_cell(r, columns["person"])) for r in rows} - {None}
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(people_ids)))}
    people_on_register = services.roster(training)
    participants = {p.person_id: p for p in people_on_register}
    planned = []
    seen: set[int] = set()
    for number, row in enumerate(rows, start=2):
        person_id = _int(_cell(row, columns["person"]))
        if person_id is None or person_id not in people:
            result.errors.append(
                (number, _("Unknown person ID “%(v)s”.", v=_cell(row, columns["person"])))
            )
            continue
        if people[person_id].kind is not PersonKind.OFFICER:
            result.errors.append(
                (number, _("Person ID %(id)s is not a police officer.", id=person_id))
            )
            continue
        if person_id in seen:
            result.errors.append((number, _("Person ID %(id)s appears twice.", id=person_id)))
            continue
        seen.add(person_id)
        marks = {}
        for day, index in columns["days"].items():
            word = _cell(row, index).strip().lower()
            if word and word not in STATUS_WORDS:
                result.errors.append((number, _(
                    "%(day)s: “%(v)s” is not present, late, excused or absent.",
                    day=day.isoformat(), v=_cell(row, index))))  # fmt: skip
                continue
            marks[day] = STATUS_WORDS[word].value if word else ""
        scores = {}
        for column in ("pre", "post"):
            value, error = services.parse_score(_cell(row, columns[column]), training.max_score)
            if error:
                label = _("Pre-test score") if column == "pre" else _("Post-test score")
                result.errors.append((number, f"{label}: {error}"))
            scores[column] = value
        planned.append((people[person_id], marks, scores))
    if result.errors:
        return result
    from meetings.services.register import add_attendee, set_marks

    for person, marks, scores in planned:
        participant = participants.get(person.id)
        if participant is None:
            attendee = add_attendee(training.meeting, person)
            participant = Participant(training_id=training.id, attendee_id=attendee.id)
            participant.attendee = attendee
            result.added += 1
        set_marks(training.meeting, [participant.attendee],
                  {(participant.attendee_id, d): v for d, v in marks.items()})  # fmt: skip
        participant.pre_score = scores["pre"]
        participant.post_score = scores["post"]
        if participant.id is None:
            db.session.add(participant)
    result.rows = len(planned)
    db.session.flush()
    return result


def _columns(training: Training, headers: list[str], result: ImportResult) -> dict:
    normal = [h.strip().lower() for h in headers]
    wanted = {"person": _("Person ID"), "pre": _("Pre-test score"), "post": _("Post-test score")}
    columns: dict = {}
    missing = []
    for key, label in wanted.items():
        if label.lower() in normal:
            columns[key] = normal.index(label.lower())
        else:
            missing.append(label)
    days: dict[date, int] = {}
    for index, header in enumerate(headers):
        match = DAY_HEADER.search(header)
        if match:
            try:
                days[date.fromisoformat(match.group(1))] = index
            except ValueError:
                continue
    expected = set(training.days)
    missing += [_("Day (%(date)s)", date=d.isoformat()) for d in training.days if d not in days]
    unexpected = sorted(set(days) - expected)
    if missing or unexpected:
        message = _("The columns do not match this training's template.")
        if missing:
            message += " " + _("Missing: %(cols)s.", cols=", ".join(missing))
        if unexpected:
            message += " " + _(
                "Days not in this training: %(d)s.", d=", ".join(d.isoformat() for d in unexpected)
            )
        result.errors.append((1, message + " " + _("Download the template and fill it in.")))
    columns["days"] = {d: i for d, i in days.items() if d in expected}
    return columns


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return None
