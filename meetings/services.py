"""Queries and writes for meetings: scheduling, series, conflicts, the status lifecycle,
registers, agenda, minutes, decisions, due visits and calendar feed tokens.

Writes mutate and flush; the request (or CLI command) commits once.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import MONTHLY, WEEKLY, rrule
from flask import abort
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from meetings.models import (
    HAPPENED_STATUSES,
    OPEN_STATUSES,
    AgendaItem,
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    CalendarFeedToken,
    Decision,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    MeetingStatusChange,
    MinutesRevision,
    meeting_facilitators,
    meeting_stations,
)
from partnership.accounts.models import User
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.mixins import utcnow
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
    OrganisationKind,
    Person,
    PersonKind,
)
from partnership.permissions import NGO_EDITORS, NGO_ROLES, Role, station_scope

# ---- who may do what with one meeting ----------------------------------------------------------


def can_edit_meeting(
    user: User, meeting: Meeting | None = None, kind: MeetingKind | None = None
) -> bool:
    """Coordinators and admins edit every meeting; trainers edit trainings only."""
    if not user.is_authenticated:
        return False
    if user.role in NGO_EDITORS:
        return True
    kind = meeting.kind if meeting is not None else kind
    return user.role is Role.TRAINER and kind is MeetingKind.TRAINING


def editable_kinds(user: User) -> list[MeetingKind]:
    if user.role in NGO_EDITORS:
        return list(MeetingKind)
    if user.role is Role.TRAINER:
        return [MeetingKind.TRAINING]
    return []


def sees_register_names(user: User) -> bool:
    """Viewers read aggregates: the register's names are for NGO roles and officers."""
    return user.role in NGO_ROLES or user.role is Role.OFFICER


def sees_minutes(user: User) -> bool:
    return user.role in NGO_ROLES or user.role is Role.OFFICER


# ---- queries -----------------------------------------------------------------------------------


@dataclass
class MeetingFilters:
    station_id: int | None = None
    command_id: int | None = None
    country: str = ""
    organiser_id: int | None = None
    kind: str = ""
    status: str = ""
    q: str = ""
    upcoming: bool = False


def _scope_clause(user: User):  # noqa: ANN202
    scope = station_scope(user)
    if scope is None:
        return None
    return Meeting.id.in_(
        select(meeting_stations.c.meeting_id).where(meeting_stations.c.station_id.in_(scope))
    )


def meeting_query(
    user: User,
    filters: MeetingFilters,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Select:
    """Meetings the user may see, filtered, oldest first (or the coming ones first)."""
    stmt = select(Meeting).options(selectinload(Meeting.stations), joinedload(Meeting.organiser))
    scope = _scope_clause(user)
    if scope is not None:
        stmt = stmt.where(scope)
    if filters.station_id:
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id == filters.station_id
                )
            )
        )
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
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id.in_(org_ids)
                )
            )
        )
    if filters.organiser_id:
        stmt = stmt.where(Meeting.organiser_id == filters.organiser_id)
    if filters.kind:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Meeting.kind == MeetingKind(filters.kind))
    if filters.status:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(Meeting.status == MeetingStatus(filters.status))
    if filters.q:
        stmt = stmt.where(func.lower(Meeting.title).like(f"%{filters.q.strip().lower()}%"))
    if start is not None:
        stmt = stmt.where(Meeting.ends_at > start)
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < end)
    if filters.upcoming:
        stmt = stmt.where(Meeting.ends_at >= utcnow())
    return stmt.order_by(Meeting.starts_at, Meeting.id)


def get_meeting_or_404(meeting_id: int, user: User, for_edit: bool = False) -> Meeting:
    """Load a meeting the user may see (404 for one outside an officer's stations) with what its
    page shows; 403 when editing is asked for and not allowed."""
    meeting = db.session.get(
        Meeting,
        meeting_id,
        options=[
            selectinload(Meeting.stations),
            selectinload(Meeting.facilitators),
            joinedload(Meeting.organiser),
            joinedload(Meeting.series),
        ],
    )
    if meeting is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None and not any(s.id in scope for s in meeting.stations):
        abort(404)
    if for_edit and not can_edit_meeting(user, meeting):
        abort(403)
    return meeting


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
        .order_by(Person.kind, Person.name)
        .limit(300)
    )
    return [p for p in people if p.id not in taken]


