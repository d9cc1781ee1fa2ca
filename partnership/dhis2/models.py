"""The DHIS2 connection, its mapping, and each push to the server.

The connection is one row (``Dhis2Connection``): the server's address, how to sign in, the
period type and an optional data set. The secret (a password or a personal access token) is
kept encrypted (see ``partnership.dhis2.secrets``) and is masked in the audit log; pages show
its last characters only.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column, utcnow


class AuthKind(enum.StrEnum):
    BASIC = "basic"  # username and password (HTTP Basic)
    TOKEN = "token"  # noqa: S105 - a personal access token (Authorization: ApiToken ...)

    @property
    def label(self) -> str:
        return str(AUTH_LABELS[self])


AUTH_LABELS = {
    AuthKind.BASIC: _l("Username and password"),
    AuthKind.TOKEN: _l("Personal access token"),
}


class PeriodType(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def label(self) -> str:
        return str(PERIOD_LABELS[self])


PERIOD_LABELS = {PeriodType.MONTHLY: _l("Monthly"), PeriodType.QUARTERLY: _l("Quarterly")}


class Dhis2Connection(TimestampMixin, VersionedMixin, db.Model):
    """The DHIS2 server the programme reports to (one row)."""

    __tablename__ = "dhis2_connections"
    __audited__ = True
    __audit_masked__ = frozenset({"secret_encrypted"})

    id: Mapped[int] = mapped_column(primary_key=True)
    server_url: Mapped[str] = mapped_column(String(500), default="")
    auth_kind: Mapped[AuthKind] = mapped_column(enum_column(AuthKind, 10), default=AuthKind.TOKEN)
    username: Mapped[str] = mapped_column(String(200), default="")
    secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    # The end of the secret, shown so an administrator can tell which one is stored.
    secret_hint: Mapped[str] = mapped_column(String(8), default="")
    period_type: Mapped[PeriodType] = mapped_column(
        enum_column(PeriodType, 10), default=PeriodType.MONTHLY
    )
    data_set_uid: Mapped[str] = mapped_column(String(11), default="")

    def __str__(self) -> str:
        return self.server_url or "DHIS2"


class Dhis2OrgUnit(TimestampMixin, db.Model):
    """A station's organisation unit in DHIS2."""

    __tablename__ = "dhis2_org_units"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), unique=True
    )
    org_unit_uid: Mapped[str] = mapped_column(String(11))

    station: Mapped["Organisation"] = relationship()  # noqa: F821

    def __str__(self) -> str:
        return self.org_unit_uid


class Dhis2DataElement(TimestampMixin, db.Model):
    """An indicator's data element and category option combo in DHIS2; the indicator by its
    stable key (partnership.dashboard.services.INDICATOR_KEYS)."""

    __tablename__ = "dhis2_data_elements"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator: Mapped[str] = mapped_column(String(40), unique=True)
    data_element_uid: Mapped[str] = mapped_column(String(11))
    category_option_combo_uid: Mapped[str] = mapped_column(String(11), default="")

    def __str__(self) -> str:
        return self.indicator


class PushStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # the server answered with an import summary (which may hold conflicts)
    FAILED = "failed"  # no summary: the server could not be reached, refused the sign-in, ...

    @property
    def label(self) -> str:
        return str(PUSH_LABELS[self])


PUSH_LABELS = {
    PushStatus.QUEUED: _l("waiting to be sent"),
    PushStatus.RUNNING: _l("sending"),
    PushStatus.DONE: _l("answered by DHIS2"),
    PushStatus.FAILED: _l("not sent"),
}


class Dhis2Push(db.Model):
    """One sending of a period's data values, made by a person and sent by the queue consumer.

    ``payload`` is exactly what is sent (aggregates only: no person is in it); the server's
    import summary is kept as counts and conflicts, or ``error`` says why there is none.
    """

    __tablename__ = "dhis2_pushes"
    # Who asked for a push and when is in the audit log; the values themselves are in the row.
    __audited__ = True
    __audit_masked__ = frozenset({"payload", "conflicts"})

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    period: Mapped[str] = mapped_column(String(10))
    server_url: Mapped[str] = mapped_column(String(500), default="")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    values_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[PushStatus] = mapped_column(
        enum_column(PushStatus, 10), default=PushStatus.QUEUED
    )
    attempts: Mapped[int] = mapped_column(default=0)
    http_status: Mapped[int | None]
    import_status: Mapped[str] = mapped_column(String(20), default="")
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    ignored: Mapped[int] = mapped_column(default=0)
    deleted: Mapped[int] = mapped_column(default=0)
    conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Why there is no summary (a key the page words: unreachable, sign_in, redirect, ...), and
    # the server's or the network's own words.
    error: Mapped[str] = mapped_column(String(20), default="")
    error_detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def finished(self) -> bool:
        return self.status in (PushStatus.DONE, PushStatus.FAILED)
