"""Lists of meetings: the filtered list, the calendar and the stations due a visit."""

from __future__ import annotations

import calendar as calendar_module
from datetime import UTC, date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from meetings import exports
from meetings.models import (
    MEETING_KIND_LABELS,
    MEETING_STATUS_LABELS,
    Meeting,
)
from meetings.services import due, queries
from meetings.views import bp
from partnership.caching import render_kept, valid_until
from partnership.extensions import db
from partnership.jobs.exports import ExportSource, ListExport, list_export, register_export
from partnership.organisations import services as org_services
from partnership.pagination import (
    arg_bool,
    arg_date,
    arg_int,
    arg_str,
    paginate_parts,
    parse_iso_date,
)
from partnership.permissions import station_scope
from partnership.spreadsheets import send_table, streamed

# ---- lists and calendar ------------------------------------------------------------------------


def _filters() -> queries.MeetingFilters:
    return queries.MeetingFilters(
        station_id=arg_int("station"),
        command_id=arg_int("command"),
        country=arg_str("country"),
        organiser_id=arg_int("organiser"),
        kind=arg_str("kind"),
        status=arg_str("status"),
        q=arg_str("q"),
        upcoming=arg_bool("upcoming"),
        held=arg_bool("held"),
        starts_from=arg_date("from"),
        starts_to=arg_date("to"),
    )


def _filter_choices() -> dict:
    unscoped = station_scope(current_user) is None
    return {
        "kinds": MEETING_KIND_LABELS,
        "statuses": MEETING_STATUS_LABELS,
        "stations": org_services.station_choices(current_user),
        "commands": org_services.commands() if unscoped else [],
        "countries": org_services.programme_countries(arg_str("country")) if unscoped else [],
        "organisers": queries.organiser_choices() if unscoped else [],
    }


@bp.get("/")
def meeting_index():
    # Kept rendered until a write changes what it was read from, or the next meeting ends
    # (the list puts those not yet over first; partnership.caching).
    return render_kept(
        "meetings/meeting_list.html", "meetings/_meeting_list_body.html", _list_context
    )


def _list_context() -> dict:
    filters = _filters()
    now = queries.utcnow()
    page = paginate_parts(
        *queries.meeting_list_parts(current_user, filters, now),
        lambda ids: queries.meeting_list_rows(ids, now),
    )
    queries.kept_until_next_end()
    return {"page": page, "filters": filters, **_filter_choices()}


def _meetings_export(user) -> ExportSource:  # noqa: ANN001
    query = queries.meeting_query(user, _filters())
    return ExportSource(query, lambda: exports.meetings_table(streamed(query)))


register_export(
    ListExport("meetings", "meetings", "meetings.meeting_index", _l("Meetings"), _meetings_export)
)


@bp.get("/export.<fmt>")
def meeting_export(fmt: str):
    return list_export("meetings", fmt)


def parse_day(value: str) -> date:
    return parse_iso_date(value) or datetime.now(UTC).date()


@bp.get("/calendar")
def meeting_calendar():
    """A month or a week of meetings, each placed on its local day; kept rendered until a write
    changes what it was read from (partnership.caching)."""
    return render_kept(
        "meetings/meeting_calendar.html", "meetings/_meeting_calendar_body.html", _calendar_context
    )


def _calendar_context() -> dict:
    view = "week" if arg_str("view") == "week" else "month"
    anchor = parse_day(arg_str("date"))
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        month_start = anchor.replace(day=1)
        first = month_start - timedelta(days=month_start.weekday())
        days_in_month = calendar_module.monthrange(anchor.year, anchor.month)[1]
        month_end = anchor.replace(day=days_in_month)
        last = month_end + timedelta(days=6 - month_end.weekday())
        previous = (month_start - timedelta(days=1)).replace(day=1)
        following = month_end + timedelta(days=1)
    # A day later and earlier than the grid: meetings are placed on their own local day.
    window_start = datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC)
    window_end = datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC)
    filters = _filters()
    stmt = queries.meeting_list_query(current_user, filters, window_start, window_end).limit(500)
    by_day: dict[date, list[Meeting]] = {}
    for meeting in db.session.scalars(stmt):
        for day in meeting.days:
            by_day.setdefault(day, []).append(meeting)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    today = datetime.now(UTC).date()
    # The grid marks today (a UTC day): kept until the next one begins at most.
    valid_until(datetime.combine(today + timedelta(days=1), time.min, tzinfo=UTC))
    return {
        "view": view,
        "anchor": anchor,
        "weeks": weeks,
        "by_day": by_day,
        "today": today,
        "previous": previous,
        "following": following,
        "filters": filters,
        **_filter_choices(),
    }


@bp.get("/due")
def meeting_due():
    """Stations due for a visit, most overdue first."""
    # Kept rendered until a write changes what it was read from, or the first next meeting
    # shown starts (partnership.caching).
    return render_kept("meetings/meeting_due.html", "meetings/_meeting_due_body.html", _due_context)


def _due_context() -> dict:
    filters = _filters()
    state = arg_str("state")
    rows = due.in_state(due.due_stations(current_user, filters), state)
    per_page = 50
    page_number = max(arg_int("page") or 1, 1)
    pages = max((len(rows) + per_page - 1) // per_page, 1)
    shown = rows[(page_number - 1) * per_page : page_number * per_page]
    choices = _filter_choices()
    return {
        "rows": shown,
        "total": len(rows),
        "median_days_since": due.median_days_since(rows),
        "page_number": page_number,
        "pages": pages,
        "filters": filters,
        "commands": choices["commands"],
        "countries": choices["countries"],
        "state": state,
        "due_states": due.DUE_STATES,
    }


@bp.get("/due/export.<fmt>")
def meeting_due_export(fmt: str):
    rows = due.in_state(due.due_stations(current_user, _filters()), arg_str("state"))
    return send_table(exports.due_table(rows), "stations-due-for-a-visit", fmt)