def minutes_text(meeting: Meeting) -> str:
    return meeting.minutes_revisions[0].body if meeting.minutes_revisions else ""


# ---- times -------------------------------------------------------------------------------------


def zone_or_error(name: str, field_name: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FieldError(field_name, _("Choose a time zone from the list.")) from exc


def local_to_utc(day: date, at: time, zone: ZoneInfo, field_name: str) -> datetime:
    """The UTC moment of a local date and time; refuses a time skipped by a clock change."""
    naive = datetime.combine(day, at)
    local = naive.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise FieldError(
            field_name, _("This time does not exist in that time zone (the clocks change).")
        )
    return local.astimezone(UTC)


def meeting_window(data: dict) -> tuple[datetime, datetime]:
    zone = zone_or_error(data["timezone"])
    starts = local_to_utc(data["start_date"], data["start_time"], zone, "start_time")
    ends = local_to_utc(data["end_date"], data["end_time"], zone, "end_time")
    if ends <= starts:
        raise FieldError("end_time", _("The meeting must end after it starts."))
    if ends - starts > timedelta(days=14):
        raise FieldError("end_date", _("A meeting can last at most 14 days."))
    return starts, ends


# ---- conflicts ---------------------------------------------------------------------------------


def find_conflicts(
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    station_ids: list[int],
    facilitator_ids: list[int],
    exclude_ids: set[int] | frozenset[int] = frozenset(),
) -> list[str]:
    """Warnings for a facilitator already booked at that time and a station that already has a
    meeting that (local) day. Cancelled meetings do not count."""
    warnings: list[str] = []
    live = Meeting.status != MeetingStatus.CANCELLED
    not_self = Meeting.id.not_in(exclude_ids) if exclude_ids else True
    if facilitator_ids:
        rows = db.session.execute(
            select(User.name, Meeting)
            .join(meeting_facilitators, meeting_facilitators.c.user_id == User.id)
            .join(Meeting, Meeting.id == meeting_facilitators.c.meeting_id)
            .where(
                User.id.in_(facilitator_ids),
                live,
                not_self,
                Meeting.starts_at < ends_at,
                Meeting.ends_at > starts_at,
            )
            .order_by(Meeting.starts_at)
        ).all()
        for name, other in rows:
            warnings.append(
                _(
                    "%(name)s is already booked for “%(title)s” on %(when)s.",
                    name=name,
                    title=other.title,
                    when=_when(other),
                )
            )
    if station_ids:
        local_start = starts_at.astimezone(zone)
        day_start = datetime.combine(local_start.date(), time.min, tzinfo=zone).astimezone(UTC)
        local_end = ends_at.astimezone(zone)
        day_end = datetime.combine(
            local_end.date() + timedelta(days=1), time.min, tzinfo=zone
        ).astimezone(UTC)
        rows = db.session.execute(
            select(Organisation.name, Meeting)
            .join(meeting_stations, meeting_stations.c.station_id == Organisation.id)
            .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
            .where(
                Organisation.id.in_(station_ids),
                live,
                not_self,
                Meeting.starts_at < day_end,
                Meeting.ends_at > day_start,
            )
            .order_by(Meeting.starts_at)
        ).all()
        for name, other in rows:
            warnings.append(
                _(
                    "%(station)s already has “%(title)s” that day (%(when)s).",
                    station=name,
                    title=other.title,
                    when=_when(other),
                )
            )
    return warnings


def _when(meeting: Meeting) -> str:
    local = meeting.local_start
    return f"{format_date(local.date(), 'medium')} {format_time(local.time(), 'short')}"


# ---- scheduling --------------------------------------------------------------------------------

MEETING_FIELDS = ("title", "venue", "objectives", "expected_participants", "security_notes")


@dataclass
class Recurrence:
    frequency: str  # "weekly" or "monthly"
    interval: int
    count: int

    def rule(self) -> str:
        freq = "WEEKLY" if self.frequency == "weekly" else "MONTHLY"
        return f"FREQ={freq};INTERVAL={self.interval};COUNT={self.count}"

    def local_starts(self, first: datetime) -> list[datetime]:
        """Naive local start times: the local time of day is kept across clock changes."""
        freq = WEEKLY if self.frequency == "weekly" else MONTHLY
        return list(rrule(freq, interval=self.interval, count=self.count, dtstart=first))


def _stations_from(ids: list[int]) -> list[Organisation]:
    if not ids:
        raise FieldError("station_ids", _("Choose at least one station."))
    stations = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_(ids), Organisation.kind.in_(STATION_KINDS)
            )
        )
    )
    if len(stations) != len(set(ids)):
        raise FieldError("station_ids", _("Choose police stations or posts from the list."))
    return stations


