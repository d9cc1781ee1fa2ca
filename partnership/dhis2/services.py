"""The DHIS2 export: the dashboard's indicators of each station for a period, as the data values
of a DHIS2 ``dataValueSets`` import, with the mapping an administrator set.

What is sent is what a viewer may see: every count goes through ``partnership.disclosure`` as
for a viewer, whoever prepares the export. Small counts are withheld, and so are their
complements within the programme, each command and each country, since the dashboard shows
viewers those totals and DHIS2 adds up the stations it receives (a single withheld station of a
command could otherwise be worked out as the command's total less the others). Zero is sent:
it says nothing about any person. Only counts leave, never a person.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from partnership import disclosure
from partnership.collation import by_name
from partnership.dashboard.services import (
    INDICATORS,
    DashboardFilters,
    Indicator,
    indicators_by_station,
)
from partnership.dhis2 import credentials
from partnership.dhis2.models import (
    AuthKind,
    Dhis2Connection,
    Dhis2DataElement,
    Dhis2OrgUnit,
    Dhis2Push,
    PeriodType,
)
from partnership.extensions import db
from partnership.forms import MAX_YEAR, MIN_YEAR
from partnership.organisations.models import STATION_KINDS, Organisation

# A DHIS2 identifier: 11 letters and digits, the first a letter.
UID_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")


def is_uid(value: str) -> bool:
    return bool(UID_PATTERN.match(value or ""))


# ---- periods -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A DHIS2 period: ``code`` as DHIS2 writes it (202602 for February 2026, 2026Q1)."""

    code: str
    start: date
    end: date
    kind: PeriodType

    @property
    def label(self) -> str:
        if self.kind is PeriodType.QUARTERLY:
            quarter = (self.start.month - 1) // 3 + 1
            return _("Quarter %(quarter)s %(year)s", quarter=quarter, year=self.start.year)
        return format_date(self.start, "LLLL yyyy")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = date(year, month, 1)
        end = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        return cls(f"{year:04d}{month:02d}", start, end, PeriodType.MONTHLY)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * quarter - 2, 1)
        end = Period.month(year, 3 * quarter).end
        return cls(f"{year:04d}Q{quarter}", start, end, PeriodType.QUARTERLY)

    @classmethod
    def parse(cls, code: str) -> Period | None:
        """A period from its DHIS2 code, or None when it is not one (or out of range)."""
        code = (code or "").strip().upper()
        if m := re.fullmatch(r"(\d{4})(\d{2})", code):
            year, month = int(m[1]), int(m[2])
            if MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12:
                return cls.month(year, month)
        if m := re.fullmatch(r"(\d{4})Q([1-4])", code):
            year = int(m[1])
            if MIN_YEAR <= year <= MAX_YEAR:
                return cls.quarter(year, int(m[2]))
        return None

    @classmethod
    def containing(cls, day: date, kind: PeriodType) -> Period:
        if kind is PeriodType.QUARTERLY:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.month(day.year, day.month)


def recent_periods(kind: PeriodType, today: date | None = None, count: int = 12) -> list[Period]:
    """The current period and those before it, newest first: the choices of the period field."""
    today = today or date.today()
    periods = [Period.containing(today, kind)]
    while len(periods) < count:
        periods.append(Period.containing(periods[-1].start - timedelta(days=1), kind))
    return periods


def default_period(kind: PeriodType, today: date | None = None) -> Period:
    """The last complete period: what a programme reports at the start of a month."""
    today = today or date.today()
    return Period.containing(Period.containing(today, kind).start - timedelta(days=1), kind)


# ---- the connection and the mapping ----------------------------------------------------------


def get_connection() -> Dhis2Connection | None:
    return db.session.scalar(select(Dhis2Connection).order_by(Dhis2Connection.id).limit(1))


def save_connection(connection: Dhis2Connection | None, data: dict) -> Dhis2Connection:
    """Create or update the one connection. An empty secret keeps the stored one."""
    if connection is None:
        connection = Dhis2Connection()
        db.session.add(connection)
    connection.server_url = data["server_url"].strip().rstrip("/")
    connection.auth_kind = AuthKind(data["auth_kind"])
    connection.username = (
        data.get("username") or "" if connection.auth_kind is AuthKind.BASIC else ""
    ).strip()
    secret = data.get("secret") or ""
    if secret:
        connection.secret_encrypted = credentials.encrypt(secret)
        connection.secret_hint = credentials.hint(secret)
    connection.period_type = PeriodType(data["period_type"])
    connection.data_set_uid = (data.get("data_set_uid") or "").strip()
    db.session.flush()
    return connection


def secret_readable(connection: Dhis2Connection | None) -> bool:
    """Whether a secret is stored and can be read with the current SECRET_KEY."""
    if connection is None or not connection.secret_encrypted:
        return False
    try:
        credentials.decrypt(connection.secret_encrypted)
    except credentials.SecretUnreadable:
        return False
    return True


