"""Build a programme-scale database for the benchmark.

The demo programme is loaded first (its accounts, schemes, modules and services); on top of it a
national programme is written in bulk through the models' tables (``insert(Model)`` with lists of
rows: executemany), with the values the services would write (month keys, days to verification,
a redemption's station copied from its slip, ...). A deterministic seed makes two builds equal.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import func, insert, select, text

from partnership.extensions import db

BENCH_PASSWORD = "partnership-demo"  # noqa: S105 - the documented demo password
COMMAND_OFFICER_EMAIL = "command-officer@bench.example"
STATION_OFFICER_EMAIL = "station-officer@bench.example"
CHUNK = 5000


@dataclass(frozen=True)
class Sizes:
    """How big a programme to build; the defaults are the programme of issue "programme scale"."""

    commands: int = 10
    stations: int = 300
    officers: int = 8000
    slips: int = 200_000
    redeemed_share: float = 0.4
    action_points: int = 15_000
    follow_ups: int = 45_000
    concerns: int = 3000
    meetings: int = 5000
    attendance_marks: int = 60_000
    trainings: int = 300
    participants: int = 6000
    seed: int = 20261201

    @classmethod
    def tiny(cls) -> Sizes:
        """A few of everything: for the test that proves the bench works."""
        return cls(
            commands=2, stations=6, officers=60, slips=400, action_points=80, follow_ups=200,
            concerns=30, meetings=40, attendance_marks=400, trainings=4, participants=60,
        )  # fmt: skip


def marker_path() -> Path:
    return Path(current_app.instance_path) / "bench-built.json"


def already_built(sizes: Sizes) -> bool:
    """True when this database holds a programme built with exactly these sizes."""
    from partnership.accounts.models import User

    path = marker_path()
    if not path.exists():
        return False
    recorded = json.loads(path.read_text())
    if recorded.get("sizes") != asdict(sizes) or recorded.get("database") != _database_key():
        return False
    return bool(db.session.scalar(select(User.id).where(User.email == COMMAND_OFFICER_EMAIL)))


def _database_key() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _rows(model, rows: Iterable[dict]) -> int:  # noqa: ANN001
    """Insert rows in chunks through the model's table (executemany)."""
    table = model.__table__ if hasattr(model, "__table__") else model
    count = 0
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            db.session.execute(insert(table), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        db.session.execute(insert(table), chunk)
        count += len(chunk)
    return count


class _Ids:
    """Explicit primary keys after the demo's rows, so child rows can point at their parents
    without reading them back."""

    def __init__(self) -> None:
        self.next: dict[str, int] = {}

    def start(self, model) -> int:  # noqa: ANN001
        table = model.__table__
        highest = db.session.scalar(select(func.max(table.c.id))) or 0
        self.next[table.name] = highest + 1
        return highest + 1

    def take(self, model) -> int:  # noqa: ANN001
        name = model.__table__.name
        value = self.next[name]
        self.next[name] = value + 1
        return value


def build(sizes: Sizes, echo=print) -> None:  # noqa: ANN001
    """Load the demo and write the programme on top of it, in one transaction."""
    from curricula.models import Module, Participant, Training, training_modules
    from meetings.models import (
        AttendanceMark,
        Attendee,
        Meeting,
        MeetingKind,
        MeetingStatus,
        meeting_stations,
    )
    from partnership.accounts.models import User
    from partnership.actions.models import (
        ActionPoint,
        ActionStatus,
        Concern,
        ConcernCategory,
        ConcernStatus,
        FollowUp,
        Priority,
        Side,
        action_point_concerns,
    )
    from partnership.audit import set_system_actor
    from partnership.demo import seed
    from partnership.organisations.models import (
        Organisation,
        OrganisationKind,
        Person,
        PersonKind,
        Posting,
    )
    from partnership.referrals.models import (
        Outcome,
        Redemption,
        RedemptionService,
        Route,
        Scheme,
        SchemeStatus,
        ServicePoint,
        ServiceType,
        Slip,
        scheme_partners,
    )
    from partnership.roles import Role

    rng = random.Random(sizes.seed)
    today = date.today()
    now = datetime.now(UTC)
    set_system_actor("bench")
    echo("Loading the demo programme...")
    seed()
    db.session.flush()
    ids = _Ids()
    for model in (Organisation, Person, Posting, User, Scheme, ServicePoint, Slip, Redemption,
                  Concern, ActionPoint, FollowUp, Meeting, Attendee, AttendanceMark, Training,
                  Participant):  # fmt: skip
        ids.start(model)
    stamp = {"created_at": now, "updated_at": now}
    versioned = {**stamp, "version": 1}
    reach_out = db.session.scalar(
        select(Organisation.id).where(Organisation.name == "Reach Out Centre Trust")
    )
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.example"))

    # Commands, stations, services.
    echo(f"Organisations: {sizes.commands} commands, {sizes.stations} stations...")
    organisations: list[dict] = []
    commands: list[int] = []
    stations_of: dict[int, list[int]] = {}
    services_of: dict[int, list[int]] = {}
    per_command = max(1, sizes.stations // sizes.commands)
    for c in range(sizes.commands):
        command_id = ids.take(Organisation)
        commands.append(command_id)
        region = f"Region {c + 1:02d}"
        organisations.append({
            "id": command_id, "kind": OrganisationKind.POLICE_COMMAND, "name":
            f"{region} Police Command", "country": "KE", "region": region, "city": f"Town {c + 1}",
            "command_id": None, "target_visit_days": None, **versioned,
        })  # fmt: skip
        stations_of[command_id] = []
        count = per_command if c < sizes.commands - 1 else sizes.stations - per_command * c
        for s in range(count):
            station_id = ids.take(Organisation)
            stations_of[command_id].append(station_id)
            organisations.append({
                "id": station_id,
                "kind": OrganisationKind.POLICE_POST if s % 7 == 6 else OrganisationKind.POLICE_STATION,
                "name": f"{region} Station {s + 1:02d}", "country": "KE", "region": region,
                "city": f"Town {c + 1}", "command_id": command_id,
                "target_visit_days": rng.choice([60, 90, 90, 120, 180]), **versioned,
            })  # fmt: skip
        services_of[command_id] = []
        for kind_name in ("Drop-in centre", "Health centre"):
            service_id = ids.take(Organisation)
            services_of[command_id].append(service_id)
            organisations.append({
                "id": service_id, "kind": OrganisationKind.SERVICE,
                "name": f"{region} {kind_name}", "country": "KE", "region": region,
                "city": f"Town {c + 1}", "command_id": None, "target_visit_days": None,
                **versioned,
            })  # fmt: skip
    _rows(Organisation, organisations)
    all_stations = [s for c in commands for s in stations_of[c]]
    # One station of the first command carries most of the history ("the busiest station").
    busiest = stations_of[commands[0]][0]
    weights = [8 if s == busiest else 1 for s in all_stations]

    echo(f"People: {sizes.officers} officers with postings...")
    people: list[dict] = []
    postings: list[dict] = []
    officers_at: dict[int, list[int]] = {s: [] for s in all_stations}
    command_of = {s: c for c in commands for s in stations_of[c]}
    ranks = ["Constable"] * 6 + ["Corporal", "Sergeant", "Sergeant", "Inspector", "Chief Inspector"]
    for n in range(sizes.officers):
        person_id = ids.take(Person)
        station = all_stations[n % len(all_stations)]
        officers_at[station].append(person_id)
        people.append({
            "id": person_id, "kind": PersonKind.OFFICER, "name": f"Officer {n + 1:05d}",
            "organisation_id": station, "rank": rng.choice(ranks), "unit": "General duty",
            **versioned,
        })  # fmt: skip
        start = today - timedelta(days=rng.randint(30, 2000))
        if rng.random() < 0.2:
            previous = rng.choice(stations_of[command_of[station]])
            moved = start
            start = moved - timedelta(days=rng.randint(200, 900))
            postings.append({"id": ids.take(Posting), "person_id": person_id,
                             "station_id": previous, "start_date": start, "end_date": moved,
                             **stamp})  # fmt: skip
            start = moved
        postings.append({"id": ids.take(Posting), "person_id": person_id, "station_id": station,
                         "start_date": start, "end_date": None, **stamp})  # fmt: skip
    _rows(Person, people)
    _rows(Posting, postings)

    password_hash = coordinator.password_hash
    users = []
    police_users: dict[int, int] = {}
    for email, name, organisation in (
        (COMMAND_OFFICER_EMAIL, "Commander Region 01", commands[0]),
        (STATION_OFFICER_EMAIL, "Inspector Region 01 Station 01", busiest),
    ):
        user_id = ids.take(User)
        police_users[organisation] = user_id
        users.append({"id": user_id, "email": email, "name": name, "role": Role.OFFICER,
                      "organisation_id": organisation, "password_hash": password_hash,
                      "timezone": "Africa/Nairobi", "active": True, **versioned})  # fmt: skip
    _rows(User, users)

    echo(f"Referrals: {len(commands)} schemes, {sizes.slips} slips...")
    schemes, points, partners = [], [], []
    scheme_of: dict[int, int] = {}
    points_of: dict[int, list[int]] = {}
    start = today - timedelta(days=3 * 365)
    for c, command_id in enumerate(commands):
        scheme_id = ids.take(Scheme)
        scheme_of[command_id] = scheme_id
        schemes.append({
            "id": scheme_id, "name": f"Region {c + 1:02d} referral scheme",
            "status": SchemeStatus.ACTIVE, "start_date": start, "agreement_date": start,
            "services": "nsp,ost,hiv_testing,art,naloxone,legal_aid",
            "slip_number_format": "R##-######", "client_code_rule": "mother2-own2-year-sex",
            "protocol": "Officers give a numbered slip instead of arresting for possession.",
            **versioned,
        })  # fmt: skip
        for org_id in (command_id, *services_of[command_id]):
            partners.append({"scheme_id": scheme_id, "organisation_id": org_id})
        points_of[scheme_id] = []
        for service_id, services in zip(
            services_of[command_id], ("nsp,naloxone", "ost,hiv_testing,art"), strict=True
        ):
            point_id = ids.take(ServicePoint)
            points_of[scheme_id].append(point_id)
            points.append({"id": point_id, "organisation_id": service_id,
                           "name": f"Service point {point_id}", "services": services,
                           "status": "active", "last_checked": today - timedelta(days=30),
                           **versioned})  # fmt: skip
    _rows(Scheme, schemes)
    _rows(scheme_partners, partners)
    _rows(ServicePoint, points)

    routes = [Route.ARREST_DIVERSION] * 4 + [Route.SOCIAL_CONTACT] * 3 + [
        Route.COMMUNITY_REQUEST, Route.CUSTODY, Route.OTHER]  # fmt: skip
    outcomes = [Outcome.REACHED] * 8 + [Outcome.REFERRED_ON, Outcome.DECLINED]
    numbers: dict[int, int] = {}
    span = (today - start).days

    def slips_and_redemptions():  # noqa: ANN202
        for _ in range(sizes.slips):
            station = rng.choices(all_stations, weights=weights)[0]
            scheme_id = scheme_of[command_of[station]]
            numbers[scheme_id] = numbers.get(scheme_id, 0) + 1
            issued = start + timedelta(days=int(rng.triangular(0, span, span)))
            slip_id = ids.take(Slip)
            officers = officers_at[station]
            yield "slip", {
                "id": slip_id, "scheme_id": scheme_id, "station_id": station,
                "number": f"R{commands.index(command_of[station]) + 1:02d}-{numbers[scheme_id]:06d}",
                "officer_id": rng.choice(officers) if officers and rng.random() < 0.7 else None,
                "issued_on": issued, "route": rng.choice(routes), **versioned,
            }  # fmt: skip
            if rng.random() < sizes.redeemed_share:
                redeemed = min(issued + timedelta(days=int(rng.expovariate(1 / 4))), today)
                consent = rng.random() < 0.9
                redemption_id = ids.take(Redemption)
                yield "redemption", {
                    "id": redemption_id, "scheme_id": scheme_id, "slip_id": slip_id,
                    "station_id": station, "walk_in": False, "redeemed_on": redeemed,
                    "service_point_id": rng.choice(points_of[scheme_id]),
                    "client_code": _client_code(rng) if consent else "", "consent": consent,
                    "outcome": rng.choice(outcomes), "follow_up": "", **versioned,
                }  # fmt: skip
                main = rng.choice([ServiceType.NSP, ServiceType.OST, ServiceType.HIV_TESTING])
                yield "service", {"redemption_id": redemption_id, "service": main}
                if rng.random() < 0.3:
                    yield "service", {"redemption_id": redemption_id,
                                      "service": ServiceType.NALOXONE}  # fmt: skip

    buffers: dict[str, list[dict]] = {"slip": [], "redemption": [], "service": []}
    tables = {"slip": Slip, "redemption": Redemption, "service": RedemptionService}
    for kind, row in slips_and_redemptions():
        buffers[kind].append(row)
        if len(buffers["slip"]) >= CHUNK:
            for name in ("slip", "redemption", "service"):
                _rows(tables[name], buffers[name])
                buffers[name] = []
    for name in ("slip", "redemption", "service"):
        _rows(tables[name], buffers[name])

    echo(f"Meetings: {sizes.meetings} meetings, {sizes.trainings} trainings...")
    module_id = db.session.scalar(select(Module.id).order_by(Module.id))
    meetings, links, attendees, marks, trainings, participants, train_modules = (
        [] for _ in range(7)
    )
    open_meeting_ids: list[int] = []
    marks_budget = sizes.attendance_marks
    participants_budget = sizes.participants

    def add_meeting(kind: MeetingKind, stations: list[int], starts: datetime, days: int,
                    status: MeetingStatus, title: str) -> int:  # fmt: skip
        meeting_id = ids.take(Meeting)
        meetings.append({
            "id": meeting_id, "uid": f"meeting-{uuid.UUID(int=rng.getrandbits(128))}@partnership-manager",
            "kind": kind, "title": title, "status": status, "starts_at": starts,
            "ends_at": starts + timedelta(days=days - 1, hours=4), "timezone": "Africa/Nairobi",
            "venue": "Station hall", "organiser_id": reach_out, "sequence": 0,
            "held_at": starts + timedelta(hours=4) if status.happened else None,
            "confirmed_at": starts - timedelta(days=7) if status != MeetingStatus.PROPOSED else None,
            **versioned,
        })  # fmt: skip
        links.extend({"meeting_id": meeting_id, "station_id": s} for s in stations)
        if status.is_open:
            open_meeting_ids.append(meeting_id)
        return meeting_id

    def add_register(meeting_id: int, people_ids: list[int], days: list[date]) -> list[int]:
        added = []
        for person_id in people_ids:
            attendee_id = ids.take(Attendee)
            added.append(attendee_id)
            attendees.append({"id": attendee_id, "meeting_id": meeting_id, "person_id": person_id,
                              "station_id": station_of_person[person_id], "rank": "Constable",
                              "unit": "General duty", **stamp})  # fmt: skip
            for day in days:
                marks.append({"id": ids.take(AttendanceMark), "attendee_id": attendee_id,
                              "day": day, "status": rng.choice(
                                  ["present"] * 7 + ["late", "excused", "absent"])})  # fmt: skip
        return added

    station_of_person = {p: s for s, people_ids in officers_at.items() for p in people_ids}

    def at(day: date) -> datetime:
        return datetime.combine(day, time(6, 0), tzinfo=UTC)

    # The largest records: a held meeting with 300 attendees, an open joint workshop of 30
    # stations (whose agenda carries their open items forward), a training with 60 participants.
    big_stations = stations_of[commands[0]][:30]
    big_people = [p for s in big_stations for p in officers_at[s][:10]][:300]
    big = add_meeting(MeetingKind.SENSITISATION, big_stations, at(today - timedelta(days=20)), 1,
                      MeetingStatus.HELD, "Region 01 sensitisation meeting (all stations)")  # fmt: skip
    add_register(big, big_people, [today - timedelta(days=20)])
    add_meeting(MeetingKind.JOINT_WORKSHOP, big_stations, at(today + timedelta(days=10)), 2,
                MeetingStatus.CONFIRMED, "Region 01 joint police–NGO workshop")  # fmt: skip
    marks_budget -= len(marks)

    training_meetings = max(0, sizes.trainings)
    regular = max(0, sizes.meetings - 2 - training_meetings)
    kinds = [MeetingKind.SENSITISATION] * 5 + [MeetingKind.STATION_VISIT] * 4 + [
        MeetingKind.REVIEW, MeetingKind.WEBINAR]  # fmt: skip
    for n in range(training_meetings):
        station = rng.choice(all_stations)
        command_stations = stations_of[command_of[station]]
        day = today - timedelta(days=rng.randint(5, 3 * 365))
        meeting_id = add_meeting(MeetingKind.TRAINING, [station], at(day), 2, MeetingStatus.HELD,
                                 f"Training {n + 1}: HIV and harm reduction")  # fmt: skip
        size = 60 if n == 0 else max(1, min(participants_budget // max(1, training_meetings - n),
                                            40))  # fmt: skip
        pool = [p for s in command_stations for p in officers_at[s]]
        chosen = rng.sample(pool, min(size, len(pool)))
        attendee_ids = add_register(meeting_id, chosen, [day, day + timedelta(days=1)])
        training_id = ids.take(Training)
        trainings.append({"id": training_id, "meeting_id": meeting_id, "starts_on": day,
                          "day_count": 2, "max_score": 20, "pass_mark": 12, **versioned})  # fmt: skip
        if module_id:
            train_modules.append({"training_id": training_id, "module_id": module_id})
        for attendee_id in attendee_ids:
            pre = rng.randint(3, 15)
            participants.append({
                "id": ids.take(Participant), "training_id": training_id,
                "attendee_id": attendee_id, "pre_score": pre,
                "post_score": min(20, pre + rng.randint(-1, 8)) if rng.random() < 0.9 else None,
                **stamp,
            })  # fmt: skip
        participants_budget -= len(attendee_ids)
    marks_budget = sizes.attendance_marks - len(marks)
    for n in range(regular):
        station = rng.choices(all_stations, weights=weights)[0]
        offset = rng.randint(-3 * 365, 120)
        day = today + timedelta(days=offset)
        if offset < 0:
            status = rng.choice([MeetingStatus.HELD, MeetingStatus.MINUTES_RECORDED,
                                 MeetingStatus.MINUTES_RECORDED, MeetingStatus.CANCELLED])  # fmt: skip
        else:
            status = rng.choice([MeetingStatus.PROPOSED, MeetingStatus.CONFIRMED])
        kind = rng.choice(kinds)
        meeting_id = add_meeting(kind, [station], at(day), 1, status,
                                 f"{kind.label} {n + 1}")  # fmt: skip
        remaining = regular - n
        if status.happened and marks_budget > 0:
            size = max(1, min(marks_budget // max(1, remaining // 2), len(officers_at[station])))
            chosen = rng.sample(officers_at[station], min(size, len(officers_at[station])))
            before = len(marks)
            add_register(meeting_id, chosen, [day])
            marks_budget -= len(marks) - before
    _rows(Meeting, meetings)
    _rows(meeting_stations, links)
    _rows(Attendee, attendees)
    _rows(AttendanceMark, marks)
    _rows(Training, trainings)
    _rows(training_modules, train_modules)
    _rows(Participant, participants)

    echo(f"Problem-solving loop: {sizes.concerns} concerns, {sizes.action_points} action points...")
    concerns, points_rows, follow_ups, point_concerns = [], [], [], []
    categories = list(ConcernCategory)
    open_concern = [ConcernStatus.OPEN, ConcernStatus.ON_AGENDA, ConcernStatus.BEING_ADDRESSED]
    closed_concern = [ConcernStatus.RESOLVED, ConcernStatus.CLOSED_UNRESOLVED]
    concern_ids_at: dict[int, list[int]] = {}
    for _ in range(sizes.concerns):
        station = rng.choices(all_stations, weights=weights)[0]
        occurred = today - timedelta(days=rng.randint(0, 3 * 365))
        concern_id = ids.take(Concern)
        concern_ids_at.setdefault(station, []).append(concern_id)
        concerns.append({
            "id": concern_id, "category": rng.choice(categories), "station_id": station,
            "occurred_on": occurred, "occurred_month": occurred.strftime("%Y-%m"),
            "place": "Market hotspot", "raised_by_id": reach_out,
            "people_affected": rng.randint(1, 6),
            "summary": "Outreach workers stopped and syringes taken near the drop-in centre.",
            "restricted_details": "", "consent_scope": "anonymous_advocacy",
            "status": rng.choice(open_concern if occurred > today - timedelta(days=120)
                                 else closed_concern + open_concern[:1]),
            "status_reason": "", **versioned,
        })  # fmt: skip
    statuses = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE,
                ActionStatus.VERIFIED, ActionStatus.VERIFIED, ActionStatus.VERIFIED,
                ActionStatus.DROPPED, ActionStatus.REOPENED]  # fmt: skip
    follow_budget = sizes.follow_ups
    for n in range(sizes.action_points):
        station = rng.choices(all_stations, weights=weights)[0]
        agreed = today - timedelta(days=rng.randint(0, 3 * 365))
        status = rng.choice(statuses)
        point_id = ids.take(ActionPoint)
        verified = status is ActionStatus.VERIFIED
        done = status in (ActionStatus.DONE, ActionStatus.VERIFIED)
        done_on = min(agreed + timedelta(days=rng.randint(3, 60)), today) if done else None
        verified_on = min(done_on + timedelta(days=rng.randint(0, 20)), today) if verified else None
        points_rows.append({
            "id": point_id, "title": f"Agreed action {n + 1}: stop confiscating syringes at hotspot",
            "details": "", "station_id": station, "origin_meeting_id": None,
            "police_owner_id": police_users.get(station), "ngo_owner_id": coordinator.id,
            "due_on": agreed + timedelta(days=rng.choice([14, 30, 60])),
            "priority": rng.choice([Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW]),
            "status": status, "action_taken": "Briefed the shift" if done else "",
            "done_on": done_on, "done_side": rng.choice([Side.POLICE, Side.NGO]) if done else None,
            "verified_at": at(verified_on) if verified else None,
            "verified_adequate": True if verified else None, "verification_note": "",
            "days_to_verification": (verified_on - agreed).days if verified else None,
            "dropped_reason": "No longer relevant" if status is ActionStatus.DROPPED else "",
            "created_at": at(agreed), "updated_at": now, "version": 1,
        })  # fmt: skip
        if concern_ids_at.get(station) and rng.random() < 0.3:
            point_concerns.append({"action_point_id": point_id,
                                   "concern_id": rng.choice(concern_ids_at[station])})  # fmt: skip
        count = 50 if n == 0 else min(follow_budget, rng.randint(0, 5))
        follow_budget -= count
        for k in range(count):
            on = agreed + timedelta(days=k + 1)
            follow_ups.append({"id": ids.take(FollowUp), "action_point_id": point_id,
                               "user_id": coordinator.id, "at": at(on), "on_date": on,
                               "note": f"Follow-up {k + 1}: discussed with the station commander."})  # fmt: skip
    _rows(Concern, concerns)
    _rows(ActionPoint, points_rows)
    _rows(action_point_concerns, point_concerns)
    _rows(FollowUp, follow_ups)
    _reset_sequences()
    # Rows written past the ORM: the search index is built from the tables in one go.
    from partnership.search.index import rebuild

    echo(f"Search index: {rebuild(db.session.connection())} entries.")
    db.session.commit()
    marker_path().write_text(json.dumps({"sizes": asdict(sizes), "database": _database_key()}))
    echo("Built.")


def _client_code(rng: random.Random) -> str:
    letters = "ABCDEFGHIJKLMNOPRSTUWYZ"
    pick = "".join(rng.choice(letters) for _ in range(4))
    return f"{pick}{rng.randint(1965, 2005)}{rng.choice('MMMF')}"


def _reset_sequences() -> None:
    """PostgreSQL: move each id sequence past the explicit ids written above."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            name = table.name
            statement = (
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT max(id) FROM {name}), 1))"
            )
            db.session.execute(text(statement))
