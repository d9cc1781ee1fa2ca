from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow
from partnership.roles import Role


class User(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "users"
    __audited__ = True
    __audit_masked__ = {"password_hash", "ical_token"}

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Nairobi")
    # Interface language (en, ru, sw); empty: the sign-in page's choice or the browser's.
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Notifications not read yet, kept here so the header shows the count without a query of
    # its own (the notifications package keeps it in step); kinds the user gets no email for
    # (comma-separated; in the app they always appear).
    unread_notifications: Mapped[int] = mapped_column(default=0, server_default="0")
    email_muted_kinds: Mapped[str] = mapped_column(String(200), default="", server_default="")

    organisation: Mapped["Organisation"] = relationship()  # noqa: F821

    # Flask-Login interface; the session row, not this id, decides whether a cookie is valid.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    @property
    def audit_label(self) -> str:
        return self.email

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """A signed-in browser. The cookie holds only this row's random token, so ending the row
    ends the session even when someone kept a copy of the cookie."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Failed sign-ins, kept in the database so every server process sees the same count."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_ip_at", "ip", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PasswordResetToken(db.Model):
    """A password-reset link sent by email. Only the token's hash is stored, so the table
    cannot be used to reset anyone's password; a token works once and until ``expires_at``."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class ApiToken(db.Model):
    """A personal API token: a script reads the API as this user, with the same access and
    scope. Only a hash is kept; the token is shown once when created."""

    __tablename__ = "api_tokens"
    __audited__ = True
    __audit_masked__ = {"token_hash"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def audit_label(self) -> str:
        return f"API token {self.name} of user {self.user_id}"

    @property
    def usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > utcnow()