def _facilitators_from(ids: list[int]) -> list[User]:
    if not ids:
        return []
    users = list(
        db.session.scalars(
            select(User).where(
                User.id.in_(ids), User.active.is_(True), User.role.in_(list(NGO_ROLES))
            )
        )
    )
    if len(users) != len(set(ids)):
        raise FieldError("facilitator_ids", _("Choose facilitators from the list."))
    return users


def _check_kind(user: User, kind: MeetingKind) -> None:
    if kind not in editable_kinds(user):
        raise FieldError("kind", _("You can schedule trainings only."))


def _apply_fields(meeting: Meeting, data: dict) -> None:
    for name in MEETING_FIELDS:
        if name in data:
            value = data[name]
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    meeting.kind = MeetingKind(data["kind"])
    meeting.timezone = data["timezone"]
    meeting.organiser_id = data.get("organiser_id") or None


def new_uid() -> str:
    return f"meeting-{uuid.uuid4()}@partnership-manager"


def create_meetings(data: dict, user: User, recurrence: Recurrence | None = None) -> list[Meeting]:
    """Schedule one meeting, or a series of them from ``recurrence``; the first is returned
    first. Conflicts are not checked here: the view warns with ``find_conflicts`` first."""
    _check_kind(user, MeetingKind(data["kind"]))
    starts, ends = meeting_window(data)
    stations = _stations_from(data["station_ids"])
    facilitators = _facilitators_from(data.get("facilitator_ids") or [])
    zone = ZoneInfo(data["timezone"])
    if recurrence is None:
        windows = [(starts, ends)]
        series = None
    else:
        duration = ends - starts
        windows = []
        for local in recurrence.local_starts(starts.astimezone(zone).replace(tzinfo=None)):
            start_utc = local.replace(tzinfo=zone).astimezone(UTC)
            windows.append((start_utc, start_utc + duration))
        series = MeetingSeries(
            rule=recurrence.rule(), timezone=data["timezone"], created_by_id=user.id
        )
        db.session.add(series)
    created = []
    for start_utc, end_utc in windows:
        meeting = Meeting(
            uid=new_uid(),
            status=MeetingStatus.PROPOSED,
            starts_at=start_utc,
            ends_at=end_utc,
            created_by_id=user.id,
            series=series,
        )
        _apply_fields(meeting, data)
        meeting.stations = list(stations)
        meeting.facilitators = list(facilitators)
        db.session.add(meeting)
        created.append(meeting)
    db.session.flush()
    for meeting in created:
        _log_status(meeting, user, None, MeetingStatus.PROPOSED)
    db.session.flush()
    _carry_concerns_forward(created[0])
    return created


def _carry_concerns_forward(meeting: Meeting) -> None:
    """The stations' open concerns go on the agenda of the next meeting with them."""
    from partnership.actions.services import put_station_concerns_on_agenda

    if meeting.kind is not MeetingKind.WEBINAR:
        put_station_concerns_on_agenda([s.id for s in meeting.stations])


def occurrences_from(meeting: Meeting) -> list[Meeting]:
    """This meeting and the later ones of its series that have not happened or been cancelled."""
    if meeting.series_id is None:
        return [meeting]
    later = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.series_id == meeting.series_id,
            Meeting.starts_at > meeting.starts_at,
            Meeting.status.in_(list(OPEN_STATUSES)),
        )
        .options(selectinload(Meeting.stations), selectinload(Meeting.facilitators))
        .order_by(Meeting.starts_at)
    )
    return [meeting, *later]


