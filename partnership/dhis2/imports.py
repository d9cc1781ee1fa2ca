"""The stations' organisation units from a spreadsheet: all rows or none, errors by the file's
own lines. A station is found by the ID the template gives it, or by its reference (the
programme's own station code); never by its name. Stations left out of the file keep their
mapping; an empty organisation unit removes a station's."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from partnership.dhis2.services import is_uid, org_units, save_mapping, stations
from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.spreadsheets import Table
from partnership.spreadsheets.runner import Column, ImportReport, ImportRow, RowError, run_import

COLUMNS = [
    Column("station_id", _l("Station ID"), required=False,
           help=_l("As in the template; or leave it empty and give the reference.")),
    Column("station_reference", _l("Station reference"), required=False,
           help=_l("The programme's own code of the station.")),
    Column("station", _l("Station"), required=False,
           help=_l("For reading only: stations are found by ID or reference.")),
    Column("org_unit", _l("Organisation unit"),
           help=_l("The DHIS2 organisation unit identifier; empty removes the mapping.")),
]  # fmt: skip


def mapping_template() -> Table:
    """Every active station with its current organisation unit, ready to be filled in."""
    units = org_units()
    rows = [[s.id, s.reference or "", s.name, units.get(s.id, "")] for s in stations()]
    return Table([c.header for c in COLUMNS], rows, sheet_name="Stations")


def import_mapping(filename: str, data: bytes) -> ImportReport:
    active = {s.id: s for s in stations()}
    by_reference = {s.reference.strip().lower(): s for s in active.values() if s.reference}
    current = org_units()
    lines_of_station: dict[int, int] = {}
    lines_of_unit: dict[str, int] = {}

    def check(row: ImportRow) -> tuple[int, str]:
        station = _station(row, active, by_reference)
        if station.id in lines_of_station:
            raise RowError(_("%(station)s is already on line %(line)s.", station=station.name,
                             line=lines_of_station[station.id]))  # fmt: skip
        lines_of_station[station.id] = row.line
        uid = row.get("org_unit", "")
        if uid and not is_uid(uid):
            raise RowError(
                _(
                    "“%(value)s” is not a DHIS2 identifier: 11 letters and digits, starting with "
                    "a letter.",
                    value=uid[:40],
                )  # fmt: skip
            )
        if uid:
            if uid in lines_of_unit:
                raise RowError(_("The organisation unit %(uid)s is also on line %(line)s.",
                                 uid=uid, line=lines_of_unit[uid]))  # fmt: skip
            lines_of_unit[uid] = row.line
        return station.id, uid

    def write_all(planned: list[tuple[int, str]]) -> int:
        # A unit kept by a station the file does not change cannot be given to another.
        after = {**current, **dict(planned)}
        owners: dict[str, list[int]] = {}
        for station_id, uid in after.items():
            if uid:
                owners.setdefault(uid, []).append(station_id)
        clashes = []
        for station_id, uid in planned:
            others = [s for s in owners.get(uid, []) if s != station_id]
            if uid and others:
                clashes.append((lines_of_station[station_id], uid, others[0]))
        if clashes:
            raise _Clashes(clashes)
        save_mapping(dict(planned), {})
        return len(planned)

    try:
        return run_import(filename, data, COLUMNS, check, write_all,
                          mismatch=_("These are not the columns of the mapping template."))  # fmt: skip
    except _Clashes as found:
        ids = [other for _line, _uid, other in found.clashes]
        names = dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
            )
            .tuples()
            .all()
        )
        return ImportReport(errors=[
            (line, _("The organisation unit %(uid)s is already the unit of %(station)s.",
                     uid=uid, station=names.get(other, "")))
            for line, uid, other in found.clashes
        ])  # fmt: skip


class _Clashes(Exception):
    def __init__(self, clashes: list[tuple[int, str, int]]) -> None:
        super().__init__(len(clashes))
        self.clashes = clashes


def _station(row: ImportRow, active: dict, by_reference: dict) -> Organisation:
    raw_id = row.get("station_id", "")
    reference = row.get("station_reference", "")
    if raw_id:
        try:
            station = active.get(int(float(raw_id)))
        except ValueError:
            station = None
        if station is None:
            raise RowError(_("No active station has the ID %(id)s.", id=raw_id[:20]))
        return station
    if reference:
        station = by_reference.get(reference.strip().lower())
        if station is None:
            raise RowError(_("No active station has the reference %(ref)s.", ref=reference[:60]))
        return station
    raise RowError(_("Give the station's ID or its reference."))
