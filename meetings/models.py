"""Meetings with police stations: the meeting, its series, register, agenda, minutes and
decisions, the history of its status, and personal calendar feed tokens.

Times are stored in UTC (``UTCDateTime``) together with the meeting's named time zone, so a
meeting is shown at the local time its participants know. Trainings (the curricula domain) are
meetings of kind ``training``; they add their own tables referencing ``meetings.id``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow


class MeetingKind(enum.StrEnum):
    SENSITISATION = "sensitisation"
    STATION_VISIT = "station_visit"
    JOINT_WORKSHOP = "joint_workshop"
    TRAINING = "training"
    WEBINAR = "webinar"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return str(MEETING_KIND_LABELS[self])


MEETING_KIND_LABELS = {
    MeetingKind.SENSITISATION: _l("Station sensitisation meeting"),
    MeetingKind.STATION_VISIT: _l("Station visit"),
    MeetingKind.JOINT_WORKSHOP: _l("Joint police–NGO workshop"),
    MeetingKind.TRAINING: _l("Training"),
    MeetingKind.WEBINAR: _l("Webinar"),
    MeetingKind.REVIEW: _l("Review meeting"),
}


class MeetingStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    HELD = "held"
    MINUTES_RECORDED = "minutes_recorded"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return str(MEETING_STATUS_LABELS[self])

    @property
    def is_open(self) -> bool:
        """Still planned: it can be confirmed, moved or cancelled."""
        return self in OPEN_STATUSES

    @property
    def happened(self) -> bool:
        return self in HAPPENED_STATUSES


MEETING_STATUS_LABELS = {
    MeetingStatus.PROPOSED: _l("Proposed"),
    MeetingStatus.CONFIRMED: _l("Confirmed"),
    MeetingStatus.HELD: _l("Held"),
    MeetingStatus.MINUTES_RECORDED: _l("Minutes recorded"),
    MeetingStatus.POSTPONED: _l("Postponed"),
    MeetingStatus.CANCELLED: _l("Cancelled"),
}
OPEN_STATUSES = frozenset(
    {MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED, MeetingStatus.POSTPONED}
)
HAPPENED_STATUSES = frozenset({MeetingStatus.HELD, MeetingStatus.MINUTES_RECORDED})


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_STATUS_LABELS[self])

    @property
    def attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


ATTENDANCE_STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    AttendanceStatus.ABSENT: _l("Absent"),
}


meeting_stations = Table(
    "meeting_stations",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)

meeting_facilitators = Table(
    "meeting_facilitators",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class MeetingSeries(TimestampMixin, db.Model):
    """Meetings created together from one recurrence rule (RFC 5545 RRULE text)."""

    __tablename__ = "meeting_series"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meetings: Mapped[list[Meeting]] = relationship(
        back_populates="series", order_by="Meeting.starts_at"
    )

    @property
    def audit_label(self) -> str:
        return f"series {self.id}: {self.rule}"


class Meeting(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "meetings"
    __audited__ = True
    __audit_masked__ = {"security_notes"}
    __table_args__ = (
        Index("ix_meetings_status_starts_at", "status", "starts_at"),
        # Trainings and the kind filter in date order; the coming meetings (by their end).
        Index("ix_meetings_kind_starts_at", "kind", "starts_at"),
        Index("ix_meetings_ends_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The iCalendar UID: fixed at creation so calendar programs follow edits and cancellations.
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, 30))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus, 20), default=MeetingStatus.PROPOSED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    venue: Mapped[str] = mapped_column(String(255), default="")
    organiser_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    objectives: Mapped[str] = mapped_column(Text, default="")
    expected_participants: Mapped[int | None]
    # Seen by NGO roles only: never in officers' or viewers' pages, exports or feeds.
    security_notes: Mapped[str] = mapped_column(Text, default="")
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    # The reason given for the latest postponement or the cancellation.
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    # Bumped on every change a calendar subscriber should notice (RFC 5545 SEQUENCE).
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    stations: Mapped[list[Organisation]] = relationship(  # noqa: F821
        secondary=meeting_stations, order_by="Organisation.name"
    )
    facilitators: Mapped[list[User]] = relationship(  # noqa: F821
        secondary=meeting_facilitators, order_by="User.name"
    )
    organiser: Mapped[Organisation | None] = relationship(foreign_keys=[organiser_id])  # noqa: F821
    series: Mapped[MeetingSeries | None] = relationship(back_populates="meetings")
    attendees: Mapped[list[Attendee]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Attendee.id"
    )
    agenda_items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )
    decisions: Mapped[list[Decision]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="Decision.id"
    )
    minutes_revisions: Mapped[list[MinutesRevision]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MinutesRevision.number.desc()",
    )
    status_changes: Mapped[list[MeetingStatusChange]] = relationship(
        back_populates="meeting",
        cascade="all, delete-orphan",
        order_by="MeetingStatusChange.id",
    )

    @property
    def audit_label(self) -> str:
        return self.title

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def days(self) -> list[date]:
        """The local calendar days the meeting spans (one register column each)."""
        first, last = self.local_start.date(), self.local_end.date()
        if self.local_end.time() == datetime.min.time() and last > first:
            last -= timedelta(days=1)
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]

    @property
    def is_multi_day(self) -> bool:
        return len(self.days) > 1

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title} {self.status}>"


class MeetingStatusChange(db.Model):
    """One step of a meeting's life: who moved it from which status to which, when and why;
    a postponement keeps the dates it was moved from."""

    __tablename__ = "meeting_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_status: Mapped[MeetingStatus | None] = mapped_column(enum_column(MeetingStatus, 20))
    to_status: Mapped[MeetingStatus] = mapped_column(enum_column(MeetingStatus, 20))
    reason: Mapped[str] = mapped_column(String(500), default="")
    previous_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    previous_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="status_changes")
    user: Mapped[User | None] = relationship()  # noqa: F821


class Attendee(TimestampMixin, db.Model):
    """A person on a meeting's register, with what they were at the time: an officer's rank,
    unit and station are copied so later transfers do not rewrite history."""

    __tablename__ = "meeting_attendees"
    __audited__ = True
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    rank: Mapped[str] = mapped_column(String(80), default="")
    unit: Mapped[str] = mapped_column(String(120), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="attendees")
    person: Mapped[Person] = relationship()  # noqa: F821
    station: Mapped[Organisation | None] = relationship()  # noqa: F821
    marks: Mapped[list[AttendanceMark]] = relationship(
        back_populates="attendee", cascade="all, delete-orphan", order_by="AttendanceMark.day"
    )

    @property
    def audit_label(self) -> str:
        return f"register of meeting {self.meeting_id}, person {self.person_id}"

    def status_on(self, day: date) -> AttendanceStatus | None:
        return next((m.status for m in self.marks if m.day == day), None)


class AttendanceMark(db.Model):
    """An attendee's status on one day of the meeting."""

    __tablename__ = "attendance_marks"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("attendee_id", "day"),
        # Completed trainings count an attendee's days present or late from the index alone.
        Index("ix_attendance_marks_attendee_status", "attendee_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attendee_id: Mapped[int] = mapped_column(ForeignKey("meeting_attendees.id", ondelete="CASCADE"))
    day: Mapped[date]
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, 20))

    attendee: Mapped[Attendee] = relationship(back_populates="marks")

    @property
    def audit_label(self) -> str:
        return f"attendance {self.attendee_id} on {self.day}"


