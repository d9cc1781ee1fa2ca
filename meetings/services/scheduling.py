"""Scheduling meetings: times in the meeting's own zone, conflicts, series and edits.

Writes mutate and flush; the request (or CLI command) commits once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from meetings.models import (
    HAPPENED_STATUSES,
    OPEN_STATUSES,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    meeting_facilitators,
    meeting_stations,
)
from meetings.services.agenda import carry_concerns_forward
from meetings.services.lifecycle import log_status
from meetings.services.queries import can_edit_meeting, editable_kinds
from partnership.accounts.models import User
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
)
from partnership.roles import NGO_ROLES
from partnership.signals import meeting_rescheduled

# ---- times -------------------------------------------------------------------------------------


def zone_or_error(name: str, field_name: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise FieldError(field_name, _("Choose a time zone from the list.")) from exc


def local_to_utc(day: date, at: time, zone: ZoneInfo, field_name: str) -> datetime:
    """The UTC moment of a local date and time; refuses a time skipped by a clock change."""
    naive = datetime.combine(day, at)
    local = naive.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise FieldError(
            field_name, _("This time does not exist in that time zone (the clocks change).")
        )
    return local.astimezone(UTC)


def meeting_window(data: dict) -> tuple[datetime, datetime]:
    zone = zone_or_error(data["timezone"])
    starts = local_to_utc(data["start_date"], data["start_time"], zone, "start_time")
    ends = local_to_utc(data["end_date"], data["end_time"], zone, "end_time")
    if ends <= starts:
        raise FieldError("end_time", _("The meeting must end after it starts."))
    if ends - starts > timedelta(days=14):
        raise FieldError("end_date", _("A meeting can last at most 14 days."))
    return starts, ends


# ---- conflicts ---------------------------------------------------------------------------------


def find_conflicts(
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    station_ids: list[int],
    facilitator_ids: list[int],
    exclude_ids: set[int] | frozenset[int] = frozenset(),
) -> list[str]:
    """Warnings for a facilitator already booked at that time and a station that already has a
    meeting that (local) day. Cancelled meetings do not count."""
    warnings: list[str] = []
    live = Meeting.status != MeetingStatus.CANCELLED
    not_self = Meeting.id.not_in(exclude_ids) if exclude_ids else True
    if facilitator_ids:
        rows = db.session.execute(
            select(User.name, Meeting)
            .join(meeting_facilitators, meeting_facilitators.c.user_id == User.id)
            .join(Meeting, Meeting.id == meeting_facilitators.c.meeting_id)
            .where(
                User.id.in_(facilitator_ids),
                live,
                not_self,
                Meeting.starts_at < ends_at,
                Meeting.ends_at > starts_at,
            )
            .order_by(Meeting.starts_at)
        ).all()
        warnings += [facilitator_clash(name, other) for name, other in rows]
    if station_ids:
        # "That day" is the station's own calendar day: a meeting scheduled from another zone
        # (a regional trainer in Almaty planning a visit in Minsk) is compared with the
        # station's day, not the scheduler's.
        stations = db.session.execute(
            select(Organisation.id, Organisation.timezone).where(Organisation.id.in_(station_ids))
        ).all()
        by_zone: dict[str, list[int]] = {}
        for station_id, station_zone in stations:
            by_zone.setdefault(station_zone or zone.key, []).append(station_id)
        for zone_name, ids in sorted(by_zone.items()):
            warnings += _station_day_clashes(starts_at, ends_at, ZoneInfo(zone_name), ids,
                                             live, not_self)  # fmt: skip
    return warnings


def _station_day_clashes(
    starts_at: datetime, ends_at: datetime, zone: ZoneInfo, station_ids: list[int], live, not_self
) -> list[str]:  # noqa: ANN001
    day_start, day_end = station_days(starts_at, ends_at, zone)
    rows = db.session.execute(
        select(Organisation.name, Meeting)
        .join(meeting_stations, meeting_stations.c.station_id == Organisation.id)
        .join(Meeting, Meeting.id == meeting_stations.c.meeting_id)
        .where(
            Organisation.id.in_(station_ids),
            live,
            not_self,
            Meeting.starts_at < day_end,
            Meeting.ends_at > day_start,
        )
        .order_by(Meeting.starts_at)
    ).all()
    return [station_clash(name, other, zone) for name, other in rows]


def station_days(
    starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """The station's whole local days a meeting touches, in UTC: a clash is another meeting
    at the station "that day"."""
    day_start = datetime.combine(starts_at.astimezone(zone).date(), time.min, tzinfo=zone)
    day_end = datetime.combine(
        ends_at.astimezone(zone).date() + timedelta(days=1), time.min, tzinfo=zone
    )
    return day_start.astimezone(UTC), day_end.astimezone(UTC)


def facilitator_clash(name: str, other: Meeting) -> str:
    return _(
        "%(name)s is already booked for “%(title)s” on %(when)s.",
        name=name,
        title=other.title,
        when=_when(other),
    )


def station_clash(station_name: str, other: Meeting, zone: ZoneInfo) -> str:
    return _(
        "%(station)s already has “%(title)s” that day (%(when)s).",
        station=station_name,
        title=other.title,
        when=_when(other, zone),
    )


def _when(meeting: Meeting, zone: ZoneInfo | None = None) -> str:
    local = meeting.starts_at.astimezone(zone) if zone else meeting.local_start
    return f"{format_date(local.date(), 'medium')} {format_time(local.time(), 'short')}"


# ---- scheduling --------------------------------------------------------------------------------

MEETING_FIELDS = ("title", "venue", "objectives", "expected_participants", "security_notes")


MONTHLY_ON = ("day", "last_day", "weekday")
_WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass
class Recurrence:
    """A series: every ``interval`` weeks or months, ``count`` meetings.

    Monthly series (``monthly_on``): "day" keeps the start's day of the month and, on the 29th,
    30th or 31st, takes the last day of a shorter month (31 January, 28 February, 31 March), so
    a quarterly visit happens every quarter instead of skipping the months without that day;
    "last_day" is the last day of every month; "weekday" the same weekday and week of the month
    as the start (the 2nd Tuesday), the last one when the start is in the fifth week."""

    frequency: str  # "weekly" or "monthly"
    interval: int
    count: int
    monthly_on: str = "day"

    def _monthly_parts(self, first: datetime) -> tuple[dict, str]:
        if self.monthly_on == "last_day":
            return {"bymonthday": -1}, ";BYMONTHDAY=-1"
        if self.monthly_on == "weekday":
            week = (first.day - 1) // 7 + 1
            week = -1 if week == 5 else week
            day = first.weekday()
            return {"byweekday": _WEEKDAYS[day](week)}, f";BYDAY={week}{_RRULE_DAYS[day]}"
        if first.day > 28:
            days = list(range(28, first.day + 1))
            text = ",".join(str(d) for d in days)
            return {"bymonthday": days, "bysetpos": -1}, f";BYMONTHDAY={text};BYSETPOS=-1"
        return {}, ""

    def rule(self, first: datetime | None = None) -> str:
        freq = "WEEKLY" if self.frequency == "weekly" else "MONTHLY"
        text = f"FREQ={freq};INTERVAL={self.interval};COUNT={self.count}"
        if freq == "MONTHLY" and first is not None:
            text += self._monthly_parts(first)[1]
        return text

    def local_starts(self, first: datetime) -> list[datetime]:
        """Naive local start times: the local time of day is kept across clock changes."""
        if self.frequency == "weekly":
            return list(rrule(WEEKLY, interval=self.interval, count=self.count, dtstart=first))
        parts = self._monthly_parts(first)[0]
        return list(
            rrule(MONTHLY, interval=self.interval, count=self.count, dtstart=first, **parts)
        )


def series_windows(data: dict, recurrence: Recurrence | None) -> list[tuple[datetime, datetime]]:
    """(start, end) in UTC of every meeting the form would schedule."""
    starts, ends = meeting_window(data)
    if recurrence is None:
        return [(starts, ends)]
    zone = ZoneInfo(data["timezone"])
    duration = ends - starts
    windows = []
    for local in recurrence.local_starts(starts.astimezone(zone).replace(tzinfo=None)):
        start_utc = local.replace(tzinfo=zone).astimezone(UTC)
        windows.append((start_utc, start_utc + duration))
    return windows


def _stations_from(ids: list[int]) -> list[Organisation]:
    if not ids:
        raise FieldError("station_ids", _("Choose at least one station."))
    stations = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_(ids), Organisation.kind.in_(STATION_KINDS)
            )
        )
    )
    if len(stations) != len(set(ids)):
        raise FieldError("station_ids", _("Choose police stations or posts from the list."))
    return stations


def _facilitators_from(ids: list[int]) -> list[User]:
    if not ids:
        return []
    users = list(
        db.session.scalars(
            select(User).where(
                User.id.in_(ids), User.active.is_(True), User.role.in_(list(NGO_ROLES))
            )
        )
    )
    if len(users) != len(set(ids)):
        raise FieldError("facilitator_ids", _("Choose facilitators from the list."))
    return users


def _check_kind(user: User, kind: MeetingKind) -> None:
    if kind not in editable_kinds(user):
        raise FieldError("kind", _("You can schedule trainings only."))


def _apply_fields(meeting: Meeting, data: dict) -> None:
    for name in MEETING_FIELDS:
        if name in data:
            value = data[name]
            setattr(meeting, name, value.strip() if isinstance(value, str) else value)
    meeting.kind = MeetingKind(data["kind"])
    meeting.timezone = data["timezone"]
    meeting.organiser_id = data.get("organiser_id") or None


def new_uid() -> str:
    return f"meeting-{uuid.uuid4()}@partnership-manager"


def create_meetings(data: dict, user: User, recurrence: Recurrence | None = None) -> list[Meeting]:
    """Schedule one meeting, or a series of them from ``recurrence``; the first is returned
    first. Conflicts are not checked here: the view warns with ``find_conflicts`` first."""
    _check_kind(user, MeetingKind(data["kind"]))
    starts, ends = meeting_window(data)
    stations = _stations_from(data["station_ids"])
    facilitators = _facilitators_from(data.get("facilitator_ids") or [])
    zone = ZoneInfo(data["timezone"])
    windows = series_windows(data, recurrence)
    series = None
    if recurrence is not None:
        first_local = starts.astimezone(zone).replace(tzinfo=None)
        series = MeetingSeries(
            rule=recurrence.rule(first_local), timezone=data["timezone"], created_by_id=user.id
        )
        db.session.add(series)
    created = []
    for start_utc, end_utc in windows:
        meeting = Meeting(
            uid=new_uid(),
            status=MeetingStatus.PROPOSED,
            starts_at=start_utc,
            ends_at=end_utc,
            created_by_id=user.id,
            series=series,
        )
        _apply_fields(meeting, data)
        meeting.stations = list(stations)
        meeting.facilitators = list(facilitators)
        db.session.add(meeting)
        created.append(meeting)
    db.session.flush()
    for meeting in created:
        log_status(meeting, user, None, MeetingStatus.PROPOSED)
    db.session.flush()
    carry_concerns_forward(created[0], user)
    return created


def occurrences_from(meeting: Meeting) -> list[Meeting]:
    """This meeting and the later ones of its series that have not happened or been cancelled."""
    if meeting.series_id is None:
        return [meeting]
    later = db.session.scalars(
        select(Meeting)
        .where(
            Meeting.series_id == meeting.series_id,
            Meeting.starts_at > meeting.starts_at,
            Meeting.status.in_(list(OPEN_STATUSES)),
        )
        .options(selectinload(Meeting.stations), selectinload(Meeting.facilitators))
        .order_by(Meeting.starts_at)
    )
    return [meeting, *later]


def update_meeting(meeting: Meeting, data: dict, user: User, scope: str = "this") -> list[Meeting]:
    """Save an edit to this meeting, or to this and the following meetings of its series.

    For the following ones the change of date (in days), the new local time of day and the new
    duration are applied to each, so a quarterly series moved to 14:00 stays at 14:00 locally.
    """
    _check_kind(user, MeetingKind(data["kind"]))
    if not can_edit_meeting(user, meeting):
        raise FieldError("kind", _("You can edit trainings only."))
    if meeting.status in HAPPENED_STATUSES | {MeetingStatus.CANCELLED}:
        moved = meeting_window(data) != (meeting.starts_at, meeting.ends_at)
        if moved:
            raise FieldError(
                "start_date",
                _("This meeting was held or cancelled; its date can no longer change."),
            )
    starts, ends = meeting_window(data)
    stations = _stations_from(data["station_ids"])
    facilitators = _facilitators_from(data.get("facilitator_ids") or [])
    zone = ZoneInfo(data["timezone"])
    old_local = meeting.local_start
    new_local = starts.astimezone(zone)
    day_shift = new_local.date() - old_local.date()
    duration = ends - starts
    targets = occurrences_from(meeting) if scope == "following" else [meeting]
    changed = []
    for target in targets:
        if target is meeting:
            new_start, new_end = starts, ends
        else:
            target_day = target.local_start.date() + day_shift
            new_start = local_to_utc(target_day, new_local.time(), zone, "start_time")
            new_end = new_start + duration
        moved = (new_start, new_end) != (target.starts_at, target.ends_at)
        _apply_fields(target, data)
        target.starts_at, target.ends_at = new_start, new_end
        if {s.id for s in target.stations} != {s.id for s in stations}:
            target.stations = list(stations)
        if {u.id for u in target.facilitators} != {u.id for u in facilitators}:
            target.facilitators = list(facilitators)
        if moved or db.session.is_modified(target):
            target.sequence = (target.sequence or 0) + 1
        changed.append(target)
    if scope == "this" and meeting.series_id is not None and data.get("detach"):
        meeting.series_id = None
    db.session.flush()
    for target in changed:
        meeting_rescheduled.send(target)
    return changed
