"""Helpers to create meetings in tests through the same services as the web."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask


def create_meeting(
    app: Flask,
    stations,  # noqa: ANN001
    *,
    title: str = "Sensitisation meeting",
    kind: str = "sensitisation",
    starts: datetime | None = None,
    hours: float = 2,
    timezone: str = "Africa/Nairobi",
    status: str = "proposed",
    facilitators=(),  # noqa: ANN001
    security_notes: str = "",
    organiser=None,  # noqa: ANN001
) -> int:
    from meetings.models import Meeting, MeetingStatus, meeting_facilitators, meeting_stations
    from meetings.services.scheduling import new_uid
    from partnership.extensions import db

    starts = starts or (datetime.now(UTC) + timedelta(days=7)).replace(
        hour=7, minute=0, second=0, microsecond=0
    )
    with app.app_context():
        meeting = Meeting(
            uid=new_uid(),
            kind=kind,
            title=title,
            status=MeetingStatus(status),
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            timezone=timezone,
            security_notes=security_notes,
            organiser_id=organiser.id if organiser is not None else None,
        )
        db.session.add(meeting)
        db.session.flush()
        for s in stations:
            db.session.execute(
                meeting_stations.insert().values(meeting_id=meeting.id, station_id=s.id)
            )
        for u in facilitators:
            db.session.execute(
                meeting_facilitators.insert().values(meeting_id=meeting.id, user_id=u.id)
            )
        db.session.commit()
        meeting_id = meeting.id
        db.session.remove()
    return meeting_id


def local(day: str, at: str, zone: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{at}").replace(tzinfo=ZoneInfo(zone))
