"""The register of a meeting: who attended on which day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from meetings.models import (
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingStatus,
)
from partnership import permissions
from partnership.accounts.models import User
from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import (
    Organisation,
    Person,
    PersonKind,
)


def labels() -> dict[str, dict]:
    """The labels of each kind of person and each attendance status in the reader's language,
    translated once for a page that shows hundreds of people."""
    return {
        "kinds": {kind: kind.label for kind in PersonKind},
        "statuses": {status: status.label for status in AttendanceStatus},
    }


def register_of(meeting: Meeting) -> list[Attendee]:
    """The register with people, stations and marks loaded in three queries."""
    return list(
        db.session.scalars(
            select(Attendee)
            .where(Attendee.meeting_id == meeting.id)
            .options(
                joinedload(Attendee.person),
                joinedload(Attendee.station),
                selectinload(Attendee.marks),
            )
            .order_by(Attendee.id)
        ).unique()
    )


@dataclass(slots=True, frozen=True)
class LinePerson:
    name: str
    kind: PersonKind


@dataclass(slots=True, frozen=True)
class LineStation:
    id: int
    name: str


@dataclass(slots=True)
class RegisterLine:
    """One line of a register as its page shows it: read as plain rows, not as records (a
    national workshop's register holds hundreds of people, each with a mark per day)."""

    id: int
    person: LinePerson
    station_id: int | None
    station: LineStation | None
    rank: str
    unit: str
    marks: dict[date, AttendanceStatus] = field(default_factory=dict)

    def status_on(self, day: date) -> AttendanceStatus | None:
        return self.marks.get(day)


def register_lines(meeting_id: int) -> list[RegisterLine]:
    """The register of a meeting as its page shows it, in two queries: the people (with their
    station at the time) and every mark."""
    rows = db.session.execute(
        select(
            Attendee.id,
            Attendee.station_id,
            Attendee.rank,
            Attendee.unit,
            Person.name,
            Person.kind,
            Organisation.name,
        )
        .join(Person, Person.id == Attendee.person_id)
        .outerjoin(Organisation, Organisation.id == Attendee.station_id)
        .where(Attendee.meeting_id == meeting_id)
        .order_by(Attendee.id)
    )
    lines = {
        attendee_id: RegisterLine(
            attendee_id,
            LinePerson(name, kind),
            station_id,
            LineStation(station_id, station_name) if station_id is not None else None,
            rank or "",
            unit or "",
        )
        for attendee_id, station_id, rank, unit, name, kind, station_name in rows
    }
    if not lines:
        return []
    # By the register lines' ids: each line's marks are read from the index on (attendee, day);
    # a join on the meeting made PostgreSQL read every mark of the programme.
    marks = db.session.execute(
        select(AttendanceMark.attendee_id, AttendanceMark.day, AttendanceMark.status).where(
            AttendanceMark.attendee_id.in_(list(lines))
        )
    )
    for attendee_id, day, status in marks:
        line = lines.get(attendee_id)
        if line is not None:
            line.marks[day] = status
    return list(lines.values())


def visible_register(attendees: list[Attendee], user: User) -> tuple[list[Attendee], int]:
    """The register lines ``user`` sees by name, and how many others there are (a count only):
    viewers see none, officers at a joint meeting their own stations' officers."""
    shown = [a for a in attendees if permissions.sees_attendee(user, a)]
    return shown, len(attendees) - len(shown)


# A register of a national workshop holds hundreds of people: its page shows them a page at a
# time (the attendance per day above counts them all; the download holds every line).
REGISTER_PER_PAGE = 100


class RegisterPage:
    """One page of the people on a register."""

    def __init__(self, attendees: list[Attendee], number: int, per_page: int = REGISTER_PER_PAGE):
        self.total = len(attendees)
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(max(number, 1), self.pages)
        start = (self.page - 1) * per_page
        self.items = attendees[start : start + per_page]
        self.first = start + 1 if self.items else 0
        self.last = start + len(self.items)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def register_summary(meeting: Meeting, attendees: list[Attendee]) -> list[dict]:
    """Per day: how many of each kind attended (present or late)."""
    summary = []
    for day in meeting.days:
        counts = dict.fromkeys(PersonKind, 0)
        for a in attendees:
            status = a.status_on(day)
            if status is not None and status.attended:
                counts[a.person.kind] += 1
        summary.append({"day": day, "counts": counts, "total": sum(counts.values())})
    return summary


def roster_for(meeting: Meeting, attendees: list[Attendee]) -> list[Person]:
    """People to tick onto the register: the stations' officers, the organiser's staff and
    community representatives, minus those already registered."""
    station_ids = [s.id for s in meeting.stations]
    taken = {a.person_id for a in attendees}
    conditions = [
        and_(Person.kind == PersonKind.OFFICER, Person.organisation_id.in_(station_ids)),
        Person.kind == PersonKind.COMMUNITY_REP,
    ]
    if meeting.organiser_id:
        conditions.append(
            and_(
                Person.kind == PersonKind.NGO_STAFF, Person.organisation_id == meeting.organiser_id
            )
        )
    people = db.session.scalars(
        select(Person)
        .where(Person.active.is_(True), or_(*conditions))
        .options(joinedload(Person.organisation))
        .order_by(Person.kind, by_name(Person.name), Person.id)
        .limit(300)
    )
    return [p for p in people if p.id not in taken]


# ---- register ----------------------------------------------------------------------------------


def _ensure_open_register(meeting: Meeting) -> None:
    if meeting.status is MeetingStatus.CANCELLED:
        raise FieldError("person_ids", _("This meeting was cancelled; it has no register."))


def add_attendee(meeting: Meeting, person: Person) -> Attendee:
    """Put a person on the register, keeping their rank, unit and station as they are now."""
    _ensure_open_register(meeting)
    existing = db.session.scalar(
        select(Attendee).where(Attendee.meeting_id == meeting.id, Attendee.person_id == person.id)
    )
    if existing is not None:
        return existing
    attendee = Attendee(
        meeting_id=meeting.id,
        person_id=person.id,
        station_id=person.organisation_id,
        rank=person.rank if person.kind is PersonKind.OFFICER else "",
        unit=person.unit if person.kind is PersonKind.OFFICER else "",
    )
    db.session.add(attendee)
    db.session.flush()
    return attendee


def add_attendees(meeting: Meeting, person_ids: list[int]) -> list[Attendee]:
    people = list(
        db.session.scalars(select(Person).where(Person.id.in_(person_ids), Person.active.is_(True)))
    )
    if len(people) != len(set(person_ids)):
        raise FieldError("person_ids", _("Some of the people chosen are not available."))
    return [add_attendee(meeting, p) for p in people]


def remove_attendee(meeting: Meeting, attendee_id: int) -> None:
    attendee = db.session.get(Attendee, attendee_id)
    if attendee is None or attendee.meeting_id != meeting.id:
        abort(404)
    db.session.delete(attendee)
    db.session.flush()


def set_marks(
    meeting: Meeting, attendees: list[Attendee], marks: dict[tuple[int, date], str]
) -> int:
    """Apply the statuses chosen on the register page; "" clears a day. Returns changes made."""
    days = set(meeting.days)
    changes = 0
    for attendee in attendees:
        by_day = {m.day: m for m in attendee.marks}
        for day in days:
            if (attendee.id, day) not in marks:
                continue
            value = marks[(attendee.id, day)]
            current = by_day.get(day)
            if not value:
                if current is not None:
                    attendee.marks.remove(current)
                    changes += 1
                continue
            status = AttendanceStatus(value)
            if current is None:
                attendee.marks.append(AttendanceMark(day=day, status=status))
                changes += 1
            elif current.status is not status:
                current.status = status
                changes += 1
    db.session.flush()
    return changes


def mark_all_present(meeting: Meeting, attendees: list[Attendee], day: date | None) -> int:
    """Every attendee without a status that day (or on every day) becomes present."""
    days = [day] if day is not None else meeting.days
    marks = {}
    for attendee in attendees:
        for d in days:
            if attendee.status_on(d) is None:
                marks[(attendee.id, d)] = AttendanceStatus.PRESENT.value
    return set_marks(meeting, attendees, marks)
