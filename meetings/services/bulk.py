"""Scheduling several stations at once from the due list: one meeting (or one series) per
station, each in the station's own time zone, with the same checks and clash warnings as one
meeting; all of them or none."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import or_, select

from meetings.models import Meeting, MeetingStatus, meeting_facilitators, meeting_stations
from meetings.services.scheduling import (
    Recurrence,
    create_meetings,
    facilitator_clash,
    series_windows,
    station_clash,
    station_days,
)
from partnership.accounts.models import User
from partnership.extensions import db
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
    check.warnings += _booked_clashes(rows, check.windows, facilitators)
    if facilitators:
        check.warnings += _clashes_between_rows(rows, check.windows)
    return check


def _booked_clashes(
    rows: list[StationRow], windows: dict[int, list[tuple]], facilitator_ids: list[int]
) -> list[str]:
    """The warnings ``find_conflicts`` gives for each meeting of each row (a facilitator
    already booked then, a station with another meeting that local day), in the same order,
    from two queries for the whole form: the facilitators' bookings over the form's whole span,
    and each ticked station's meetings over the days its own rows cover."""
    live = Meeting.status != MeetingStatus.CANCELLED
    zones = {index: ZoneInfo(rows[index].station.timezone) for index in windows}
    days = {
        index: [station_days(start, end, zones[index]) for start, end in windows[index]]
        for index in windows
    }
    booked: list[tuple[str, Meeting]] = []
    if facilitator_ids:
        booked = db.session.execute(
            select(User.name, Meeting)
            .join(meeting_facilitators, meeting_facilitators.c.user_id == User.id)
            .join(Meeting, Meeting.id == meeting_facilitators.c.meeting_id)
            .where(
                User.id.in_(facilitator_ids),
                live,
                Meeting.starts_at < max(end for w in windows.values() for _s, end in w),
                Meeting.ends_at > min(start for w in windows.values() for start, _e in w),
            )
            .order_by(Meeting.starts_at, Meeting.id)
        ).all()
    at_stations = db.session.execute(
        select(meeting_stations.c.station_id, Meeting)
        .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
        .where(
            live,
            or_(
                *(
                    (meeting_stations.c.station_id == rows[index].station.id)
                    & (Meeting.starts_at < max(end for _s, end in spans))
                    & (Meeting.ends_at > min(start for start, _e in spans))
                    for index, spans in days.items()
                )
            ),
        )
        .order_by(Meeting.starts_at, Meeting.id)
    ).all()
    warnings: list[str] = []
    for index in sorted(windows):
        station = rows[index].station
        for (start, end), (day_start, day_end) in zip(windows[index], days[index], strict=True):
            warnings += [
                facilitator_clash(name, other)
                for name, other in booked
                if other.starts_at < end and other.ends_at > start
            ]
            warnings += [
                station_clash(station.name, other, zones[index])
                for station_id, other in at_stations
                if station_id == station.id
                and other.starts_at < day_end
                and other.ends_at > day_start
            ]
    return warnings


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
