"""The meetings blueprint; its views live in one module per aggregate."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Blueprint
from flask_babel import format_date, format_time

from meetings.models import Meeting
from partnership.i18n import zone_label

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


# ---- template helpers --------------------------------------------------------------------------


@bp.app_template_global()
def meeting_when(meeting: Meeting) -> str:
    """“Monday, 5 January 2026, 10:00–12:00 (Nairobi, UTC+3)” in the meeting's own zone, the
    zone's city in the reader's language."""
    start, end = meeting.local_start, meeting.local_end
    first = format_date(start.date(), "full")
    start_t = format_time(start, "short", rebase=False)
    end_t = format_time(end, "short", rebase=False)
    if start.date() == end.date():
        text = f"{first}, {start_t}–{end_t}"
    else:
        text = f"{first}, {start_t} – {format_date(end.date(), 'full')}, {end_t}"
    return f"{text} ({zone_label(meeting.timezone, meeting.starts_at)})"


@bp.app_template_global()
def meeting_local_time(meeting: Meeting) -> str:
    return format_time(meeting.local_start, "short", rebase=False)


@bp.app_template_global()
def today_utc() -> date:
    return datetime.now(UTC).date()


@bp.record_once
def _connect_receivers(_state) -> None:  # noqa: ANN001
    """Meetings hears of concerns logged below it: one logged at a station with a meeting
    coming goes straight onto that meeting's agenda."""
    from meetings.services.agenda import connect_receivers

    connect_receivers()


from meetings.views import agenda, bulk, feeds, lifecycle, lists, register, scheduling  # noqa: E402, F401
