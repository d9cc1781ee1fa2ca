"""Imports of a station's slip book and of a service's redemption register (CSV or Excel),
through the one import runner: every row is checked, then all are written or none, and the
report names each failing line of the file. Messages never repeat a client code.

A slip book or a redemption register of 20,000 rows is checked against lookups loaded once (the
scheme's stations, service points, the officers and slips the file names) with the same rules
as the forms (``check_slip``, ``check_redemption``), and written in a few statements.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from partnership.extensions import db
from partnership.organisations.models import Organisation, Person, PersonKind
from partnership.referrals.codes import normalise_slip_number
from partnership.referrals.models import Outcome, Route, ServicePoint, ServiceType
from partnership.referrals.services import redemptions as redemption_services
from partnership.referrals.services import slips as slip_services
from partnership.spreadsheets import Column, ImportReport, ImportRow, RowError, Table, run_import

SLIP_COLUMNS = (
    Column("number", _l("Slip number")),
    Column("station", _l("Station")),
    Column("date", _l("Date issued")),
    Column("route", _l("Route")),
    Column("officer", _l("Issuing officer"), required=False),
)
REDEMPTION_COLUMNS = (
    Column("slip", _l("Slip number"), required=False),
    Column("date", _l("Redeemed on")),
    Column("service_point", _l("Service point")),
    Column("consent", _l("Consent")),
    Column("client_code", _l("Client code"), required=False),
    Column("services", _l("Services provided"), required=False),
    Column("outcome", _l("Outcome")),
    Column("follow_up", _l("Follow-up"), required=False),
    Column("follow_up_date", _l("Follow-up date"), required=False),
    Column("walk_in_station", _l("Station of a walk-in"), required=False),
)


def slip_template() -> Table:
    example = ["00123", "Kisauni Police Station", date.today().isoformat(), "social_contact", ""]
    return Table([c.header for c in SLIP_COLUMNS], [example], sheet_name="Slips")


def redemption_template() -> Table:
    example = [
        "00123", date.today().isoformat(), "Kisauni Drop-in Centre", "yes", "MAJO1990M",
        "nsp; hiv_testing", "reached", "", "", "",
    ]  # fmt: skip
    return Table([c.header for c in REDEMPTION_COLUMNS], [example], sheet_name="Redemptions")


def parse_date(text: str) -> date | None:
    text = text.strip()
    try:
        return date.fromisoformat(text)  # the template's form, and the quickest to read
    except ValueError:
        pass
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%dT%H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _fold(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _words(enum_class) -> dict[str, object]:  # noqa: ANN001
    """The members of ``enum_class`` by their value and by their label in the reader's
    language, folded (any case and spacing); worked out once per import, not once per row."""
    return {
        _fold(word): member for member in enum_class for word in (member.value, str(member.label))
    }


def _by_name(model, names: set[str]) -> dict[str, list]:  # noqa: ANN001
    """Records of ``model`` by their name in lower case, in one query per 20,000 names."""
    found: dict[str, list] = {}
    wanted = sorted(n for n in names if n)
    for start in range(0, len(wanted), slip_services.LOOKUP_CHUNK):
        chunk = wanted[start : start + slip_services.LOOKUP_CHUNK]
        for record in db.session.scalars(select(model).where(func.lower(model.name).in_(chunk))):
            found.setdefault(record.name.lower(), []).append(record)
    return found


def _route_values() -> str:
    return ", ".join(r.value for r in Route)


def import_slips(scheme_id: int, filename: str, data: bytes, user) -> ImportReport:  # noqa: ANN001
    """Check every row of a slip book, then write all of them, or none when any row is wrong.
    Raises FieldError when the scheme itself is not one the user may issue slips in."""
    issuing = slip_services.issuing_in(scheme_id, user)
    lookups: dict = {"routes": _words(Route)}

    def prepare(rows: list[ImportRow]) -> None:
        lookups["stations"] = _by_name(Organisation, {r.get("station", "").lower() for r in rows})
        lookups["officers"] = _by_name(Person, {r.get("officer", "").lower() for r in rows})
        lookups["taken"] = slip_services.taken_numbers(
            issuing.scheme, (normalise_slip_number(r.get("number")) for r in rows)
        )

    def station_of(name: str) -> Organisation | None:
        found = lookups["stations"].get(name.lower(), [])
        # The same name in two places: the station of this scheme is the one meant.
        return next((s for s in found if s.id in issuing.stations), found[0] if found else None)

    def officer_of(name: str, station: Organisation | None) -> Person | None:
        found = [p for p in lookups["officers"].get(name.lower(), [])
                 if p.kind is PersonKind.OFFICER]  # fmt: skip
        at_station = [p for p in found if station is not None and p.organisation_id == station.id]
        return (at_station or found or [None])[0]

    def check_row(row: ImportRow) -> dict:
        station = station_of(row.get("station", ""))
        officer_name = row.get("officer", "")
        officer = officer_of(officer_name, station) if officer_name else None
        route = lookups["routes"].get(_fold(row.get("route", "")))
        issued_on = parse_date(row.get("date", ""))
        problems = []
        if station is None:
            problems.append(_("unknown station “%(name)s”", name=row.get("station", "")))
        if officer_name and officer is None:
            problems.append(_("unknown officer “%(name)s”", name=officer_name))
        if route is None:
            problems.append(_("unknown route (use one of: %(routes)s)", routes=_route_values()))
        if issued_on is None:
            problems.append(_("the date is missing or not a date (use YYYY-MM-DD)"))
        if problems:
            raise RowError("; ".join(problems))
        number = normalise_slip_number(row.get("number"))
        values = slip_services.check_slip(
            issuing,
            {"number": number, "station_id": station.id, "issued_on": issued_on,
             "officer_id": officer.id if officer else None, "officer": officer,
             "route": route.value},
            taken=number in lookups["taken"],
        )  # fmt: skip
        lookups["taken"].add(number)  # a second row with the number is "already issued"
        return values

    return run_import(
        filename, data, SLIP_COLUMNS, check_row,
        lambda planned: slip_services.issue_slips(issuing, planned), prepare=prepare,
    )  # fmt: skip


def import_redemptions(scheme_id: int, filename: str, data: bytes, user) -> ImportReport:  # noqa: ANN001
    """Check every row of a redemption register with the form's rules, against lookups loaded
    once, then write all of them in bulk, or none when any row is wrong. Raises FieldError when
    the scheme itself takes no redemptions."""
    redeeming = redemption_services.redeeming_in(scheme_id, user)
    lookups: dict = {"outcomes": _words(Outcome), "services": _words(ServiceType)}

    def prepare(rows: list[ImportRow]) -> None:
        lookups["points"] = _by_name(ServicePoint, {r.get("service_point", "").lower()
                                                    for r in rows})  # fmt: skip
        lookups["stations"] = _by_name(
            Organisation, {r.get("walk_in_station", "").lower() for r in rows}
        )
        lookups["slips"] = redemption_services.slips_by_number(
            redeeming.scheme, (normalise_slip_number(r.get("slip")) for r in rows)
        )

    def check_row(row: ImportRow) -> dict:
        problems = []
        point = (lookups["points"].get(row.get("service_point", "").lower()) or [None])[0]
        if point is None:
            problems.append(
                _("unknown service point “%(name)s”", name=row.get("service_point", ""))
            )
        redeemed_on = parse_date(row.get("date", ""))
        if redeemed_on is None:
            problems.append(_("the date is missing or not a date (use YYYY-MM-DD)"))
        consent_text = row.get("consent", "").lower()
        if consent_text not in ("yes", "no", "y", "n", "1", "0", "true", "false"):
            problems.append(_("consent must be yes or no"))
        outcome = lookups["outcomes"].get(_fold(row.get("outcome", "")))
        if outcome is None:
            problems.append(
                _("unknown outcome (use one of: %(v)s)", v=", ".join(o.value for o in Outcome))
            )
        provided = []
        for part in re.split(r"[;,]", row.get("services", "")):
            if part.strip():
                service = lookups["services"].get(_fold(part))
                if service is None:
                    problems.append(_("unknown service “%(name)s”", name=part.strip()))
                else:
                    provided.append(service.value)
        follow_up_text = row.get("follow_up_date", "")
        follow_up_on = parse_date(follow_up_text) if follow_up_text else None
        if follow_up_text and follow_up_on is None:
            problems.append(_("the follow-up date is not a date (use YYYY-MM-DD)"))
        station_name = row.get("walk_in_station", "")
        station = (lookups["stations"].get(station_name.lower()) or [None])[0]
        if station_name and station is None:
            problems.append(_("unknown station “%(name)s”", name=station_name))
        if problems:
            raise RowError("; ".join(problems))
        number = normalise_slip_number(row.get("slip"))
        slip = lookups["slips"].get(number)
        values = redemption_services.check_redemption(
            redeeming,
            {
                "walk_in": not number,
                "slip_number": number,
                "station_id": station.id if station else None,
                "redeemed_on": redeemed_on,
                "consent": consent_text in ("yes", "y", "1", "true"),
                "client_code": row.get("client_code", ""),
                "services": provided,
                "outcome": outcome.value,
                "follow_up": row.get("follow_up", ""),
                "follow_up_on": follow_up_on,
            },
            slip,
            point,
        )
        if slip is not None:  # a second row with the slip is "already redeemed"
            lookups["slips"][number] = dataclasses.replace(slip, redeemed=True)
        return values

    return run_import(
        filename, data, REDEMPTION_COLUMNS, check_row, redemption_services.record_redemptions,
        prepare=prepare,
    )  # fmt: skip
