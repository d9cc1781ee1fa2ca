"""A year of station work for the demo: held meetings with registers and minutes, stations that
are overdue, upcoming visits, and a two-day joint workshop in Almaty. Everyone is invented."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from meetings.models import (
    AgendaItem,
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    Decision,
    Meeting,
    MeetingKind,
    MeetingSeries,
    MeetingStatus,
    MeetingStatusChange,
    MinutesRevision,
)
from meetings.services.scheduling import new_uid
from partnership.accounts.models import User
from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation, Person, PersonKind

# How many days ago each Kenyan station was last visited; None: never. Several are overdue.
LAST_VISIT_DAYS_AGO = {
    "Kisauni Police Station": 20, "Central Police Station": 45, "Makupa Police Station": 130,
    "Nyali Police Station": 70, "Likoni Police Station": 160, "Changamwe Police Station": 95,
    "Port Police Station": 210, "Bamburi Police Station": 30, "Shanzu Police Station": None,
    "Mtongwe Police Post": 250, "Frere Town Police Post": 60, "Jomvu Police Station": 115,
}  # fmt: skip
AGENDA = ["Welcome and introductions", "Harm reduction services near the station",
          "Concerns raised by outreach workers", "Police referral slips", "Next steps"]  # fmt: skip


def _at(day: date, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def _meeting(kind, title, stations, day, zone, status, *, hours=2, days=1, **extra) -> Meeting:  # noqa: ANN001, ANN003
    starts = _at(day, 10 if days == 1 else 9, zone)
    ends = (
        starts + timedelta(hours=hours) if days == 1 else _at(day + timedelta(days - 1), 17, zone)
    )
    meeting = Meeting(uid=new_uid(), kind=kind, title=title, starts_at=starts, ends_at=ends,
                      timezone=zone, status=status, **extra)  # fmt: skip
    meeting.stations = list(stations)
    db.session.add(meeting)
    return meeting


def _register(meeting: Meeting, people: list[Person], absent_every: int = 4) -> None:
    for i, person in enumerate(people):
        attendee = Attendee(meeting=meeting, person=person, station_id=person.organisation_id,
                            rank=person.rank, unit=person.unit)  # fmt: skip
        db.session.add(attendee)
        for day in meeting.days:
            status = (
                AttendanceStatus.ABSENT if (i + 1) % absent_every == 0 else AttendanceStatus.PRESENT
            )
            if i == 1 and day != meeting.days[0]:
                status = AttendanceStatus.LATE
            attendee.marks.append(AttendanceMark(day=day, status=status))


def seed_meetings() -> None:
    today = datetime.now(UTC).date()
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.example"))
    trainer = db.session.scalar(select(User).where(User.email == "trainer@demo.example"))
    stations = {
        s.name: s
        for s in db.session.scalars(
            select(Organisation).where(Organisation.kind.in_(STATION_KINDS))
        )
    }
    ngo = coordinator.organisation if coordinator else None
    staff = list(db.session.scalars(select(Person).where(Person.kind == PersonKind.NGO_STAFF)))
    reps = list(db.session.scalars(select(Person).where(Person.kind == PersonKind.COMMUNITY_REP)))
    officers: dict[int, list[Person]] = {}
    for p in db.session.scalars(select(Person).where(Person.kind == PersonKind.OFFICER)):
        officers.setdefault(p.organisation_id, []).append(p)
    common = {"organiser": ngo, "created_by_id": coordinator.id if coordinator else None,
              "venue": "Station briefing room"}  # fmt: skip

    for name, days_ago in LAST_VISIT_DAYS_AGO.items():
        station = stations.get(name)
        if station is None:
            continue
        zone = station.timezone
        held_days = [] if days_ago is None else [days_ago, days_ago + 95, days_ago + 190]
        for n, ago in enumerate(d for d in held_days if d < 365):
            kind = MeetingKind.SENSITISATION if n % 2 == 0 else MeetingKind.STATION_VISIT
            meeting = _meeting(kind, f"{kind.label}: {station.name}", [station],
                               today - timedelta(days=ago), zone,
                               MeetingStatus.MINUTES_RECORDED if n else MeetingStatus.HELD,
                               objectives="Agree how officers refer people who use drugs to services.",
                               expected_participants=12, **common)  # fmt: skip
            if coordinator:
                meeting.facilitators = [coordinator]
            _register(meeting, officers.get(station.id, []) + staff[:2] + reps[:1])
            for pos, title in enumerate(AGENDA, start=1):
                db.session.add(AgendaItem(meeting=meeting, position=pos, title=title))
            if n:
                db.session.add(MinutesRevision(meeting=meeting, number=1, user_id=common["created_by_id"],
                                               body="Officers raised concerns about syringes found "
                                               "during searches. The NGO explained the needle and "
                                               "syringe programme and the referral slips."))  # fmt: skip
                db.session.add(Decision(meeting=meeting, text="Station to nominate a focal "
                                        "point for referrals."))  # fmt: skip
        # Coming work: overdue stations get a proposed visit, a few a confirmed one.
        if days_ago is None or days_ago > (station.target_visit_days or 90) - 20:
            status = MeetingStatus.CONFIRMED if (days_ago or 0) % 2 == 0 else MeetingStatus.PROPOSED
            visit = _meeting(MeetingKind.STATION_VISIT, f"Station visit: {station.name}", [station],
                             today + timedelta(days=7 + len(name) % 20), zone, status,
                             security_notes="Do not bring client lists; meet the OCS in person.",
                             **common)  # fmt: skip
            if coordinator:
                visit.facilitators = [coordinator]

    # Kisauni: a quarterly series for the coming year, and a cancelled visit with its reason.
    kisauni = stations.get("Kisauni Police Station")
    if kisauni is not None:
        series = MeetingSeries(rule="FREQ=MONTHLY;INTERVAL=3;COUNT=4", timezone=kisauni.timezone,
                               created_by_id=common["created_by_id"])  # fmt: skip
        db.session.add(series)
        for q in range(4):
            m = _meeting(MeetingKind.SENSITISATION, "Quarterly sensitisation: Kisauni", [kisauni],
                         today + timedelta(days=30 + 91 * q), kisauni.timezone,
                         MeetingStatus.CONFIRMED if q == 0 else MeetingStatus.PROPOSED,
                         series=series, **common)  # fmt: skip
            if coordinator:
                m.facilitators = [coordinator]
        cancelled = _meeting(MeetingKind.STATION_VISIT, "Station visit: Kisauni", [kisauni],
                             today - timedelta(days=50), kisauni.timezone, MeetingStatus.CANCELLED,
                             status_reason="Station on election duty", **common)  # fmt: skip
        db.session.flush()
        db.session.add(MeetingStatusChange(meeting_id=cancelled.id, to_status=MeetingStatus.CANCELLED,
                                           from_status=MeetingStatus.CONFIRMED,
                                           reason="Station on election duty"))  # fmt: skip

    # A two-day joint workshop in Almaty, held two months ago, with its register.
    almaty = [s for s in stations.values() if s.timezone == "Asia/Almaty"]
    if almaty:
        workshop = _meeting(MeetingKind.JOINT_WORKSHOP, "Joint police–NGO workshop: Almaty",
                            almaty, today - timedelta(days=60), "Asia/Almaty",
                            MeetingStatus.MINUTES_RECORDED, days=2, venue="Hotel Kazakhstan, hall B",
                            objectives="Two days with police, harm reduction staff and community "
                            "representatives on referral pathways.", expected_participants=30,
                            organiser=db.session.scalar(select(Organisation).where(
                                Organisation.name == "Almaty Harm Reduction Alliance")))  # fmt: skip
        if trainer:
            workshop.facilitators = [trainer]
        _register(workshop, [p for s in almaty for p in officers.get(s.id, [])])
        db.session.add(MinutesRevision(meeting=workshop, number=1, body="Day 1: referral pathways. "
                                       "Day 2: joint action plan for the two districts."))  # fmt: skip
    db.session.flush()
    # Each meeting's history starts with its proposal.
    for meeting in db.session.scalars(select(Meeting)):
        if not meeting.status_changes:
            db.session.add(MeetingStatusChange(meeting_id=meeting.id, to_status=meeting.status))
    db.session.flush()


def tie_loop_to_meetings() -> None:
    """After the demo's concerns and action points exist: the high-priority point was agreed
    at Kisauni's last held meeting, and concerns at stations with a meeting coming up are on
    its agenda."""
    from meetings.services.agenda import last_held_meeting, stations_with_coming_meeting
    from partnership.actions.models import ActionPoint
    from partnership.actions.services.concerns import put_station_concerns_on_agenda

    names = ("Kisauni Police Station", "Likoni Police Station", "Makupa Police Station")
    stations = list(db.session.scalars(select(Organisation).where(Organisation.name.in_(names))))
    kisauni = next((s for s in stations if s.name == names[0]), None)
    brief = db.session.scalar(
        select(ActionPoint).where(
            ActionPoint.title == "Brief night patrols that NSP kits are legal to carry"
        )
    )
    held = last_held_meeting(kisauni.id) if kisauni is not None else None
    if held is not None and brief is not None:
        brief.origin_meeting_id = held.id
    put_station_concerns_on_agenda(sorted(stations_with_coming_meeting([s.id for s in stations])))
    db.session.flush()