def update_meeting(meeting: Meeting, data: dict, user: User, scope: str = "this") -> list[Meeting]:
    """Save an edit to this meeting, or to this and the following meetings of its series.

    For the following ones the change of date (in days), the new local time of day and the new
    duration are applied to each, so a quarterly series moved to 14:00 stays at 14:00 locally.
    """
    _check_kind(user, MeetingKind(data["kind"]))
    if not can_edit_meeting(user, meeting):
        raise FieldError("kind", _("You can edit trainings only."))
    if meeting.status in HAPPENED_STATUSES | {MeetingStatus.CANCELLED}:
        moved = meeting_window(data) != (meeting.starts_at, meeting.ends_at)
        if moved:
            raise FieldError(
                "start_date",
                _("This meeting was held or cancelled; its date can no longer change."),
            )
    starts, ends = meeting_window(data)
    stations = _stations_from(data["station_ids"])
    facilitators = _facilitators_from(data.get("facilitator_ids") or [])
    zone = ZoneInfo(data["timezone"])
    old_local = meeting.local_start
    new_local = starts.astimezone(zone)
    day_shift = new_local.date() - old_local.date()
    duration = ends - starts
    targets = occurrences_from(meeting) if scope == "following" else [meeting]
    changed = []
    for target in targets:
        if target is meeting:
            new_start, new_end = starts, ends
        else:
            target_day = target.local_start.date() + day_shift
            new_start = local_to_utc(target_day, new_local.time(), zone, "start_time")
            new_end = new_start + duration
        moved = (new_start, new_end) != (target.starts_at, target.ends_at)
        _apply_fields(target, data)
        target.starts_at, target.ends_at = new_start, new_end
        if {s.id for s in target.stations} != {s.id for s in stations}:
            target.stations = list(stations)
        if {u.id for u in target.facilitators} != {u.id for u in facilitators}:
            target.facilitators = list(facilitators)
        if moved or db.session.is_modified(target):
            target.sequence = (target.sequence or 0) + 1
        changed.append(target)
    if scope == "this" and meeting.series_id is not None and data.get("detach"):
        meeting.series_id = None
    db.session.flush()
    return changed


# ---- the status lifecycle ----------------------------------------------------------------------


