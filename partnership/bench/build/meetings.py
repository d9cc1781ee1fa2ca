"""The bench programme's meetings and trainings."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select

from partnership.bench.build.rows import at, insert_rows
from partnership.bench.build.state import Programme
from partnership.extensions import db


def build_meetings(prog: Programme) -> None:
    """Meetings, with the largest records the pages must bear, trainings with their registers and
    scores."""
    from curricula.models import Module, Participant, Training, training_modules
    from meetings.models import (
        AttendanceMark,
        Attendee,
        Meeting,
        MeetingKind,
        MeetingStatus,
        meeting_stations,
    )

    (
        sizes,
        rng,
        today,
        ids,
        echo,
        reach_out,
        commands,
        stations_of,
        all_stations,
        weights,
        officers_at,
        command_of,
        stamp,
        versioned,
    ) = (
        prog.sizes,
        prog.rng,
        prog.today,
        prog.ids,
        prog.echo,
        prog.reach_out,
        prog.commands,
        prog.stations_of,
        prog.all_stations,
        prog.weights,
        prog.officers_at,
        prog.command_of,
        prog.stamp,
        prog.versioned,
    )
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
    insert_rows(Meeting, meetings)
    insert_rows(meeting_stations, links)
    insert_rows(Attendee, attendees)
    insert_rows(AttendanceMark, marks)
    insert_rows(Training, trainings)
    insert_rows(training_modules, train_modules)
    insert_rows(Participant, participants)
