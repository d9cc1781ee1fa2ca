"""Concerns raised from the field, the action points agreed to answer them, and follow-ups.

A concern has a summary that officers of its station may read and restricted details (names,
specifics) that only admins and coordinators see; the details are masked in the audit log.
An action point has an owner on each side (either may be empty): the police owner is an
officer's *account* (so they can acknowledge and update it, and get reminders), the NGO owner
an NGO account.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow


class LabelledEnum(enum.StrEnum):
    @property
    def label(self) -> str:
        return str(LABELS[self])


class ConcernCategory(LabelledEnum):
    HARASSMENT_OF_OUTREACH = "harassment_outreach"
    CLIENTS_NEAR_SERVICES = "clients_near_services"
    CONFISCATION = "confiscation"
    RAIDS = "raids"
    EXTORTION = "extortion"
    REFERRAL_PATHWAY = "referral_pathway"
    TRAINING_NEED = "training_need"
    OTHER = "other"


class ConsentScope(LabelledEnum):
    INDIVIDUAL_HELP = "individual_help"
    ANONYMOUS_ADVOCACY = "anonymous_advocacy"


class ConcernStatus(LabelledEnum):
    OPEN = "open"
    ON_AGENDA = "on_agenda"
    BEING_ADDRESSED = "being_addressed"
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed_unresolved"

    @property
    def is_open(self) -> bool:
        return self in OPEN_CONCERN_STATUSES


class Side(LabelledEnum):
    POLICE = "police"
    NGO = "ngo"


class Priority(LabelledEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class ActionStatus(LabelledEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED = "verified"
    REOPENED = "reopened"
    DROPPED = "dropped"

    @property
    def is_open(self) -> bool:
        return self in OPEN_ACTION_STATUSES


OPEN_CONCERN_STATUSES = frozenset(
    {ConcernStatus.OPEN, ConcernStatus.ON_AGENDA, ConcernStatus.BEING_ADDRESSED}
)
# Still waiting for someone to act: these can be overdue.
OPEN_ACTION_STATUSES = frozenset(
    {ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.REOPENED}
)

LABELS = {
    ConcernCategory.HARASSMENT_OF_OUTREACH: _l("Harassment of outreach workers"),
    ConcernCategory.CLIENTS_NEAR_SERVICES: _l("Harassment or arrest of clients near services"),
    ConcernCategory.CONFISCATION: _l("Confiscation of syringes or other commodities"),
    ConcernCategory.RAIDS: _l("Raids at hotspots"),
    ConcernCategory.EXTORTION: _l("Extortion"),
    ConcernCategory.REFERRAL_PATHWAY: _l("Referral pathway not working"),
    ConcernCategory.TRAINING_NEED: _l("Training need"),
    ConcernCategory.OTHER: _l("Other"),
    ConsentScope.INDIVIDUAL_HELP: _l("Individual help only"),
    ConsentScope.ANONYMOUS_ADVOCACY: _l("Anonymous use in advocacy"),
    ConcernStatus.OPEN: _l("Open"),
    ConcernStatus.ON_AGENDA: _l("On an agenda"),
    ConcernStatus.BEING_ADDRESSED: _l("Being addressed"),
    ConcernStatus.RESOLVED: _l("Resolved"),
    ConcernStatus.CLOSED_UNRESOLVED: _l("Closed unresolved"),
    Side.POLICE: _l("Police"),
    Side.NGO: _l("NGO"),
    Priority.LOW: _l("Low"),
    Priority.NORMAL: _l("Normal"),
    Priority.HIGH: _l("High"),
    ActionStatus.OPEN: _l("Open"),
    ActionStatus.IN_PROGRESS: _l("In progress"),
    ActionStatus.DONE: _l("Done"),
    ActionStatus.VERIFIED: _l("Verified"),
    ActionStatus.REOPENED: _l("Reopened"),
    ActionStatus.DROPPED: _l("Dropped"),
}


action_point_concerns = Table(
    "action_point_concerns",
    db.metadata,
    Column("action_point_id", ForeignKey("action_points.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "concern_id", ForeignKey("concerns.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class Concern(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "concerns"
    __audited__ = True
    __audit_masked__ = {"restricted_details"}
    __table_args__ = (
        Index("ix_concerns_station_status", "station_id", "status"),
        Index("ix_concerns_month_category", "occurred_month", "category"),
        # The concerns list's ORDER BY occurred_on DESC, id DESC.
        Index("ix_concerns_occurred_on_id", "occurred_on", "id"),
        # The same order within a status (the status filter).
        Index("ix_concerns_status_occurred_on_id", "status", "occurred_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ConcernCategory] = mapped_column(enum_column(ConcernCategory, 30))
    station_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    occurred_on: Mapped[date]
    # "YYYY-MM" of occurred_on, kept by the service: a portable GROUP BY month.
    occurred_month: Mapped[str] = mapped_column(String(7))
    # A hotspot or service name: never coordinates or addresses of people.
    place: Mapped[str] = mapped_column(String(160), default="")
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    people_affected: Mapped[int | None]
    summary: Mapped[str] = mapped_column(Text)
    # Admins and coordinators only: absent from every other role's pages, exports and search.
    restricted_details: Mapped[str] = mapped_column(Text, default="")
    consent_scope: Mapped[ConsentScope] = mapped_column(
        enum_column(ConsentScope, 30), default=ConsentScope.INDIVIDUAL_HELP
    )
    status: Mapped[ConcernStatus] = mapped_column(
        enum_column(ConcernStatus, 30), default=ConcernStatus.OPEN
    )
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    # What came of it, written when it is resolved (pre-filled from its verified action points).
    outcome: Mapped[str] = mapped_column(Text, default="", server_default="")
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    station: Mapped[Organisation] = relationship(foreign_keys=[station_id])  # noqa: F821
    raised_by: Mapped[Organisation | None] = relationship(foreign_keys=[raised_by_id])  # noqa: F821
    sealed_by: Mapped[User | None] = relationship(foreign_keys=[sealed_by_id])  # noqa: F821
    notes: Mapped[list[ConcernNote]] = relationship(
        back_populates="concern", cascade="all, delete-orphan", order_by="ConcernNote.at"
    )
    action_points: Mapped[list[ActionPoint]] = relationship(
        secondary=action_point_concerns, back_populates="concerns", order_by="ActionPoint.id"
    )

    @property
    def sealed(self) -> bool:
        return self.sealed_at is not None

    @property
    def audit_label(self) -> str:
        return f"concern {self.id}"

    @property
    def label(self) -> str:
        return f"#{self.id} {self.category.label}"


class ConcernNote(db.Model):
    """An annotation: the only way to add to a sealed concern. Restricted notes are for admins
    and coordinators only, like the concern's restricted details."""

    __tablename__ = "concern_notes"
    __audited__ = True
    __audit_masked__ = {"text"}

    id: Mapped[int] = mapped_column(primary_key=True)
    concern_id: Mapped[int] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    restricted: Mapped[bool] = mapped_column(default=True)

    concern: Mapped[Concern] = relationship(back_populates="notes")
    user: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def audit_label(self) -> str:
        return f"note on concern {self.concern_id}"


