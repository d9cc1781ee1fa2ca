"""Imports of a station's slip book and of a service's redemption register (CSV or Excel).

All rows or none: every row goes through the same service function as the web form, inside
the request's transaction; if any row fails, nothing is written and the report lists each
failing line with what is wrong. Messages never repeat a client code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import Organisation, Person, PersonKind
from partnership.referrals.models import Outcome, Route, Scheme, ServicePoint, ServiceType
from partnership.referrals.services import redemptions as redemption_services
from partnership.referrals.services import slips as slip_services
from partnership.spreadsheets import Table

SLIP_COLUMNS = ("number", "station", "date", "route", "officer")
REDEMPTION_COLUMNS = (
    "slip", "date", "service point", "consent", "client code", "services", "outcome",
    "follow-up", "follow-up date", "walk-in station",
)  # fmt: skip


@dataclass
class ImportResult:
    created: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def slip_template(scheme: Scheme | None = None) -> Table:
    example = ["00123", "Kisauni Police Station", date.today().isoformat(), "social_contact", ""]
    return Table(list(SLIP_COLUMNS), [example], sheet_name="Slips")


def redemption_template() -> Table:
    example = [
        "00123", date.today().isoformat(), "Kisauni Drop-in Centre", "yes", "MAJO1990M",
        "nsp; hiv_testing", "reached", "", "", "",
    ]  # fmt: skip
    return Table(list(REDEMPTION_COLUMNS), [example], sheet_name="Redemptions")


def _columns(headers: list[str], expected: tuple[str, ...], required: set[str]) -> dict[str, int]:
    index = {h.strip().lower(): i for i, h in enumerate(headers)}
    missing = [c for c in expected if c in required and c not in index]
    if missing:
        raise FieldError(
            "file", _("Columns missing from the first row: %(cols)s.", cols=", ".join(missing))
        )
    return {c: index[c] for c in expected if c in index}


def _cell(row: list[str], cols: dict[str, int], name: str) -> str:
    i = cols.get(name)
    return row[i].strip() if i is not None and i < len(row) else ""


def parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _choice(text: str, enum_class) -> object | None:  # noqa: ANN001
    key = re.sub(r"[\s\-]+", "_", text.strip().lower())
    for member in enum_class:
        if key in (member.value, re.sub(r"[\s\-]+", "_", str(member.label).lower())):
            return member
    return None


def _by_name(model, names: set[str]) -> dict[str, object]:  # noqa: ANN001
    if not names:
        return {}
    rows = db.session.scalars(select(model).where(func.lower(model.name).in_(names)))
    return {r.name.lower(): r for r in rows}


def _line(rows: list, i: int) -> int:
    """The file's line of data row ``i``: read_rows keeps it; plain lists count from line 2."""
    return getattr(rows[i], "line", i + 2)


def import_slips(scheme: Scheme, headers: list[str], rows: list[list[str]], user) -> ImportResult:  # noqa: ANN001
    result = ImportResult()
    cols = _columns(headers, SLIP_COLUMNS, {"number", "station", "date", "route"})
    stations = _by_name(Organisation, {_cell(r, cols, "station").lower() for r in rows})
    officers = _by_name(Person, {_cell(r, cols, "officer").lower() for r in rows} - {""})
    for i, row in enumerate(rows):
        station = stations.get(_cell(row, cols, "station").lower())
        officer_name = _cell(row, cols, "officer")
        officer = officers.get(officer_name.lower()) if officer_name else None
        route = _choice(_cell(row, cols, "route"), Route)
        problems = []
        if station is None:
            problems.append(_("unknown station “%(name)s”", name=_cell(row, cols, "station")))
        if officer_name and (officer is None or officer.kind is not PersonKind.OFFICER):
            problems.append(_("unknown officer “%(name)s”", name=officer_name))
        if route is None:
            problems.append(_("unknown route (use one of: %(routes)s)", routes=_route_values()))
        issued_on = parse_date(_cell(row, cols, "date"))
        if issued_on is None:
            problems.append(_("the date is missing or not a date (use YYYY-MM-DD)"))
        if problems:
            result.errors.append((_line(rows, i), "; ".join(problems)))
            continue
        try:
            slip_services.issue_slip(
                {
                    "scheme_id": scheme.id,
                    "number": _cell(row, cols, "number"),
                    "station_id": station.id,
                    "officer_id": officer.id if officer else None,
                    "issued_on": issued_on,
                    "route": route.value,
                },
                user,
            )
        except FieldError as error:
            result.errors.append((_line(rows, i), error.message))
        else:
            result.created += 1
    return result


def _route_values() -> str:
    return ", ".join(r.value for r in Route)


def import_redemptions(
    scheme: Scheme,
    headers: list[str],
    rows: list[list[str]],
    user,  # noqa: ANN001
) -> ImportResult:
    result = ImportResult()
    cols = _columns(
        headers, REDEMPTION_COLUMNS, {"slip", "date", "service point", "consent", "outcome"}
    )
    points = _by_name(ServicePoint, {_cell(r, cols, "service point").lower() for r in rows})
    stations = _by_name(Organisation, {_cell(r, cols, "walk-in station").lower() for r in rows})
    for i, row in enumerate(rows):
        problems = []
        point = points.get(_cell(row, cols, "service point").lower())
        if point is None:
            problems.append(
                _("unknown service point “%(name)s”", name=_cell(row, cols, "service point"))
            )
        redeemed_on = parse_date(_cell(row, cols, "date"))
        if redeemed_on is None:
            problems.append(_("the date is missing or not a date (use YYYY-MM-DD)"))
        consent_text = _cell(row, cols, "consent").lower()
        if consent_text not in ("yes", "no", "y", "n", "1", "0", "true", "false"):
            problems.append(_("consent must be yes or no"))
        outcome = _choice(_cell(row, cols, "outcome"), Outcome)
        if outcome is None:
            problems.append(
                _("unknown outcome (use one of: %(v)s)", v=", ".join(o.value for o in Outcome))
            )
        provided = []
        for part in re.split(r"[;,]", _cell(row, cols, "services")):
            if part.strip():
                service = _choice(part, ServiceType)
                if service is None:
                    problems.append(_("unknown service “%(name)s”", name=part.strip()))
                else:
                    provided.append(service.value)
        follow_up_text = _cell(row, cols, "follow-up date")
        follow_up_on = parse_date(follow_up_text) if follow_up_text else None
        if follow_up_text and follow_up_on is None:
            problems.append(_("the follow-up date is not a date (use YYYY-MM-DD)"))
        station_name = _cell(row, cols, "walk-in station")
        station = stations.get(station_name.lower()) if station_name else None
        if station_name and station is None:
            problems.append(_("unknown station “%(name)s”", name=station_name))
        if problems:
            result.errors.append((_line(rows, i), "; ".join(problems)))
            continue
        slip_number = _cell(row, cols, "slip")
        try:
            redemption_services.record_redemption(
                {
                    "scheme_id": scheme.id,
                    "walk_in": not slip_number,
                    "slip_number": slip_number,
                    "station_id": station.id if station else None,
                    "redeemed_on": redeemed_on,
                    "service_point_id": point.id,
                    "consent": consent_text in ("yes", "y", "1", "true"),
                    "client_code": _cell(row, cols, "client code"),
                    "services": provided,
                    "outcome": outcome.value,
                    "follow_up": _cell(row, cols, "follow-up"),
                    "follow_up_on": follow_up_on,
                },
                user,
            )
        except FieldError as error:
            result.errors.append((_line(rows, i), error.message))
        else:
            result.created += 1
    return result
