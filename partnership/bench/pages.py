"""The pages the bench loads, who loads them, and the target each must meet.

Detail pages open their largest record (the meeting with the longest register, the station with
the most history, ...), found in the built database, so a page that grows with its record shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from partnership.extensions import db

# Targets of the issue "programme scale", as ratios to the login page's req/s and p99 latency.
LIST, SUMMARY, EXPORT, BASELINE = "list", "summary", "export", "baseline"
TARGETS = {
    LIST: {"ratio": 0.5, "p99_ms": 150.0},
    SUMMARY: {"ratio": 0.25, "p99_ms": 250.0},
}
MAX_PAGE_BYTES = 200 * 1024
EXPORT_FIRST_BYTE_S = 1.0

ROLES = {
    "admin": "admin@demo.example",
    "coordinator": "coordinator@demo.example",
    "trainer": "trainer@demo.example",
    "viewer": "viewer@demo.example",
    "officer": "officer@demo.example",
    "command-officer": "command-officer@bench.example",
}


@dataclass(frozen=True)
class Page:
    name: str
    role: str | None  # None: not signed in
    path: str
    kind: str


def resolve_pages() -> list[Page]:
    """Every page with the ids of the largest records in this database."""
    from curricula.models import Module, Participant, Training
    from meetings.models import Attendee, Meeting, MeetingKind, meeting_stations
    from partnership.actions.models import ActionPoint, Concern, FollowUp
    from partnership.organisations.models import Person, Posting
    from partnership.referrals.models import Slip

    def largest(column, group):  # noqa: ANN001, ANN202
        return db.session.scalar(
            select(group).group_by(group).order_by(func.count(column).desc(), group).limit(1)
        )

    station = largest(Slip.id, Slip.station_id)
    scheme = largest(Slip.id, Slip.scheme_id)
    meeting = largest(Attendee.id, Attendee.meeting_id)
    workshop = db.session.scalar(
        select(Meeting.id)
        .join(meeting_stations)
        .where(Meeting.kind == MeetingKind.JOINT_WORKSHOP)
        .group_by(Meeting.id)
        .order_by(func.count().desc(), Meeting.id)
        .limit(1)
    )
    training = largest(Participant.id, Participant.training_id) or db.session.scalar(
        select(Training.id).limit(1)
    )
    point = largest(FollowUp.id, FollowUp.action_point_id)
    concern = db.session.scalar(
        select(Concern.id).where(Concern.station_id == station).order_by(Concern.id).limit(1)
    ) or db.session.scalar(select(Concern.id).limit(1))
    person = largest(Posting.id, Posting.person_id) or db.session.scalar(select(Person.id))
    module = db.session.scalar(select(Module.id).order_by(Module.id).limit(1))
    slips = db.session.scalar(select(func.count(Slip.id))) or 0
    points = db.session.scalar(select(func.count(ActionPoint.id))) or 0
    people = db.session.scalar(select(func.count(Person.id))) or 0
    meetings = db.session.scalar(select(func.count(Meeting.id))) or 0
    concerns = db.session.scalar(select(func.count(Concern.id))) or 0

    def deep(total: int) -> int:
        # Half way through the list, like page 4,000 of 8,000 slip pages.
        return max(2, total // 25 // 2)

    c = "coordinator"
    pages = [
        Page("login page", None, "/login", BASELINE),
        # The signed-in frame with a short page in it: what every signed-in page costs at least.
        Page("notifications", c, "/notifications", LIST),
        Page("dashboard", "admin", "/", SUMMARY),
        Page("dashboard", c, "/", SUMMARY),
        Page("dashboard", "trainer", "/", SUMMARY),
        Page("dashboard", "viewer", "/", SUMMARY),
        Page("dashboard", "officer", "/", SUMMARY),
        Page("dashboard", "command-officer", "/", SUMMARY),
        Page("station page", c, f"/stations/{station}", SUMMARY),
        Page("station page", "command-officer", f"/stations/{station}", SUMMARY),
        Page("organisations", c, "/organisations", LIST),
        Page("organisations, search", c, "/organisations?q=Station+1", LIST),
        Page("organisations, filter", c, "/organisations?kind=police_station", LIST),
        Page("organisations, deep page", c, "/organisations?page=10", LIST),
        Page("people", c, "/people", LIST),
        Page("people, search", c, "/people?q=Officer+001", LIST),
        Page("people, filter", c, f"/people?organisation={station}", LIST),
        Page("people, deep page", c, f"/people?page={deep(people)}", LIST),
        Page("person (most postings)", c, f"/people/{person}", LIST),
        Page("concerns", c, "/concerns", LIST),
        Page("concerns, filter", c, "/concerns?status=open", LIST),
        Page("concerns, search", c, "/concerns?q=syringes", LIST),
        Page("concerns, deep page", c, f"/concerns?page={deep(concerns)}", LIST),
        Page("concern", c, f"/concerns/{concern}", LIST),
        Page("action points", c, "/action-points", LIST),
        Page("action points", "command-officer", "/action-points", LIST),
        Page("action points, filter", c, f"/action-points?open=1&station={station}", LIST),
        Page("action points, search", c, "/action-points?q=hotspot", LIST),
        Page("action points, deep page", c, f"/action-points?page={deep(points)}", LIST),
        Page("action point (50 follow-ups)", c, f"/action-points/{point}", LIST),
        Page("my review", "command-officer", "/my-review", LIST),
        Page("loop measures", c, "/measures", SUMMARY),
        Page("loop measures", "viewer", "/measures", SUMMARY),
        Page("station brief", c, f"/stations/{station}/brief", SUMMARY),
        Page("referral schemes", c, "/referrals/", LIST),
        Page("referral measures (scheme)", c, f"/referrals/schemes/{scheme}", SUMMARY),
        Page("referral measures (scheme)", "viewer", f"/referrals/schemes/{scheme}", SUMMARY),
        Page("service points", c, "/referrals/service-points", LIST),
        Page("slips", c, "/referrals/slips", LIST),
        Page("slips", "command-officer", "/referrals/slips", LIST),
        Page("slips, deep page", c, f"/referrals/slips?page={deep(slips)}", LIST),
        Page("slips, search", c, "/referrals/slips?number=R01-00012", LIST),
        Page("slips, filter", c, f"/referrals/slips?station={station}&state=redeemed", LIST),
        Page("slip form", c, "/referrals/slips/new", LIST),
        Page("redemptions", c, "/referrals/redemptions", LIST),
        Page("redemptions, deep page", c, f"/referrals/redemptions?page={deep(slips) // 3}", LIST),
        Page("officer feedback", "command-officer", "/referrals/feedback", SUMMARY),
        Page("meetings", c, "/meetings/", LIST),
        Page("meetings", "command-officer", "/meetings/", LIST),
        Page("meetings, filter", c, "/meetings/?kind=training", LIST),
        Page("meetings, search", c, "/meetings/?q=workshop", LIST),
        Page("meetings, deep page", c, f"/meetings/?page={deep(meetings)}", LIST),
        Page("meeting calendar", c, "/meetings/calendar", LIST),
        Page("stations due for a visit", c, "/meetings/due", LIST),
        Page("meeting (largest register)", c, f"/meetings/{meeting}", LIST),
        Page("joint workshop (30 stations)", c, f"/meetings/{workshop}", LIST),
        Page("station iCalendar feed", c, f"/meetings/stations/{station}.ics", LIST),
        Page("trainings", c, "/curricula/trainings", LIST),
        Page("training (most participants)", c, f"/curricula/trainings/{training}", LIST),
        Page("knowledge gain", c, "/curricula/knowledge", SUMMARY),
        Page("knowledge gain", "viewer", "/curricula/knowledge", SUMMARY),
        Page("coverage", c, "/curricula/coverage", SUMMARY),
        Page("modules", c, "/curricula/modules", LIST),
        Page("module", c, f"/curricula/modules/{module}", LIST),
        Page("adoption", c, "/curricula/adoption", LIST),
        Page("search", c, "/search?q=station+1", LIST),
        Page("search, common word", c, "/search?q=officer", LIST),
        Page("search, reference", c, "/search?q=R01-00012", LIST),
        Page("search, one kind", c, "/search?q=officer&kind=people&page=3", LIST),
        Page("search", "command-officer", "/search?q=officer", LIST),
        Page("accounts", "admin", "/admin/users", LIST),
        Page("audit log", "admin", "/admin/audit", LIST),
        Page("slips CSV", c, "/referrals/slips/export.csv", EXPORT),
        Page("slips Excel", c, "/referrals/slips/export.xlsx", EXPORT),
        Page("redemptions CSV", c, "/referrals/redemptions/export.csv", EXPORT),
        Page("action points CSV", c, "/action-points/export.csv", EXPORT),
        Page("action points Excel", c, "/action-points/export.xlsx", EXPORT),
        Page("concerns CSV", c, "/concerns/export.csv", EXPORT),
        Page("people CSV", c, "/people/export.csv", EXPORT),
        Page("meetings CSV", c, "/meetings/export.csv", EXPORT),
    ]
    return [p for p in pages if "/None" not in p.path and "=None" not in p.path]