class ActionPoint(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "action_points"
    __audited__ = True
    __table_args__ = (
        Index("ix_action_points_station_status", "station_id", "status"),
        Index("ix_action_points_status_due", "status", "due_on"),
        # The action points list's ORDER BY due_on, id.
        Index("ix_action_points_due_on_id", "due_on", "id"),
        # The same order within a station (the station filter, an officer's stations).
        Index("ix_action_points_station_due_on_id", "station_id", "due_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    details: Mapped[str] = mapped_column(Text, default="")
    station_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    # The meeting where it was agreed (empty when it arose from a concern between meetings).
    origin_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    police_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    ngo_owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date]
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, 10), default=Priority.NORMAL)
    status: Mapped[ActionStatus] = mapped_column(
        enum_column(ActionStatus, 20), default=ActionStatus.OPEN
    )
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    action_taken: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[date | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    done_side: Mapped[Side | None] = mapped_column(enum_column(Side, 10))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_adequate: Mapped[bool | None]
    verification_note: Mapped[str] = mapped_column(Text, default="")
    # Whole days from agreement to verification, set on verification: medians stay plain SQL.
    days_to_verification: Mapped[int | None]
    dropped_reason: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    station: Mapped[Organisation] = relationship()  # noqa: F821
    # By name, like every relationship across packages: this package imports nothing of meetings.
    origin_meeting: Mapped[Meeting | None] = relationship(viewonly=True)  # noqa: F821
    police_owner: Mapped[User | None] = relationship(foreign_keys=[police_owner_id])  # noqa: F821
    ngo_owner: Mapped[User | None] = relationship(foreign_keys=[ngo_owner_id])  # noqa: F821
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])  # noqa: F821
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])  # noqa: F821
    acknowledged_by: Mapped[User | None] = relationship(foreign_keys=[acknowledged_by_id])  # noqa: F821
    concerns: Mapped[list[Concern]] = relationship(
        secondary=action_point_concerns, back_populates="action_points", order_by="Concern.id"
    )
    follow_ups: Mapped[list[FollowUp]] = relationship(
        back_populates="action_point", cascade="all, delete-orphan", order_by="FollowUp.at"
    )

    @property
    def audit_label(self) -> str:
        return f"action point {self.id}: {self.title[:60]}"

    @property
    def awaits_verification(self) -> bool:
        """Marked done by one side, for the other side to verify."""
        return self.status is ActionStatus.DONE

    def overdue_days(self, today: date) -> int:
        """Days past the due date while still open (0 when not overdue)."""
        if not self.status.is_open or self.due_on >= today:
            return 0
        return (today - self.due_on).days


