"""A notification: one event of the loop, for one person, read or not, emailed or not."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import UTCDateTime, enum_column, utcnow


class NotificationKind(enum.StrEnum):
    ASSIGNED = "assigned"
    ACKNOWLEDGED = "acknowledged"
    TO_VERIFY = "to_verify"
    VERIFIED = "verified"
    REOPENED = "reopened"
    CONCERN_RESOLVED = "concern_resolved"
    # In the app only: the daily reminder digest emails what is due and overdue.
    OVERDUE = "overdue"
    ESCALATED = "escalated"

    @property
    def emailed(self) -> bool:
        return self in KIND_LABELS


# The kinds that are also emailed, as the settings page offers them (each may be turned off).
KIND_LABELS = {
    NotificationKind.ASSIGNED: _l("An action point is assigned to me"),
    NotificationKind.ACKNOWLEDGED: _l("An officer acknowledges an action point of mine"),
    NotificationKind.TO_VERIFY: _l("An action point of mine is marked done for me to verify"),
    NotificationKind.VERIFIED: _l("An action point of mine is verified"),
    NotificationKind.REOPENED: _l("An action point of mine is reopened"),
    NotificationKind.CONCERN_RESOLVED: _l("A concern I logged is resolved"),
}


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The list page: a user's notifications, newest first.
        Index("ix_notifications_user_id_id", "user_id", "id"),
        # The sweep for emails whose job was lost.
        Index("ix_notifications_email_pending", "email_pending", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, 30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who did it (empty for the system or a deleted account).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_points.id", ondelete="CASCADE"), index=True
    )
    concern_id: Mapped[int | None] = mapped_column(
        ForeignKey("concerns.id", ondelete="CASCADE"), index=True
    )
    # An email is owed: set when the notification is made for someone who wants this kind by
    # email, cleared once it is sent or no longer wanted. A consumer claims it first
    # (``email_claimed_at``), so a job queued twice sends once, and a claim older than the
    # lease (its consumer died) is taken over by the sweep.
    email_pending: Mapped[bool] = mapped_column(default=False)
    email_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(default=0)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # By name, like every relationship across packages.
    user: Mapped[User] = relationship(foreign_keys=[user_id])  # noqa: F821
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])  # noqa: F821
    action_point: Mapped[ActionPoint | None] = relationship()  # noqa: F821
    concern: Mapped[Concern | None] = relationship()  # noqa: F821

    @property
    def unread(self) -> bool:
        return self.read_at is None