class TransitionError(Exception):
    """A status change that the lifecycle does not allow."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


ALLOWED_TRANSITIONS: dict[MeetingStatus, frozenset[MeetingStatus]] = {
    MeetingStatus.PROPOSED: frozenset(
        {MeetingStatus.CONFIRMED, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED}
    ),
    MeetingStatus.CONFIRMED: frozenset(
        {MeetingStatus.HELD, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED}
    ),
    # A postponed meeting has a new date: it is confirmed again (or moved or cancelled again).
    MeetingStatus.POSTPONED: frozenset(
        {MeetingStatus.CONFIRMED, MeetingStatus.POSTPONED, MeetingStatus.CANCELLED}
    ),
    MeetingStatus.HELD: frozenset({MeetingStatus.MINUTES_RECORDED}),
    MeetingStatus.MINUTES_RECORDED: frozenset(),
    MeetingStatus.CANCELLED: frozenset(),
}


def can_transition(meeting: Meeting, to: MeetingStatus) -> bool:
    return to in ALLOWED_TRANSITIONS[meeting.status]


def _require(meeting: Meeting, to: MeetingStatus) -> None:
    if not can_transition(meeting, to):
        raise TransitionError(
            _(
                "A meeting that is “%(current)s” cannot become “%(target)s”.",
                current=meeting.status.label,
                target=to.label,
            )
        )


def _log_status(
    meeting: Meeting,
    user: User | None,
    old: MeetingStatus | None,
    new: MeetingStatus,
    reason: str = "",
    previous: tuple[datetime, datetime] | None = None,
) -> MeetingStatusChange:
    change = MeetingStatusChange(
        meeting_id=meeting.id,
        user_id=user.id if user is not None else None,
        from_status=old,
        to_status=new,
        reason=reason,
        previous_starts_at=previous[0] if previous else None,
        previous_ends_at=previous[1] if previous else None,
    )
    db.session.add(change)
    return change


def _move_to(
    meeting: Meeting, user: User, to: MeetingStatus, reason: str = "", previous=None
) -> None:  # noqa: ANN001
    old = meeting.status
    meeting.status = to
    meeting.sequence = (meeting.sequence or 0) + 1
    _log_status(meeting, user, old, to, reason, previous)
    db.session.flush()


def confirm_meeting(meeting: Meeting, user: User) -> None:
    _require(meeting, MeetingStatus.CONFIRMED)
    meeting.confirmed_at = utcnow()
    meeting.confirmed_by_id = user.id
    _move_to(meeting, user, MeetingStatus.CONFIRMED)
    _carry_concerns_forward(meeting)


def postpone_meeting(
    meeting: Meeting, user: User, new_start: datetime, new_end: datetime, reason: str
) -> None:
    """Move the meeting to a new date; the old date stays in its status history."""
    _require(meeting, MeetingStatus.POSTPONED)
    if new_end <= new_start:
        raise FieldError("end_time", _("The meeting must end after it starts."))
    if (new_start, new_end) == (meeting.starts_at, meeting.ends_at):
        raise FieldError("start_date", _("Give the new date: it is the same as before."))
    if not reason.strip():
        raise FieldError("reason", _("Say why the meeting is postponed."))
    previous = (meeting.starts_at, meeting.ends_at)
    meeting.starts_at, meeting.ends_at = new_start, new_end
    meeting.status_reason = reason.strip()
    _move_to(meeting, user, MeetingStatus.POSTPONED, reason.strip(), previous)


def cancel_meeting(meeting: Meeting, user: User, reason: str) -> None:
    _require(meeting, MeetingStatus.CANCELLED)
    if not reason.strip():
        raise FieldError("reason", _("Say why the meeting is cancelled."))
    meeting.cancelled_at = utcnow()
    meeting.cancelled_by_id = user.id
    meeting.status_reason = reason.strip()
    _move_to(meeting, user, MeetingStatus.CANCELLED, reason.strip())
    _return_concerns(meeting)


def _return_concerns(meeting: Meeting) -> None:
    """Concerns waiting for this meeting go back to open when no other meeting is coming."""
    from partnership.actions.services import take_station_concerns_off_agenda

    take_station_concerns_off_agenda([s.id for s in meeting.stations])


def hold_meeting(meeting: Meeting, user: User, now: datetime | None = None) -> None:
    """Record that the meeting took place; it cannot be held before it has started."""
    _require(meeting, MeetingStatus.HELD)
    if meeting.starts_at > (now or utcnow()):
        raise TransitionError(_("A meeting cannot be marked held before it starts."))
    meeting.held_at = utcnow()
    meeting.held_by_id = user.id
    _move_to(meeting, user, MeetingStatus.HELD)


def save_minutes(meeting: Meeting, body: str, user: User) -> MinutesRevision | None:
    """Keep a new revision of the minutes; the first minutes of a held meeting record it."""
    if not meeting.status.happened:
        raise FieldError("body", _("Minutes are written once the meeting has been held."))
    body = body.strip()
    if not body:
        raise FieldError("body", _("Write the minutes before saving."))
    current = meeting.minutes_revisions[0] if meeting.minutes_revisions else None
    if current is not None and current.body == body:
        return None
    revision = MinutesRevision(
        meeting_id=meeting.id,
        number=(current.number + 1) if current else 1,
        body=body,
        user_id=user.id,
    )
    db.session.add(revision)
    if meeting.status is MeetingStatus.HELD:
        _move_to(meeting, user, MeetingStatus.MINUTES_RECORDED)
    db.session.flush()
    db.session.refresh(meeting, ["minutes_revisions"])
    return revision


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


# ---- agenda and decisions ----------------------------------------------------------------------


def add_agenda_item(meeting: Meeting, title: str, notes: str = "") -> AgendaItem:
    title = title.strip()
    if not title:
        raise FieldError("title", _("Give the agenda item a title."))
    last = max((i.position for i in meeting.agenda_items), default=0)
    item = AgendaItem(meeting_id=meeting.id, title=title, notes=notes.strip(), position=last + 1)
    db.session.add(item)
    db.session.flush()
    db.session.refresh(meeting, ["agenda_items"])
    return item


def _agenda_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = next((i for i in meeting.agenda_items if i.id == item_id), None)
    if item is None:
        abort(404)
    return item


def move_agenda_item(meeting: Meeting, item_id: int, direction: str) -> None:
    items = list(meeting.agenda_items)
    item = _agenda_item(meeting, item_id)
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    for position, it in enumerate(items, start=1):
        if it.position != position:
            it.position = position
    db.session.flush()


def delete_agenda_item(meeting: Meeting, item_id: int) -> None:
    db.session.delete(_agenda_item(meeting, item_id))
    db.session.flush()


def add_decision(meeting: Meeting, text: str, user: User) -> Decision:
    text = text.strip()
    if not text:
        raise FieldError("text", _("Write the decision before saving."))
    decision = Decision(meeting_id=meeting.id, text=text, created_by_id=user.id)
    db.session.add(decision)
    db.session.flush()
    return decision


def delete_decision(meeting: Meeting, decision_id: int) -> None:
    decision = db.session.get(Decision, decision_id)
    if decision is None or decision.meeting_id != meeting.id:
        abort(404)
    db.session.delete(decision)
    db.session.flush()


# ---- stations due for a visit ------------------------------------------------------------------


@dataclass
class DueStation:
    station: Organisation
    last_visit: datetime | None
    next_meeting: datetime | None
    days_since: int | None
    overdue_days: int | None  # positive: overdue by so many days; negative: due in so many

    @property
    def is_overdue(self) -> bool:
        return self.overdue_days is None or self.overdue_days > 0


def due_stations(
    user: User, filters: MeetingFilters, today: date | None = None
) -> list[DueStation]:
    """Every visible active station with a target visit interval, most overdue first; stations
    never visited come first of all. One query, whatever the number of stations."""
    today = today or datetime.now(UTC).date()
    now = utcnow()
    last_visit = (
        select(meeting_stations.c.station_id, func.max(Meeting.starts_at).label("last"))
        .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
        .where(Meeting.status.in_(list(HAPPENED_STATUSES)))
        .group_by(meeting_stations.c.station_id)
        .subquery()
    )
    next_meeting = (
        select(meeting_stations.c.station_id, func.min(Meeting.starts_at).label("next"))
        .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
        .where(Meeting.status.in_(list(OPEN_STATUSES)), Meeting.starts_at >= now)
        .group_by(meeting_stations.c.station_id)
        .subquery()
    )
    stmt = (
        select(Organisation, last_visit.c.last, next_meeting.c.next)
        .outerjoin(last_visit, last_visit.c.station_id == Organisation.id)
        .outerjoin(next_meeting, next_meeting.c.station_id == Organisation.id)
        .options(joinedload(Organisation.command))
        .where(
            Organisation.kind.in_(STATION_KINDS),
            Organisation.active.is_(True),
            Organisation.target_visit_days.is_not(None),
        )
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    if filters.station_id:
        stmt = stmt.where(Organisation.id == filters.station_id)
    if filters.command_id:
        stmt = stmt.where(Organisation.command_id == filters.command_id)
    if filters.country:
        stmt = stmt.where(Organisation.country == filters.country.upper())
    rows = []
    for station, last, nxt in db.session.execute(stmt):
        last = _aware(last)
        nxt = _aware(nxt)
        if last is None:
            rows.append(DueStation(station, None, nxt, None, None))
        else:
            days_since = (today - last.astimezone(ZoneInfo(station.timezone)).date()).days
            rows.append(
                DueStation(station, last, nxt, days_since, days_since - station.target_visit_days)
            )
    rows.sort(
        key=lambda r: (
            r.overdue_days is not None,
            -(r.overdue_days or 0),
            r.station.name,
        )
    )
    return rows


def _aware(value: datetime | None) -> datetime | None:
    """Aggregates bypass the column type: SQLite hands back naive UTC (or text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---- a station's meetings (shown on the station's page) ----------------------------------------