# The station of an officer attending for none, in ``OfficerReach`` (a key column, never NULL).
NO_STATION = 0


class OfficerReach(db.Model):
    """Officers' attendance marks (present or late) at meetings held, per day the meeting
    started (in UTC), station the officer attended for, officer and whether the meeting was a
    training: what "officers reached" is counted from instead of every register and mark. One
    row says the officer was reached that day for that station, so a distinct count of officers
    over any days is exact. Kept in step in the transaction of every write
    (``meetings.reach``); derived data, so no foreign keys."""

    __tablename__ = "officer_reach"
    __table_args__ = (
        # A place's officers over a period (or all time: the station page), from the index alone.
        Index("ix_officer_reach_station_day", "station_id", "day", "person_id", "training"),
    )

    # The primary key's order serves the whole programme's periods from the index alone.
    day: Mapped[date] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    training: Mapped[bool] = mapped_column(primary_key=True)
    marks: Mapped[int] = mapped_column(default=0)


class AgendaItem(TimestampMixin, db.Model):
    __tablename__ = "agenda_items"
    __audited__ = True
    __table_args__ = (Index("ix_agenda_items_meeting_position", "meeting_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(255))
    notes: Mapped[str] = mapped_column(Text, default="")

    meeting: Mapped[Meeting] = relationship(back_populates="agenda_items")

    @property
    def audit_label(self) -> str:
        return self.title


class MinutesRevision(db.Model):
    """Every saved version of a meeting's minutes; the newest is the current text."""

    __tablename__ = "minutes_revisions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    number: Mapped[int]
    body: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="minutes_revisions")
    user: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def audit_label(self) -> str:
        return f"minutes of meeting {self.meeting_id}, revision {self.number}"


class Decision(TimestampMixin, db.Model):
    __tablename__ = "meeting_decisions"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship(back_populates="decisions")

    @property
    def audit_label(self) -> str:
        return self.text[:80]


class CalendarFeedToken(db.Model):
    """The secret of a user's personal calendar feed. Only a hash is kept: the address is shown
    once when created; making a new one or revoking ends the old address."""

    __tablename__ = "calendar_feed_tokens"
    __audited__ = True
    __audit_masked__ = {"token_hash"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()  # noqa: F821

    @property
    def audit_label(self) -> str:
        return f"calendar feed of user {self.user_id}"
