"""Scheduling several stations at once from the due list: one meeting (or one series) per
station, each in the station's own time zone, with the same checks and clash warnings as one
meeting; all of them or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from meetings.models import Meeting
from meetings.services.scheduling import (
    Recurrence,
    create_meetings,
    find_conflicts,
    series_windows,
)
from partnership.accounts.models import User
from partnership.forms import FieldError
from partnership.organisations.models import Organisation


@dataclass
class StationRow:
    station: Organisation
    title: str
    start_date: date | None


@dataclass
class BulkCheck:
    """What checking the rows found: errors by row index and field, clash warnings."""

    errors: dict[int, FieldError] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    windows: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)


def row_data(row: StationRow, common: dict) -> dict:
    """The one-meeting form's data for a row: the shared fields, the station's own date, title
    and time zone."""
    return {
        **common,
        "title": row.title,
        "station_ids": [row.station.id],
        "start_date": row.start_date,
        "end_date": row.start_date,
        "timezone": row.station.timezone,
    }


def check_rows(rows: list[StationRow], common: dict, recurrence: Recurrence | None) -> BulkCheck:
    """Every row checked before anything is written: its date and title, its window, clashes
    with what is booked and with the other rows (the facilitators are shared)."""
    check = BulkCheck()
    if not rows:
        raise FieldError("rows", _("Choose at least one station to schedule."))
    for index, row in enumerate(rows):
        if not row.title.strip():
            check.errors[index] = FieldError("title", _("Give the meeting a title."))
            continue
        if row.start_date is None:
            check.errors[index] = FieldError("start_date", _("Choose the first date."))
            continue
        try:
            check.windows[index] = series_windows(row_data(row, common), recurrence)
        except FieldError as error:
            check.errors[index] = error
    if check.errors:
        return check
    facilitators = common.get("facilitator_ids") or []
    for index, windows in check.windows.items():
        row = rows[index]
        zone = ZoneInfo(row.station.timezone)
        for start, end in windows:
            check.warnings += find_conflicts(start, end, zone, [row.station.id], facilitators)
    if facilitators:
        check.warnings += _clashes_between_rows(rows, check.windows)
    return check


def _clashes_between_rows(rows: list[StationRow], windows: dict[int, list[tuple]]) -> list[str]:
    warnings = []
    indexes = sorted(windows)
    for i, first in enumerate(indexes):
        for second in indexes[i + 1 :]:
            if any(a < d and c < b for a, b in windows[first] for c, d in windows[second]):
                warnings.append(
                    _(
                        "The facilitators would be at %(first)s and %(second)s at the same time.",
                        first=rows[first].station.name,
                        second=rows[second].station.name,
                    )
                )
    return warnings


def schedule_rows(
    rows: list[StationRow], common: dict, user: User, recurrence: Recurrence | None
) -> list[Meeting]:
    """Write every row's meeting or series (flushed; the request commits once). The first
    meeting of each station is returned."""
    firsts = []
    for row in rows:
        firsts.append(create_meetings(row_data(row, common), user, recurrence)[0])
    return firsts

