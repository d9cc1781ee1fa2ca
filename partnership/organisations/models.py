from __future__ import annotations

import enum
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from partnership.collation import SORT_KEY_TYPE
from partnership.collation import sort_key as name_sort_key
from partnership.extensions import db
from partnership.mixins import TimestampMixin, VersionedMixin, enum_column


class OrganisationKind(enum.StrEnum):
    NGO = "ngo"
    POLICE_COMMAND = "police_command"
    POLICE_STATION = "police_station"
    POLICE_POST = "police_post"
    TRAINING_CENTRE = "training_centre"
    SERVICE = "service"
    GOVERNMENT = "government"
    COMMUNITY_GROUP = "community_group"

    @property
    def label(self) -> str:
        return str(ORGANISATION_KIND_LABELS[self])

    @property
    def is_station(self) -> bool:
        return self in STATION_KINDS

    @property
    def is_police(self) -> bool:
        return self in POLICE_KINDS


ORGANISATION_KIND_LABELS = {
    OrganisationKind.NGO: _l("NGO"),
    OrganisationKind.POLICE_COMMAND: _l("Police command"),
    OrganisationKind.POLICE_STATION: _l("Police station"),
    OrganisationKind.POLICE_POST: _l("Police post"),
    OrganisationKind.TRAINING_CENTRE: _l("Police training centre or academy"),
    OrganisationKind.SERVICE: _l("Health or social service"),
    OrganisationKind.GOVERNMENT: _l("Government body"),
    OrganisationKind.COMMUNITY_GROUP: _l("Community group of people who use drugs"),
}
STATION_KINDS = frozenset({OrganisationKind.POLICE_STATION, OrganisationKind.POLICE_POST})
POLICE_KINDS = STATION_KINDS | {OrganisationKind.POLICE_COMMAND}


class Organisation(TimestampMixin, VersionedMixin, db.Model):
    __tablename__ = "organisations"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("name", "city", "country"),
        Index("ix_organisations_kind_country", "kind", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, 30))
    name: Mapped[str] = mapped_column(String(160))
    # The programme's own code for the organisation (e.g. a station code): the stable key that
    # spreadsheet imports match on to update instead of create.
    reference: Mapped[str | None] = mapped_column(String(60), unique=True)
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166 code, shown by Babel's names
    region: Mapped[str] = mapped_column(String(120), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    # A station or post belongs to a command.
    command_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # How often a station should be visited (used by meetings' due-visit list).
    target_visit_days: Mapped[int | None]
    timezone: Mapped[str] = mapped_column(String(64), default="Africa/Nairobi")
    address: Mapped[str] = mapped_column(String(255), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)

    command: Mapped[Organisation | None] = relationship(
        remote_side="Organisation.id", back_populates="stations"
    )
    stations: Mapped[list[Organisation]] = relationship(back_populates="command")

    @property
    def is_station(self) -> bool:
        return self.kind in STATION_KINDS

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class PersonKind(enum.StrEnum):
    OFFICER = "officer"
    NGO_STAFF = "ngo_staff"
    COMMUNITY_REP = "community_rep"

    @property
    def label(self) -> str:
        return str(PERSON_KIND_LABELS[self])


PERSON_KIND_LABELS = {
    PersonKind.OFFICER: _l("Police officer"),
    PersonKind.NGO_STAFF: _l("NGO staff"),
    PersonKind.COMMUNITY_REP: _l("Community representative"),
}


def _sort_key_of_row(context) -> str:  # noqa: ANN001
    """The sort key of a row inserted with a plain INSERT (imports, the bench builder)."""
    return name_sort_key(context.get_current_parameters().get("name"))


class Person(TimestampMixin, VersionedMixin, db.Model):
    """Someone the partnership works with. Community representatives are known by a chosen
    name or initials only, and have no contact details."""

    __tablename__ = "people"
    __audited__ = True
    __table_args__ = (
        Index("ix_people_kind_organisation", "kind", "organisation_id"),
        # Lookups of a name as written.
        Index("ix_people_name_id", "name", "id"),
        # The people list's ORDER BY: names in the reader's alphabetical order, read in order.
        Index("ix_people_sort_key_id", "sort_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PersonKind] = mapped_column(enum_column(PersonKind, 20))
    name: Mapped[str] = mapped_column(String(160))
    # ``name`` in the reader's alphabetical order (partnership.collation.sort_key), kept with
    # the name: set with it on the model, and computed for rows inserted without the ORM.
    sort_key: Mapped[str] = mapped_column(
        SORT_KEY_TYPE, default=_sort_key_of_row, server_default=""
    )
    # A stable key for imports: an officer's service number, a staff number, a programme code.
    reference: Mapped[str | None] = mapped_column(String(60), unique=True)
    # Where the person works now: the NGO, the community group, or the officer's current
    # station (kept equal to the officer's open posting by the transfer service).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    rank: Mapped[str] = mapped_column(String(80), default="")
    unit: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(60), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation | None] = relationship()
    postings: Mapped[list[Posting]] = relationship(
        back_populates="person", order_by="Posting.start_date.desc()"
    )

    @validates("name")
    def _keep_sort_key(self, _key: str, value: str | None) -> str | None:
        self.sort_key = name_sort_key(value)
        return value

    @property
    def is_officer(self) -> bool:
        return self.kind is PersonKind.OFFICER


class Posting(TimestampMixin, db.Model):
    """An officer's time at a station: a transfer ends one posting and opens the next."""

    __tablename__ = "postings"
    __audited__ = True
    __table_args__ = (Index("ix_postings_station_end", "station_id", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    note: Mapped[str] = mapped_column(String(255), default="")

    person: Mapped[Person] = relationship(back_populates="postings")
    station: Mapped[Organisation] = relationship()

    @property
    def audit_label(self) -> str:
        return f"posting of person {self.person_id}"
