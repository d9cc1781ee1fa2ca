"""Build trainings in tests: a meeting of kind training with its register (attendees and marks)
and the curricula side (modules, test, scores). Call inside an app context; nothing commits."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from partnership.extensions import db


def build_training(
    stations=(),  # noqa: ANN001
    people=(),  # noqa: ANN001
    *,
    modules=(),  # noqa: ANN001
    days: int = 2,
    starts_on: date | None = None,
    title: str = "Harm reduction for operational officers",
    max_score: int = 20,
    pass_mark: int | None = 12,
    status: str = "held",
    question_module_id: int | None = None,
):  # noqa: ANN201
    """``people``: (person id, attended days, pre, post); attended days are marked present,
    the later ones absent; ``None`` scores are not taken (no score row when both are None)."""
    from curricula.models import Participant, Training
    from meetings.models import (
        AttendanceMark,
        AttendanceStatus,
        Attendee,
        Meeting,
        MeetingKind,
        MeetingStatus,
    )
    from meetings.services.scheduling import new_uid
    from partnership.organisations.models import Organisation, Person

    start = starts_on or (date.today() - timedelta(days=30))
    zone = ZoneInfo("Africa/Nairobi")
    meeting = Meeting(
        uid=new_uid(), kind=MeetingKind.TRAINING, title=title, status=MeetingStatus(status),
        starts_at=datetime.combine(start, time(9, 0), zone),
        ends_at=datetime.combine(start + timedelta(days=days - 1), time(16, 0), zone),
        timezone="Africa/Nairobi",
    )  # fmt: skip
    meeting.stations = [db.session.get(Organisation, getattr(s, "id", s)) for s in stations]
    db.session.add(meeting)
    db.session.flush()
    training = Training(meeting=meeting, starts_on=start, day_count=days, max_score=max_score,
                        pass_mark=pass_mark, question_module_id=question_module_id)  # fmt: skip
    training.modules = list(modules)
    db.session.add(training)
    for person_id, attended, pre, post in people:
        person = db.session.get(Person, getattr(person_id, "id", person_id))
        attendee = Attendee(meeting_id=meeting.id, person_id=person.id,
                            station_id=person.organisation_id, rank=person.rank)  # fmt: skip
        for n, day in enumerate(meeting.days):
            status_ = AttendanceStatus.PRESENT if n < attended else AttendanceStatus.ABSENT
            attendee.marks.append(AttendanceMark(day=day, status=status_))
        db.session.add(attendee)
        db.session.flush()
        if pre is not None or post is not None:
            db.session.add(Participant(training=training, attendee_id=attendee.id,
                                       pre_score=pre, post_score=post))  # fmt: skip
    db.session.flush()
    return training
