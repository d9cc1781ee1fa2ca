"""Demo curricula: modules (one in its second version, with a question bank), adoption by the
academies, three training meetings (held) with registers and scores (one two-day training at Kisauni where a
participant missed a day), and certificates for those who completed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from curricula.models import (
    Adoption,
    AdoptionStatus,
    Audience,
    Module,
    Participant,
    Question,
    Training,
)
from curricula.services.certificates import issue_certificates
from meetings.models import (
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from meetings.services.scheduling import new_uid
from partnership.accounts.models import User
from partnership.extensions import db
from partnership.organisations.models import Organisation, OrganisationKind, Person, PersonKind

MODULES = [
    # code, version, title, audience, hours, max, pass mark
    ("HR-101", 1, "HIV, drug use and harm reduction: the basics", Audience.OPERATIONAL, 4, 20, 12),
    ("HR-101", 2, "HIV, drug use and harm reduction: the basics", Audience.OPERATIONAL, 4, 20, 12),
    ("HR-102", 1, "Referring people who use drugs to services", Audience.OPERATIONAL, 3, 20, 12),
    ("HR-201", 1, "Policing that supports public health: for command staff",
     Audience.SENIOR_COMMAND, 3, 10, 6),
    ("HR-301", 1, "Teaching harm reduction at the police academy", Audience.ACADEMY_FACULTY, 8,
     20, 14),
]  # fmt: skip

QUESTIONS = [
    ("Which service gives out sterile needles and syringes?", "A. NSP\nB. Police post\nC. Court",
     "A", 2),
    ("Is carrying a clean syringe, by itself, a reason to arrest?", "A. Yes\nB. No", "B", 2),
    ("What does naloxone do?", "A. Reverses an opioid overdose\nB. Treats HIV", "A", 2),
]  # fmt: skip


def seed_curricula(today: date | None = None) -> None:
    today = today or date.today()
    modules = {}
    for code, version, title, audience, hours, max_score, pass_mark in MODULES:
        module = Module(
            code=code, version_number=version, title=title, audience=audience,
            duration_hours=hours, max_score=max_score, pass_mark=pass_mark,
            objectives="Explain how harm reduction services prevent HIV.\n"
                       "Describe how police practice affects access to services.",
            outline="1. HIV and drug use in the county\n2. Harm reduction services\n"
                    "3. The officer's role: referral instead of arrest",
            source="Programme curriculum, adapted from the UNODC training manual for law "
                   "enforcement officials on HIV service provision",
        )  # fmt: skip
        db.session.add(module)
        modules[(code, version)] = module
    for n, (text, options, key, points) in enumerate(QUESTIONS, start=1):
        modules[("HR-101", 2)].questions.append(
            Question(position=n, text=text, options=options, answer_key=key, points=points)
        )
    db.session.flush()

    centres = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.TRAINING_CENTRE)
            .order_by(Organisation.name)
        )
    )
    steps = [AdoptionStatus.INSTITUTIONALISED, AdoptionStatus.PILOTED, AdoptionStatus.PROPOSED,
             AdoptionStatus.ADOPTED, AdoptionStatus.PROPOSED]  # fmt: skip
    for i, centre in enumerate(centres):
        status = steps[i % len(steps)]
        adoption = Adoption(centre_id=centre.id, module_code="HR-101", status=status,
                            evidence="Letter of intent from the academy's director")  # fmt: skip
        for rank, step in enumerate(list(AdoptionStatus)[: status.rank + 1]):
            setattr(adoption, f"{step.value}_on", today - timedelta(days=400 - 90 * rank))
        db.session.add(adoption)

    def station(name: str) -> Organisation:
        return db.session.scalar(select(Organisation).where(Organisation.name == name))

    def officers_of(*names: str) -> list[Person]:
        return list(
            db.session.scalars(
                select(Person)
                .join(Organisation, Organisation.id == Person.organisation_id)
                .where(Person.kind == PersonKind.OFFICER, Organisation.name.in_(names))
                .order_by(Person.id)
            )
        )

    plans = [
        # title, modules, stations, days ago, days, scores (pre, post) per officer
        ("Harm reduction for Kisauni and Nyali officers", [("HR-101", 1), ("HR-102", 1)],
         ["Kisauni Police Station", "Nyali Police Station", "Bamburi Police Station"], 150, 2,
         [(8, 15), (10, 17), (6, 9), (11, 18), (9, 16), (7, 14)]),
        ("Command staff briefing, Mombasa", [("HR-201", 1)],
         ["Central Police Station", "Makupa Police Station"], 60, 1,
         [(4, 8), (5, 9), (3, 6), (6, None)]),
        ("Almaty district officers: harm reduction", [("HR-101", 2)],
         ["Almalinsky District Police Station", "Auezovsky District Police Station"], 30, 1,
         [(2, 6), (4, 6)]),
    ]  # fmt: skip
    trainer = db.session.scalar(select(User).where(User.email == "trainer@demo.example"))
    ngo = db.session.scalar(
        select(Organisation).where(Organisation.name == "Muslim Education and Welfare Association")
    )
    for title, module_keys, station_names, ago, days, scores in plans:
        start = today - timedelta(days=ago)
        zone_name = "Asia/Almaty" if "Almaty" in title else "Africa/Nairobi"
        zone = ZoneInfo(zone_name)
        meeting = Meeting(
            uid=new_uid(), kind=MeetingKind.TRAINING, title=title, status=MeetingStatus.HELD,
            starts_at=datetime.combine(start, time(9, 0), zone),
            ends_at=datetime.combine(start + timedelta(days=days - 1), time(16, 0), zone),
            timezone=zone_name, organiser_id=ngo.id if ngo else None,
            venue="County police headquarters" if "Almaty" not in title else "Almaty police academy",
            objectives="Officers know the harm reduction services and refer instead of arresting.",
            created_by_id=trainer.id if trainer else None,
        )  # fmt: skip
        meeting.stations = [station(n) for n in station_names]
        db.session.add(meeting)
        db.session.flush()
        first = modules[module_keys[0]]
        training = Training(meeting=meeting, starts_on=start, day_count=days,
                            max_score=first.max_score, pass_mark=first.pass_mark)  # fmt: skip
        training.modules = [modules[k] for k in module_keys]
        if first.questions:
            training.question_module_id = first.id
            training.max_score = sum(q.points for q in first.questions)
            training.pass_mark = 4
        db.session.add(training)
        for n, (officer, (pre, post)) in enumerate(
            zip(officers_of(*station_names), scores, strict=False)
        ):
            attendee = Attendee(meeting_id=meeting.id, person_id=officer.id,
                                station_id=officer.organisation_id, rank=officer.rank,
                                unit=officer.unit)  # fmt: skip
            for d, day in enumerate(meeting.days):
                # In the two-day training one participant missed the second day.
                missed = days > 1 and n == 2 and d == 1
                status = AttendanceStatus.ABSENT if missed else AttendanceStatus.PRESENT
                attendee.marks.append(AttendanceMark(day=day, status=status))
            db.session.add(attendee)
            db.session.flush()
            db.session.add(Participant(training=training, attendee_id=attendee.id,
                                       pre_score=pre, post_score=post))  # fmt: skip
        db.session.flush()
        issue_certificates(training)
    db.session.flush()