def stations() -> list[Organisation]:
    """Every active station and post, by name: the rows of the mapping."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True))
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


def org_units() -> dict[int, str]:
    """{station id: organisation unit UID}."""
    rows = db.session.execute(select(Dhis2OrgUnit.station_id, Dhis2OrgUnit.org_unit_uid))
    return dict(rows.tuples().all())


def data_elements() -> dict[str, tuple[str, str]]:
    """{indicator key: (data element UID, category option combo UID or "")}."""
    return {
        key: (de, coc or "")
        for key, de, coc in db.session.execute(
            select(
                Dhis2DataElement.indicator,
                Dhis2DataElement.data_element_uid,
                Dhis2DataElement.category_option_combo_uid,
            )
        )
    }


def save_mapping(
    station_uids: dict[int, str], indicator_uids: dict[str, tuple[str, str]]
) -> tuple[int, int]:
    """Set each station's organisation unit and each indicator's data element and category
    option combo (an empty UID removes the mapping). Returns how many of each are mapped."""
    existing = {m.station_id: m for m in db.session.scalars(select(Dhis2OrgUnit))}
    for station_id, uid in station_uids.items():
        row = existing.get(station_id)
        if not uid:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(Dhis2OrgUnit(station_id=station_id, org_unit_uid=uid))
        elif row.org_unit_uid != uid:
            row.org_unit_uid = uid
    known = {m.indicator: m for m in db.session.scalars(select(Dhis2DataElement))}
    for key, (de, coc) in indicator_uids.items():
        row = known.get(key)
        if not de:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                Dhis2DataElement(indicator=key, data_element_uid=de, category_option_combo_uid=coc)
            )
        elif (row.data_element_uid, row.category_option_combo_uid) != (de, coc):
            row.data_element_uid, row.category_option_combo_uid = de, coc
    db.session.flush()
    return (
        sum(1 for uid in station_uids.values() if uid),
        sum(1 for de, _coc in indicator_uids.values() if de),
    )


# ---- the export ------------------------------------------------------------------------------


@dataclass
class StationRow:
    """One station's line of the dry run: its figures as a viewer may see them."""

    station: Organisation
    org_unit: str
    figures: dict[str, disclosure.Figure]


@dataclass
class Export:
    period: Period
    indicators: list[Indicator]  # the mapped ones, in the dashboard's order
    rows: list[StationRow]  # mapped stations
    data_values: list[dict]
    unmapped_stations: list[Organisation] = field(default_factory=list)
    unmapped_indicators: list[Indicator] = field(default_factory=list)
    withheld: int = 0
    data_set: str = ""

    @property
    def payload(self) -> dict:
        """The body of POST /api/dataValueSets (DHIS2's JSON data value set)."""
        body: dict = {"period": self.period.code, "dataValues": self.data_values}
        if self.data_set:
            body = {"dataSet": self.data_set, **body}
        return body


def _protected(
    counts: dict[str, dict[int, int]], all_stations: list[Organisation]
) -> dict[str, dict[int, disclosure.Figure]]:
    """Each indicator's station counts as a viewer may see them, protected as breakdowns of the
    programme's, each command's and each country's totals."""
    return {
        key: disclosure.protect_stations(cells, all_stations, suppress=True)
        for key, cells in counts.items()
    }


def build_export(user, period: Period, connection: Dhis2Connection | None = None) -> Export:  # noqa: ANN001
    """The data values of ``period`` for every mapped station and indicator; unmapped ones are
    listed so the page can warn. A fixed number of queries whatever the number of stations."""
    connection = connection if connection is not None else get_connection()
    all_stations = stations()
    units = org_units()
    elements = data_elements()
    counts = indicators_by_station(user, DashboardFilters(start=period.start, end=period.end))
    figures = _protected(counts, all_stations)
    mapped = [i for i in INDICATORS if i.key in elements]
    rows: list[StationRow] = []
    values: list[dict] = []
    withheld = 0
    for station in all_stations:
        uid = units.get(station.id)
        if not uid:
            continue
        row = StationRow(station, uid, {i.key: figures[i.key][station.id] for i in mapped})
        rows.append(row)
        for ind in mapped:
            shown = row.figures[ind.key]
            if shown.withheld:
                withheld += 1
                continue
            de, coc = elements[ind.key]
            value = {"dataElement": de, "period": period.code, "orgUnit": uid}
            if coc:
                value["categoryOptionCombo"] = coc
            value["value"] = str(shown.value)
            values.append(value)
    return Export(
        period=period,
        indicators=mapped,
        rows=rows,
        data_values=values,
        unmapped_stations=[s for s in all_stations if s.id not in units],
        unmapped_indicators=[i for i in INDICATORS if i.key not in elements],
        withheld=withheld,
        data_set=connection.data_set_uid if connection is not None else "",
    )


# ---- pushes ----------------------------------------------------------------------------------


def create_push(user, export: Export, connection: Dhis2Connection) -> Dhis2Push:  # noqa: ANN001
    """A push of exactly ``export``'s payload, queued for the consumer (the caller commits and
    then queues the task)."""
    push = Dhis2Push(
        user_id=user.id,
        period=export.period.code,
        server_url=connection.server_url,
        payload=export.payload,
        values_count=len(export.data_values),
    )
    db.session.add(push)
    db.session.flush()
    return push


def repeat_push(user, push: Dhis2Push, connection: Dhis2Connection) -> Dhis2Push:  # noqa: ANN001
    """The same payload sent again: DHIS2 stores one value per data element, period, org unit
    and combo, so sending twice changes nothing the first sending stored."""
    again = Dhis2Push(
        user_id=user.id,
        period=push.period,
        server_url=connection.server_url,
        payload=push.payload,
        values_count=push.values_count,
    )
    db.session.add(again)
    db.session.flush()
    return again


def recent_pushes(limit: int = 20) -> list[Dhis2Push]:
    from sqlalchemy.orm import joinedload

    return list(
        db.session.scalars(
            select(Dhis2Push)
            .options(joinedload(Dhis2Push.user))
            .order_by(Dhis2Push.created_at.desc(), Dhis2Push.id.desc())
            .limit(limit)
        )
    )
