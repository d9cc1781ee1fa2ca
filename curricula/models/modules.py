"""Curricula: training modules (versioned records), their materials and tests, adoption by
police training centres, trainings, participants' scores and certificates.

A module is stored once per version: ``Module(code="HR-101", version_number=2)`` is a new row,
so a training that delivered version 1 keeps pointing at exactly what was taught. A version that
a training has used is frozen; changes go into a new version.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow


class Audience(enum.StrEnum):
    SENIOR_COMMAND = "senior_command"
    OPERATIONAL = "operational"
    ACADEMY_FACULTY = "academy_faculty"
    MIXED = "mixed"

    @property
    def label(self) -> str:
        return str(AUDIENCE_LABELS[self])


AUDIENCE_LABELS = {
    Audience.SENIOR_COMMAND: _l("Senior command staff"),
    Audience.OPERATIONAL: _l("Operational officers"),
    Audience.ACADEMY_FACULTY: _l("Police academy faculty"),
    Audience.MIXED: _l("Mixed audience"),
}


class Module(TimestampMixin, VersionedMixin, db.Model):
    """One version of a training module. ``version`` is the optimistic-locking counter of the
    row; ``version_number`` is the curriculum version trainers cite ("HR-101 v2")."""

    __tablename__ = "modules"
    __audited__ = True
    __table_args__ = (UniqueConstraint("code", "version_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), index=True)
    version_number: Mapped[int] = mapped_column(default=1)
    title: Mapped[str] = mapped_column(String(200))
    audience: Mapped[Audience] = mapped_column(enum_column(Audience, 30))
    duration_hours: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False), default=1)
    objectives: Mapped[str] = mapped_column(Text, default="")
    outline: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(255), default="")
    # The default test of the module: a score out of a maximum and an optional pass mark.
    max_score: Mapped[int] = mapped_column(default=20)
    pass_mark: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    materials: Mapped[list[ModuleMaterial]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="ModuleMaterial.id"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", cascade="all, delete-orphan", order_by="Question.position"
    )

    @property
    def label(self) -> str:
        return f"{self.code} v{self.version_number} · {self.title}"

    @property
    def audit_label(self) -> str:
        return f"{self.code} v{self.version_number}"


class ModuleMaterial(db.Model):
    """An uploaded file of a module, kept under the instance folder (never in static/)."""

    __tablename__ = "module_materials"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    module: Mapped[Module] = relationship(back_populates="materials")

    @property
    def audit_label(self) -> str:
        return self.filename


class Question(TimestampMixin, db.Model):
    """A question of a module's test with its answer key (for question-by-question scoring)."""

    __tablename__ = "module_questions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("module_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    # Options one per line ("A. ..."); the key is the correct option's letter or the answer.
    options: Mapped[str] = mapped_column(Text, default="")
    answer_key: Mapped[str] = mapped_column(String(60))
    points: Mapped[int] = mapped_column(default=1)

    module: Mapped[Module] = relationship(back_populates="questions")

    @property
    def audit_label(self) -> str:
        return f"question {self.position} of module {self.module_id}"


class AdoptionStatus(enum.StrEnum):
    PROPOSED = "proposed"
    PILOTED = "piloted"
    ADOPTED = "adopted"
    INSTITUTIONALISED = "institutionalised"

    @property
    def label(self) -> str:
        return str(ADOPTION_STATUS_LABELS[self])

    @property
    def rank(self) -> int:
        return ADOPTION_ORDER.index(self)


ADOPTION_STATUS_LABELS = {
    AdoptionStatus.PROPOSED: _l("Proposed"),
    AdoptionStatus.PILOTED: _l("Piloted"),
    AdoptionStatus.ADOPTED: _l("Adopted"),
    AdoptionStatus.INSTITUTIONALISED: _l("Institutionalised"),
}
ADOPTION_ORDER = list(AdoptionStatus)


class Adoption(TimestampMixin, VersionedMixin, db.Model):
    """A training centre's or academy's uptake of a module (all its versions, by code)."""

    __tablename__ = "module_adoptions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("centre_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(30), index=True)
    status: Mapped[AdoptionStatus] = mapped_column(
        enum_column(AdoptionStatus, 20), default=AdoptionStatus.PROPOSED
    )
    proposed_on: Mapped[date | None]
    piloted_on: Mapped[date | None]
    adopted_on: Mapped[date | None]
    institutionalised_on: Mapped[date | None]
    # What shows the step happened: a curriculum decree, a pilot report, a timetable.
    evidence: Mapped[str] = mapped_column(Text, default="")

    centre: Mapped[Organisation] = relationship()  # noqa: F821

    def date_of(self, status: AdoptionStatus) -> date | None:
        return getattr(self, f"{status.value}_on")

    @property
    def audit_label(self) -> str:
        return f"{self.module_code} at centre {self.centre_id}"