@dataclass
class StationMeetings:
    recent: list[Meeting] = field(default_factory=list)
    upcoming: list[Meeting] = field(default_factory=list)
    last_visit: Meeting | None = None
    next_meeting: Meeting | None = None
    officers_reached: int = 0
    total: int = 0


def station_meetings(station: Organisation, user: User) -> StationMeetings:
    """What the station page shows of its meetings. The caller has already checked the user
    may see the station; every meeting with the station is then visible to them."""
    now = utcnow()
    with_station = Meeting.id.in_(
        select(meeting_stations.c.meeting_id).where(meeting_stations.c.station_id == station.id)
    )
    base = select(Meeting).where(with_station).options(selectinload(Meeting.stations))
    upcoming = list(
        db.session.scalars(
            base.where(Meeting.status.in_(list(OPEN_STATUSES)), Meeting.ends_at >= now)
            .order_by(Meeting.starts_at)
            .limit(5)
        )
    )
    recent = list(
        db.session.scalars(
            base.where(or_(Meeting.ends_at < now, Meeting.status.not_in(list(OPEN_STATUSES))))
            .order_by(Meeting.starts_at.desc())
            .limit(10)
        )
    )
    last_visit = next((m for m in recent if m.status.happened), None)
    if last_visit is None:
        last_visit = db.session.scalar(
            base.where(Meeting.status.in_(list(HAPPENED_STATUSES)))
            .order_by(Meeting.starts_at.desc())
            .limit(1)
        )
    reached = db.session.scalar(
        select(func.count(func.distinct(Attendee.person_id)))
        .join(Person, Person.id == Attendee.person_id)
        .join(AttendanceMark, AttendanceMark.attendee_id == Attendee.id)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .where(
            Attendee.station_id == station.id,
            Person.kind == PersonKind.OFFICER,
            AttendanceMark.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
            Meeting.status.in_(list(HAPPENED_STATUSES)),
        )
    )
    total = db.session.scalar(select(func.count(Meeting.id)).where(with_station))
    return StationMeetings(
        recent=recent,
        upcoming=upcoming,
        last_visit=last_visit,
        next_meeting=upcoming[0] if upcoming else None,
        officers_reached=reached or 0,
        total=total or 0,
    )


