"""Trainings: a training is a meeting of kind training (``meetings.Meeting``); this adds the
module versions it delivers, its test (maximum and pass mark), participants' pre/post scores
and answers, and certificates. Who took part and on which days comes from the meeting's
register (``meetings.Attendee`` and ``AttendanceMark``); the station an attendee came from is
the one the register recorded, so later transfers do not rewrite history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, utcnow

if TYPE_CHECKING:
    from curricula.models.modules import Module


training_modules = Table(
    "training_modules",
    db.metadata,
    Column("training_id", ForeignKey("trainings.id", ondelete="CASCADE"), primary_key=True),
    Column("module_id", ForeignKey("modules.id"), primary_key=True, index=True),
)


class Training(TimestampMixin, VersionedMixin, db.Model):
    """The curricula side of a training meeting. The test's maximum and pass mark are copied
    when the training is set up, so a later module version does not change how it is scored."""

    __tablename__ = "trainings"
    __audited__ = True
    __table_args__ = (Index("ix_trainings_starts_on", "starts_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), unique=True
    )
    # Copies of the meeting's first local day and number of days, kept in step with the meeting
    # (see ``_keep_trainings_in_step``) so that reports can group and count in SQL.
    starts_on: Mapped[date]
    day_count: Mapped[int] = mapped_column(default=1)
    max_score: Mapped[int] = mapped_column(default=20)
    pass_mark: Mapped[int | None]
    # The module whose question bank scores this training question by question, if any.
    question_module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    meeting: Mapped[Meeting] = relationship()  # noqa: F821
    modules: Mapped[list[Module]] = relationship(secondary=training_modules, order_by="Module.code")
    question_module: Mapped[Module | None] = relationship(foreign_keys=[question_module_id])
    participants: Mapped[list[Participant]] = relationship(
        back_populates="training", cascade="all, delete-orphan", order_by="Participant.id"
    )
    certificates: Mapped[list[Certificate]] = relationship(
        back_populates="training", cascade="all, delete-orphan"
    )

    @property
    def title(self) -> str:
        return self.meeting.title

    @property
    def days(self) -> list[date]:
        return self.meeting.days

    @property
    def ends_on(self) -> date:
        return self.meeting.days[-1]

    @property
    def stations(self) -> list:
        return self.meeting.stations

    @property
    def venue(self) -> str:
        return self.meeting.venue

    def keep_in_step(self) -> None:
        days = self.meeting.days
        if self.starts_on != days[0]:
            self.starts_on = days[0]
        if self.day_count != len(days):
            self.day_count = len(days)

    @property
    def audit_label(self) -> str:
        return f"training of meeting {self.meeting_id}"


class Participant(TimestampMixin, db.Model):
    """A person on the training meeting's register, with their pre/post scores (``None``: not
    taken). Rows exist for those whose scores or answers were recorded."""

    __tablename__ = "training_participants"
    __audited__ = True
    __table_args__ = (UniqueConstraint("training_id", "attendee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("trainings.id", ondelete="CASCADE"))
    attendee_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_attendees.id", ondelete="CASCADE"), unique=True
    )
    pre_score: Mapped[float | None] = mapped_column(Numeric(7, 2, asdecimal=False))
    post_score: Mapped[float | None] = mapped_column(Numeric(7, 2, asdecimal=False))

    training: Mapped[Training] = relationship(back_populates="participants")
    attendee: Mapped[Attendee] = relationship()  # noqa: F821

    @property
    def person(self):  # noqa: ANN201
        return self.attendee.person

    @property
    def person_id(self) -> int:
        return self.attendee.person_id

    @property
    def station(self):  # noqa: ANN201
        return self.attendee.station

    @property
    def station_id(self) -> int | None:
        return self.attendee.station_id

    def status_on(self, day: date):  # noqa: ANN201
        return self.attendee.status_on(day)

    @property
    def audit_label(self) -> str:
        return f"scores of attendee {self.attendee_id} in training {self.training_id}"


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
