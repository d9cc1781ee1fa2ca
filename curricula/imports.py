"""Import of a training's register and scores from CSV or Excel through the one import runner:
all rows or none, with an error report by the file's own line numbers. The template is the
training's own register, ready to fill in; its columns are known by language-independent keys."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from curricula.models import Participant, Training
from curricula.services import results
from curricula.services import trainings as services
from meetings.models import AttendanceStatus
from partnership.extensions import db
from partnership.organisations.models import Person, PersonKind
from partnership.spreadsheets import Column, ImportRow, RowError, Table, run_import

DAY_HEADER = re.compile(r"\((\d{4}-\d{2}-\d{2})\)\s*$")
STATUS_WORDS = {
    "present": AttendanceStatus.PRESENT, "p": AttendanceStatus.PRESENT,
    "late": AttendanceStatus.LATE, "l": AttendanceStatus.LATE,
    "excused": AttendanceStatus.EXCUSED, "e": AttendanceStatus.EXCUSED,
    "absent": AttendanceStatus.ABSENT, "a": AttendanceStatus.ABSENT,
}  # fmt: skip


PERSON = Column("person_id", _l("Person ID"))
NAME = Column("name", _l("Name"), required=False)
STATION = Column("station", _l("Station"), required=False)
PRE = Column("pre_score", _l("Pre-test score"))
POST = Column("post_score", _l("Post-test score"))


def _day_column(number: int, day: date) -> Column:
    return Column(
        f"day-{day.isoformat()}", _l("Day %(n)s (%(date)s)", n=number, date=day.isoformat())
    )


def columns_for(training: Training) -> list[Column]:
    days = [_day_column(i, d) for i, d in enumerate(training.days, 1)]
    return [PERSON, NAME, STATION, *days, PRE, POST]


def headers_for(training: Training) -> list[str]:
    """The template's headers: each label with its language-independent key."""
    return [c.header for c in columns_for(training)]


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


def _day_keys(training: Training):  # noqa: ANN202
    """Day columns are known by their date in brackets, whatever the language of the label; a
    day the training does not have is refused."""

    def day_key(header: str) -> str | None:
        match = DAY_HEADER.search(header)
        if not match:
            return None
        try:
            day = date.fromisoformat(match.group(1))
        except ValueError:
            return None
        if day not in training.days:
            raise RowError(_("Days not in this training: %(d)s.", d=day.isoformat()))
        return f"day-{day.isoformat()}"

    return day_key


def import_register(training: Training, filename: str, data: bytes) -> ImportResult:
    """Check every row, then write all of them, or nothing when any row is wrong; errors are
    reported by the file's own line numbers."""
    result = ImportResult()
    people_on_register = services.roster(training)
    participants = {p.person_id: p for p in people_on_register}
    seen: set[int] = set()
    people: dict[int, Person] = {}

    def person_of(text: str) -> Person | None:
        person_id = _int(text)
        if person_id is None:
            return None
        if person_id not in people:
            person = db.session.get(Person, person_id)
            if person is None:
                return None
            people[person_id] = person
        return people[person_id]

    def check_row(row: ImportRow) -> tuple:
        person = person_of(row.get(PERSON.key, ""))
        if person is None:
            raise RowError(_("Unknown person ID “%(v)s”.", v=row.get(PERSON.key, "")))
        if person.kind is not PersonKind.OFFICER:
            raise RowError(_("Person ID %(id)s is not a police officer.", id=person.id))
        if person.id in seen:
            raise RowError(_("Person ID %(id)s appears twice.", id=person.id))
        seen.add(person.id)
        problems = []
        marks = {}
        for day in training.days:
            word = row.get(f"day-{day.isoformat()}", "").lower()
            if word and word not in STATUS_WORDS:
                problems.append(_(
                    "%(day)s: “%(v)s” is not present, late, excused or absent.",
                    day=day.isoformat(), v=row.get(f"day-{day.isoformat()}", "")))  # fmt: skip
                continue
            marks[day] = STATUS_WORDS[word].value if word else ""
        scores = {}
        for column in (PRE, POST):
            value, error = results.parse_score(row.get(column.key, ""), training.max_score)
            if error:
                problems.append(f"{column.label}: {error}")
            scores[column.key] = value
        if problems:
            raise RowError(" ".join(problems))
        return person, marks, scores

    def write_all(planned: list[tuple]) -> None:
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
            participant.pre_score = scores[PRE.key]
            participant.post_score = scores[POST.key]
            if participant.id is None:
                db.session.add(participant)
        db.session.flush()

    report = run_import(
        filename, data, columns_for(training), check_row, write_all,
        extra_column=_day_keys(training),
        mismatch=_("The columns do not match this training's template."),
    )  # fmt: skip
    result.errors, result.rows = report.errors, report.rows
    return result


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except (ValueError, AttributeError):
        return None