class ActionPointCount(db.Model):
    """Action points per station, owner side and status, with how many of them were done by
    the due date and, on the verified row, the median days to verification: what the loop's
    measures read instead of every action point (one row per station, side and status, a few
    per station). Kept in step in the transaction of every write of a point
    (``partnership.actions.summary``); derived data, so no foreign keys. A point with owners
    on both sides counts once for each side, one with no owner for neither, as in the
    measures."""

    __tablename__ = "action_point_counts"

    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    side: Mapped[Side] = mapped_column(enum_column(Side, 10), primary_key=True)
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, 20), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)
    # Of ``points``, those done or verified on or before their due date.
    on_time: Mapped[int] = mapped_column(default=0)
    # On the verified row only: the median of ``ActionPointDays`` for the station and side
    # (the middle point, or the mean of the middle two), None when no verified point has days.
    median_days: Mapped[float | None]


class ActionPointDays(db.Model):
    """Verified action points per station, owner side and days to verification: the histogram
    the median days to verification of ``ActionPointCount`` is kept from, in the same
    transaction. Derived data, so no foreign keys."""

    __tablename__ = "action_point_days"

    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    side: Mapped[Side] = mapped_column(enum_column(Side, 10), primary_key=True)
    days: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    points: Mapped[int] = mapped_column(default=0)


class FollowUp(db.Model):
    """A dated note on an action point, optionally recording a status change or that the point
    was reviewed at a meeting."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        # The status changes of a station's points since a date (the station brief): only the
        # follow-ups that changed a status, by point and time.
        Index(
            "ix_follow_ups_status_changes",
            "action_point_id",
            "at",
            postgresql_where=text("to_status IS NOT NULL"),
            sqlite_where=text("to_status IS NOT NULL"),
        ),
    )
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    action_point_id: Mapped[int] = mapped_column(
        ForeignKey("action_points.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    on_date: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    from_status: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus, 20))
    to_status: Mapped[ActionStatus | None] = mapped_column(enum_column(ActionStatus, 20))
    # Set when the point was reviewed at a meeting.
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )

    action_point: Mapped[ActionPoint] = relationship(back_populates="follow_ups")
    user: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def audit_label(self) -> str:
        return f"follow-up on action point {self.action_point_id}"
