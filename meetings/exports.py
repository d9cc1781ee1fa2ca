"""Row builders for meeting lists and registers (written by partnership.spreadsheets)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from meetings.models import Attendee, Meeting
from partnership.organisations.models import PersonKind
from partnership.spreadsheets import Table


def _local(value) -> str:  # noqa: ANN001
    return value.strftime("%Y-%m-%d %H:%M")


def meetings_table(meetings: Iterable[Meeting]) -> Table:
    """The meeting list; security notes are never exported."""
    headers = [
        _("ID"), _("Title"), _("Kind"), _("Status"), _("Starts (local time)"),
        _("Ends (local time)"), _("Time zone"), _("Stations"), _("Venue"), _("Organiser"),
        _("Expected participants"),
    ]  # fmt: skip
    rows = (
        [
            m.id,
            m.title,
            m.kind.label,
            m.status.label,
            _local(m.local_start),
            _local(m.local_end),
            m.timezone,
            ", ".join(s.name for s in m.stations),
            m.venue,
            m.organiser.name if m.organiser else "",
            m.expected_participants,
        ]  # fmt: skip
        for m in meetings
    )
    return Table(headers, rows, sheet_name=_("Meetings"))


def attendee_name(attendee: Attendee, show_community_names: bool) -> str:
    if attendee.person.kind is PersonKind.COMMUNITY_REP and not show_community_names:
        return _("Community representative")
    return attendee.person.name


def day_header(day) -> str:  # noqa: ANN001
    return day.isoformat()


REGISTER_BASE_HEADERS = ("Name", "Kind", "Station or organisation", "Rank", "Unit")


def register_headers(meeting: Meeting) -> list[str]:
    """Column names of the register file, for export, the import template and the import.

    They stay in English so a file can travel between users of different languages."""
    return [*REGISTER_BASE_HEADERS, *(day_header(d) for d in meeting.days)]


def register_table(
    meeting: Meeting, attendees: Iterable[Attendee], show_community_names: bool
) -> Table:
    rows = []
    for a in attendees:
        rows.append(
            [
                attendee_name(a, show_community_names),
                a.person.kind.value,
                a.station.name if a.station else "",
                a.rank,
                a.unit,
                *((a.status_on(d).value if a.status_on(d) else "") for d in meeting.days),
            ]
        )
    return Table(register_headers(meeting), rows, sheet_name=_("Register"))


def register_template(meeting: Meeting) -> Table:
    """An empty register with the columns the import expects."""
    return Table(register_headers(meeting), [], sheet_name=_("Register"))


def due_table(rows) -> Table:  # noqa: ANN001
    """Stations due for a visit, as on the page: most overdue first."""
    headers = [_("Station"), _("Command"), _("Target interval (days)"), _("Last visit"),
               _("Days since the last visit"), _("Days overdue"), _("Next planned meeting")]  # fmt: skip
    return Table(
        headers,
        (
            [
                r.station.name,
                r.station.command.name if r.station.command else "",
                r.station.target_visit_days,
                r.last_visit.date() if r.last_visit else None,
                r.days_since,
                r.overdue_days,
                r.next_meeting.date() if r.next_meeting else None,
            ]  # fmt: skip
            for r in rows
        ),
        sheet_name=_("Due for a visit"),
    )