# ---- filters' choices --------------------------------------------------------------------------


def organiser_choices() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.NGO, Organisation.active.is_(True))
            .order_by(Organisation.name)
        )
    )


def facilitator_choices() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True), User.role.in_(list(NGO_ROLES)))
            .order_by(User.name)
        )
    )


# ---- personal calendar feeds -------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_token_of(user: User) -> CalendarFeedToken | None:
    return db.session.scalar(select(CalendarFeedToken).where(CalendarFeedToken.user_id == user.id))


def create_feed_token(user: User) -> str:
    """A new secret feed address for ``user``; any previous address stops working."""
    token = secrets.token_urlsafe(32)
    existing = feed_token_of(user)
    if existing is None:
        db.session.add(CalendarFeedToken(user_id=user.id, token_hash=_hash_token(token)))
    else:
        existing.token_hash = _hash_token(token)
        existing.created_at = utcnow()
        existing.last_used_at = None
    db.session.flush()
    return token


def revoke_feed_token(user: User) -> bool:
    existing = feed_token_of(user)
    if existing is None:
        return False
    db.session.delete(existing)
    db.session.flush()
    return True


def user_for_feed_token(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    row = db.session.scalar(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.token_hash == _hash_token(token))
        .options(joinedload(CalendarFeedToken.user))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def personal_feed_query(user: User, station_id: int | None = None) -> Select:
    """A user's feed: the meetings they facilitate and, for officers, those of their stations;
    or, with ``station_id``, that station's meetings within what the user may see."""
    stmt = select(Meeting).options(selectinload(Meeting.stations), joinedload(Meeting.organiser))
    scope = _scope_clause(user)
    if station_id is not None:
        stmt = stmt.where(
            Meeting.id.in_(
                select(meeting_stations.c.meeting_id).where(
                    meeting_stations.c.station_id == station_id
                )
            )
        )
        if scope is not None:
            stmt = stmt.where(scope)
    else:
        mine = Meeting.id.in_(
            select(meeting_facilitators.c.meeting_id).where(
                meeting_facilitators.c.user_id == user.id
            )
        )
        stmt = stmt.where(or_(mine, scope) if scope is not None else mine)
    # A year back is enough for a calendar program; cancelled ones stay so they are removed.
    since = utcnow() - timedelta(days=365)
    return stmt.where(Meeting.ends_at >= since).order_by(Meeting.starts_at).limit(2000)
