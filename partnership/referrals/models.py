"""Referral schemes, service points, slips and redemptions.

The police side (slips) never holds client identity. The service side (redemptions) holds only a
pseudonymous client code, which is visible to NGO editors alone and masked in the audit log.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, collate
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnership.extensions import db
from partnership.mixins import TimestampMixin, UTCDateTime, VersionedMixin, enum_column

if TYPE_CHECKING:
    from partnership.accounts.models import User
    from partnership.organisations.models import Organisation, Person


class _Labelled(enum.StrEnum):
    @property
    def label(self) -> str:
        return str(LABELS[self])


class SchemeStatus(_Labelled):
    PLANNED = "planned"
    PILOT = "pilot"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ENDED = "ended"


class ServiceType(_Labelled):
    NSP = "nsp"
    OST = "ost"
    HIV_TESTING = "hiv_testing"
    ART = "art"
    HEPATITIS_TB_TESTING = "hepatitis_tb_testing"
    NALOXONE = "naloxone"
    LEGAL_AID = "legal_aid"
    SHELTER = "shelter"
    DRUG_TREATMENT = "drug_treatment"
    OTHER = "other"


class Route(_Labelled):
    ARREST_DIVERSION = "arrest_diversion"
    SOCIAL_CONTACT = "social_contact"
    COMMUNITY_REQUEST = "community_request"
    CUSTODY = "custody"
    OTHER = "other"


class Outcome(_Labelled):
    REACHED = "reached"
    REFERRED_ON = "referred_on"
    DECLINED = "declined"
    NOT_ELIGIBLE = "not_eligible"


class ServicePointStatus(_Labelled):
    ACTIVE = "active"
    TEMPORARILY_CLOSED = "temporarily_closed"
    CLOSED = "closed"


LABELS = {
    SchemeStatus.PLANNED: _l("Planned"),
    SchemeStatus.PILOT: _l("Pilot"),
    SchemeStatus.ACTIVE: _l("Active"),
    SchemeStatus.SUSPENDED: _l("Suspended"),
    SchemeStatus.ENDED: _l("Ended"),
    ServiceType.NSP: _l("Needle and syringe programme"),
    ServiceType.OST: _l("Opioid substitution therapy"),
    ServiceType.HIV_TESTING: _l("HIV testing"),
    ServiceType.ART: _l("Antiretroviral treatment"),
    ServiceType.HEPATITIS_TB_TESTING: _l("Hepatitis and TB testing"),
    ServiceType.NALOXONE: _l("Naloxone"),
    ServiceType.LEGAL_AID: _l("Legal aid"),
    ServiceType.SHELTER: _l("Shelter"),
    ServiceType.DRUG_TREATMENT: _l("Drug treatment"),
    ServiceType.OTHER: _l("Other service"),
    Route.ARREST_DIVERSION: _l("Arrest diversion"),
    Route.SOCIAL_CONTACT: _l("Social contact"),
    Route.COMMUNITY_REQUEST: _l("Community request"),
    Route.CUSTODY: _l("Custody"),
    Route.OTHER: _l("Other route"),
    Outcome.REACHED: _l("Reached the service"),
    Outcome.REFERRED_ON: _l("Referred on"),
    Outcome.DECLINED: _l("Declined"),
    Outcome.NOT_ELIGIBLE: _l("Not eligible"),
    ServicePointStatus.ACTIVE: _l("Open"),
    ServicePointStatus.TEMPORARILY_CLOSED: _l("Temporarily closed"),
    ServicePointStatus.CLOSED: _l("Closed"),
}

# Slips may be issued and redeemed only while a scheme runs.
RUNNING_STATUSES = frozenset({SchemeStatus.PILOT, SchemeStatus.ACTIVE})


def services_from_text(text: str | None) -> list[ServiceType]:
    """Service types from their stored comma-separated values, in a stable order."""
    values = {v.strip() for v in (text or "").split(",") if v.strip()}
    return [s for s in ServiceType if s.value in values]


def services_to_text(services) -> str:  # noqa: ANN001
    chosen = {ServiceType(s) for s in services or []}
    return ",".join(s.value for s in ServiceType if s in chosen)


scheme_partners = Table(
    "scheme_partners",
    db.metadata,
    Column("scheme_id", ForeignKey("schemes.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
    Index("ix_scheme_partners_organisation_id", "organisation_id"),
)


class Scheme(TimestampMixin, VersionedMixin, db.Model):
    """An agreement between police units and services to refer people instead of arresting them."""

    __tablename__ = "schemes"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), unique=True)
    status: Mapped[SchemeStatus] = mapped_column(
        enum_column(SchemeStatus, 20), default=SchemeStatus.PLANNED
    )
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_reason: Mapped[str] = mapped_column(String(255), default="")
    agreement_date: Mapped[date | None]
    # Where the signed memorandum of understanding is kept (file name, registry number or link).
    agreement_document: Mapped[str] = mapped_column(String(255), default="")
    protocol: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[str] = mapped_column(String(255), default="")
    # "#" stands for a digit, "A" for a capital letter; anything else must appear as written.
    slip_number_format: Mapped[str] = mapped_column(String(40), default="#####")
    client_code_rule: Mapped[str] = mapped_column(String(30), default="mother2-own2-year-sex")

    partners: Mapped[list[Organisation]] = relationship(
        secondary=scheme_partners, order_by="Organisation.name"
    )
    status_changed_by: Mapped[User | None] = relationship()

    @property
    def service_types(self) -> list[ServiceType]:
        return services_from_text(self.services)

    @property
    def police_partners(self) -> list:
        return [o for o in self.partners if o.kind.is_police]

    @property
    def service_partners(self) -> list:
        return [o for o in self.partners if not o.kind.is_police]

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES


class ServicePoint(TimestampMixin, VersionedMixin, db.Model):
    """A place where referred people are served: one entry of the service directory."""

    __tablename__ = "service_points"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(255), default="")
    opening_hours: Mapped[str] = mapped_column(String(255), default="")
    services: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[ServicePointStatus] = mapped_column(
        enum_column(ServicePointStatus, 30), default=ServicePointStatus.ACTIVE
    )
    last_checked: Mapped[date | None]
    notes: Mapped[str] = mapped_column(Text, default="")

    organisation: Mapped[Organisation] = relationship()

    @property
    def service_types(self) -> list[ServiceType]:
        return services_from_text(self.services)


class Slip(TimestampMixin, VersionedMixin, db.Model):
    """A numbered referral slip an officer gave someone. No client identity, ever."""

    __tablename__ = "slips"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("scheme_id", "number"),
        # The slips list's ORDER BY issued_on DESC, id DESC, read backwards from the index:
        # over all slips, within a scheme, and within a station or an officer's stations.
        Index("ix_slips_issued_on_id", "issued_on", "id"),
        Index("ix_slips_scheme_issued_id", "scheme_id", "issued_on", "id"),
        Index("ix_slips_station_issued_id", "station_id", "issued_on", "id"),
        # The search by number (``slip_number_pattern``): see below the class.
        Index(
            "ix_slips_number_pattern", "number", postgresql_ops={"number": "varchar_pattern_ops"}
        ).ddl_if(dialect="postgresql"),
        # A scheme's measures group its slips by station, route and month of issue from the
        # index alone.
        Index(
            "ix_slips_scheme_station_route", "scheme_id", "station_id", "route", "issued_on", "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"))
    number: Mapped[str] = mapped_column(String(40))
    station_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    issued_on: Mapped[date]
    route: Mapped[Route] = mapped_column(enum_column(Route, 30))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scheme: Mapped[Scheme] = relationship()
    station: Mapped[Organisation] = relationship()
    officer: Mapped[Person | None] = relationship()
    redemption: Mapped[Redemption | None] = relationship(back_populates="slip", uselist=False)

    @property
    def audit_label(self) -> str:
        return f"slip {self.number}"


# The search by number matches numbers beginning with what was typed (``number LIKE
# 'R01-0001%'``). SQLite's LIKE ignores case, so the index it reads such a pattern from must
# ignore case too; PostgreSQL reads one only with the pattern operators (ix_slips_number_pattern).
Index("ix_slips_number_nocase", collate(Slip.number, "NOCASE")).ddl_if(dialect="sqlite")


class Redemption(TimestampMixin, VersionedMixin, db.Model):
    """A service's record that a referred person arrived (with or without a slip).

    Visible to NGO editors only. The audit log keeps that a redemption was recorded or changed,
    never its client code or what happened.
    """

    __tablename__ = "redemptions"
    __audited__ = True
    __audit_masked__ = frozenset(
        {"client_code", "consent", "outcome", "follow_up", "follow_up_on", "walk_in"}
    )
    __table_args__ = (
        Index("ix_redemptions_scheme_code", "scheme_id", "client_code"),
        # The redemptions list's ORDER BY redeemed_on DESC, id DESC: over all visits, within a
        # scheme, at a service point, and for one client code.
        Index("ix_redemptions_redeemed_on_id", "redeemed_on", "id"),
        Index("ix_redemptions_scheme_redeemed_id", "scheme_id", "redeemed_on", "id"),
        Index("ix_redemptions_point_redeemed_id", "service_point_id", "redeemed_on", "id"),
        Index("ix_redemptions_code_redeemed_id", "client_code", "redeemed_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("schemes.id"))
    # Empty for walk-ins who say the police sent them without a slip.
    slip_id: Mapped[int | None] = mapped_column(ForeignKey("slips.id"), unique=True)
    # The station a walk-in names (for slips: the slip's station, kept for grouping).
    station_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    walk_in: Mapped[bool] = mapped_column(default=False)
    redeemed_on: Mapped[date]
    service_point_id: Mapped[int] = mapped_column(ForeignKey("service_points.id"))
    client_code: Mapped[str] = mapped_column(String(20), default="")
    consent: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, 20))
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    scheme: Mapped[Scheme] = relationship()
    slip: Mapped[Slip | None] = relationship(back_populates="redemption")
    station: Mapped[Organisation | None] = relationship()
    service_point: Mapped[ServicePoint] = relationship()
    provided: Mapped[list[RedemptionService]] = relationship(
        cascade="all, delete-orphan", order_by="RedemptionService.service"
    )

    @property
    def audit_label(self) -> str:
        return f"redemption {self.id or ''}".strip()

    @property
    def service_types(self) -> list[ServiceType]:
        return [p.service for p in self.provided]


class RedemptionService(db.Model):
    """One service provided at a redemption, kept as rows so measures can GROUP BY service."""

    __tablename__ = "redemption_services"

    redemption_id: Mapped[int] = mapped_column(
        ForeignKey("redemptions.id", ondelete="CASCADE"), primary_key=True
    )
    service: Mapped[ServiceType] = mapped_column(enum_column(ServiceType, 30), primary_key=True)


class SlipCount(db.Model):
    """Slips issued, and how many of them were redeemed, per scheme, station, route and month of
    issue: what the dashboards and the measures count instead of reading every slip and every
    redemption. Kept in step in the transaction of every write that issues a slip or records a
    visit (``partnership.referrals.summary``); derived data, so no foreign keys (a summary row
    exists only while slips of its scheme and station do)."""

    __tablename__ = "slip_counts"
    __table_args__ = (
        # The dashboards' months (a period, every scheme) within a place.
        Index("ix_slip_counts_month_station", "month", "station_id", "issued", "redeemed"),
        # One station's months (a station's page, the slips list filtered by state there).
        Index("ix_slip_counts_station_month", "station_id", "month", "issued", "redeemed"),
    )

    scheme_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    route: Mapped[Route] = mapped_column(enum_column(Route, 30), primary_key=True)
    # The first day of the month the slips were issued in.
    month: Mapped[date] = mapped_column(primary_key=True)
    issued: Mapped[int] = mapped_column(default=0)
    redeemed: Mapped[int] = mapped_column(default=0)


class RedemptionGap(db.Model):
    """Slips redeemed, per scheme, slip's station, service point, month of issue and days from
    issue to redemption: the histograms a scheme's medians are taken from
    (``partnership.referrals.summary`` keeps it in step)."""

    __tablename__ = "redemption_gaps"

    scheme_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    service_point_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[date] = mapped_column(primary_key=True)  # of issue, its first day
    days: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    redeemed: Mapped[int] = mapped_column(default=0)


# A visit whose walk-in named no station is counted under this station id in the summaries.
NO_STATION = 0


class VisitCount(db.Model):
    """Visits (redemptions) and walk-ins among them per scheme, station named (``NO_STATION``
    for none) and service point (``partnership.referrals.summary`` keeps it in step)."""

    __tablename__ = "visit_counts"

    scheme_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    service_point_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    visits: Mapped[int] = mapped_column(default=0)
    walk_ins: Mapped[int] = mapped_column(default=0)


class ServiceCount(db.Model):
    """Services provided at visits per scheme and station named (``NO_STATION`` for none)
    (``partnership.referrals.summary`` keeps it in step)."""

    __tablename__ = "service_counts"

    scheme_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    station_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    service: Mapped[ServiceType] = mapped_column(enum_column(ServiceType, 30), primary_key=True)
    provided: Mapped[int] = mapped_column(default=0)
