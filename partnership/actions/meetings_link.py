"""What the loop needs to know about meetings, read through the meetings tables themselves.

Dependencies point one way (meetings builds on the partnership domains), so this package does
not import ``meetings``; it reads the ``meetings`` and ``meeting_stations`` tables from the shared
metadata. Without the meetings tables (an older database) every function answers "no meeting".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Table, select

from partnership.extensions import db
from partnership.mixins import utcnow

HELD = ("held", "minutes_recorded")
UPCOMING = ("proposed", "confirmed", "postponed")


@dataclass
class MeetingRef:
    id: int
    title: str
    status: str
    starts_at: datetime
    timezone: str

    @property
    def local_date(self) -> date:
        return self.starts_at.astimezone(ZoneInfo(self.timezone)).date()


def _tables() -> tuple[Table, Table] | tuple[None, None]:
    meetings = db.metadata.tables.get("meetings")
    link = db.metadata.tables.get("meeting_stations")
    if meetings is None or link is None:
        return None, None
    return meetings, link


def _ref(row) -> MeetingRef | None:  # noqa: ANN001
    if row is None:
        return None
    starts = row.starts_at
    return MeetingRef(row.id, row.title, str(row.status), starts, row.timezone or "UTC")


def _select(meetings: Table):  # noqa: ANN202
    return select(
        meetings.c.id,
        meetings.c.title,
        meetings.c.status,
        meetings.c.starts_at,
        meetings.c.timezone,
    )


def get_meeting(meeting_id: int) -> MeetingRef | None:
    meetings, _link = _tables()
    if meetings is None:
        return None
    return _ref(db.session.execute(_select(meetings).where(meetings.c.id == meeting_id)).first())


def meeting_station_ids(meeting_id: int) -> list[int]:
    _meetings, link = _tables()
    if link is None:
        return []
    return list(
        db.session.scalars(select(link.c.station_id).where(link.c.meeting_id == meeting_id))
    )


def last_held_meeting(station_id: int) -> MeetingRef | None:
    meetings, link = _tables()
    if meetings is None:
        return None
    stmt = (
        _select(meetings)
        .join(link, link.c.meeting_id == meetings.c.id)
        .where(link.c.station_id == station_id, meetings.c.status.in_(HELD))
        .order_by(meetings.c.starts_at.desc(), meetings.c.id.desc())
        .limit(1)
    )
    return _ref(db.session.execute(stmt).first())


def has_upcoming_meeting(station_id: int) -> bool:
    meetings, link = _tables()
    if meetings is None:
        return False
    stmt = (
        select(meetings.c.id)
        .join(link, link.c.meeting_id == meetings.c.id)
        .where(
            link.c.station_id == station_id,
            meetings.c.status.in_(UPCOMING),
            meetings.c.ends_at >= utcnow(),
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None
