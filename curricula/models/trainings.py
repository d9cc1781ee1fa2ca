"""Trainings: the module versions a training delivers, its participants (with the station they
came from, their attendance per day and their pre/post scores), answers and certificates.

A training is meant to be a meeting of kind training. Until the meetings domain is part of the
application, a training carries the few meeting facts it needs itself (title, days, stations,
venue) and ``meeting_id`` is an unconstrained column to be linked to ``meetings.id``; every
read of days and attendance goes through ``curricula.services.trainings`` so that switching to
the meeting's own register changes one module.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow

if TYPE_CHECKING:
    from curricula.models.modules import Module


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return str(ATTENDANCE_LABELS[self])

    @property
    def attended(self) -> bool:
        return self in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)


ATTENDANCE_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.EXCUSED: _l("Excused"),
    AttendanceStatus.ABSENT: _l("Absent"),
}


training_modules = Table(
    "training_modules",
    db.metadata,
    Column("training_id", ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True),
    Column("module_id", ForeignKey("modules.id"), primary_key=True, index=True),
)

training_stations = Table(
    "training_stations",
    db.metadata,
    Column("training_id", ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("organisations.id"), primary_key=True, index=True),
)


class Training(TimestampMixin, VersionedMixin, db.Model):
    """A training: the module versions delivered and its test (maximum and pass mark copied
    when the training is set up, so a later module version does not change how it is scored)."""

    __tablename__ = "trainings"
    __audited__ = True
    __table_args__ = (Index("ix_trainings_starts_on", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The meeting (kind training) this training belongs to, once meetings are linked.
    meeting_id: Mapped[int | None] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Number of days (ends_on − starts_on + 1), kept for completion queries in SQL.
    day_count: Mapped[int] = mapped_column(default=1)
    venue: Mapped[str] = mapped_column(String(255), default="")
    max_score: Mapped[int] = mapped_column(default=20)
    pass_mark: Mapped[int | None]
    # The module whose question bank scores this training question by question, if any.
    question_module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    modules: Mapped[list[Module]] = relationship(secondary=training_modules, order_by="Module.code")
    stations: Mapped[list[Organisation]] = relationship(  # noqa: F821
        secondary=training_stations, order_by="Organisation.name"
    )
    question_module: Mapped[Module | None] = relationship(foreign_keys=[question_module_id])
    participants: Mapped[list[Participant]] = relationship(
        back_populates="training", cascade="all, delete-orphan", order_by="Participant.id"
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="training", cascade="all, delete-orphan"
    )

    @property
    def days(self) -> list[date]:
        return [
            self.starts_on + timedelta(days=n)
            for n in range((self.ends_on - self.starts_on).days + 1)
        ]

    @property
    def audit_label(self) -> str:
        return self.title


class Participant(TimestampMixin, db.Model):
    """A person on a training's register with the station they came from (kept as it was, so
    later transfers do not rewrite history) and their pre/post scores (``None``: not taken)."""

    __tablename__ = "training_participants"
    __audited__ = True
    __table_args__ = (UniqueConstraint("training_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    station_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    pre_score: Mapped[float | None] = mapped_column(Numeric(7, 2, asdecimal=False))
    post_score: Mapped[float | None] = mapped_column(Numeric(7, 2, asdecimal=False))

    training: Mapped[Training] = relationship(back_populates="participants")
    person: Mapped[Person] = relationship()  # noqa: F821
    station: Mapped[Organisation | None] = relationship()  # noqa: F821
    days: Mapped[list[AttendanceDay]] = relationship(
        back_populates="participant", cascade="all, delete-orphan", order_by="AttendanceDay.day"
    )

    def status_on(self, day: date) -> AttendanceStatus | None:
        return next((d.status for d in self.days if d.day == day), None)

    @property
    def audit_label(self) -> str:
        return f"participant {self.person_id} of training {self.training_id}"


class AttendanceDay(db.Model):
    """A participant's attendance on one day of the training."""

    __tablename__ = "training_attendance"
    __audited__ = True
    __table_args__ = (UniqueConstraint("participant_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("training_participants.id", ondelete="CASCADE")
    )
    day: Mapped[date]
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus, 20))

    participant: Mapped[Participant] = relationship(back_populates="days")

    @property
    def audit_label(self) -> str:
        return f"attendance of participant {self.participant_id} on {self.day}"


class Answer(db.Model):
    """A participant's answer to one question, before (pre) or after (post) the training."""

    __tablename__ = "training_answers"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("participant_id", "question_id", "phase"),
        Index("ix_training_answers_question_phase", "question_id", "phase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("training_participants.id", ondelete="CASCADE")
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("module_questions.id", ondelete="CASCADE"))
    phase: Mapped[str] = mapped_column(String(4))  # "pre" or "post"
    answer: Mapped[str] = mapped_column(String(60), default="")
    correct: Mapped[bool] = mapped_column(default=False)

    @property
    def audit_label(self) -> str:
        return f"{self.phase} answer of participant {self.participant_id}"


class Certificate(TimestampMixin, db.Model):
    """A certificate of completion; the code printed on it opens the public verification page."""

    __tablename__ = "certificates"
    __audited__ = True
    __table_args__ = (UniqueConstraint("training_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revoked_reason: Mapped[str] = mapped_column(String(255), default="")

    training: Mapped[Training] = relationship(back_populates="certificates")
    person: Mapped[Person] = relationship()  # noqa: F821

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None

    @property
    def audit_label(self) -> str:
        return f"certificate {self.code}"
