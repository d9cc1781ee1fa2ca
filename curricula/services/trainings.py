"""Trainings: setting up, the register (participants and attendance per day), scores and
certificate eligibility. Officers see trainings their stations took part in, and only their
own stations' participants."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from curricula.models import (
    AttendanceDay,
    AttendanceStatus,
    Module,
    Participant,
    Training,
    training_modules,
    training_stations,
)
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
    Person,
    PersonKind,
)
from partnership.permissions import TRAINING_EDITORS, Role, station_scope

MAX_TRAINING_DAYS = 14


@dataclass
class TrainingFilters:
    q: str = ""
    module_id: int | None = None
    station_id: int | None = None
    year: int | None = None


def _scope_clause(scope: frozenset[int]):  # noqa: ANN202
    """Trainings that one of ``scope``'s stations took part in (as a training station or
    through a participant posted there at the time)."""
    return or_(
        exists().where(
            training_stations.c.training_id == Training.id,
            training_stations.c.station_id.in_(scope),
        ),
        exists().where(Participant.training_id == Training.id, Participant.station_id.in_(scope)),
    )


def training_query(user, filters: TrainingFilters) -> Select:  # noqa: ANN001
    stmt = select(Training).options(selectinload(Training.modules))
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(_scope_clause(scope))
    if filters.q:
        stmt = stmt.where(func.lower(Training.title).like(f"%{filters.q.strip().lower()}%"))
    if filters.module_id:
        stmt = stmt.where(
            exists().where(
                training_modules.c.training_id == Training.id,
                training_modules.c.module_id == filters.module_id,
            )
        )
    if filters.station_id:
        stmt = stmt.where(_scope_clause(frozenset({filters.station_id})))
    if filters.year:
        with contextlib.suppress(ValueError):
            stmt = stmt.where(
                Training.starts_on >= date(filters.year, 1, 1),
                Training.starts_on <= date(filters.year, 12, 31),
            )
    return stmt.order_by(Training.starts_on.desc(), Training.id.desc())


def participant_counts(training_ids: list[int], user) -> dict[int, int]:  # noqa: ANN001
    """Participants per training (officers: their own stations' only), in one query."""
    if not training_ids:
        return {}
    stmt = (
        select(Participant.training_id, func.count(Participant.id))
        .where(Participant.training_id.in_(training_ids))
        .group_by(Participant.training_id)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Participant.station_id.in_(scope))
    return dict(db.session.execute(stmt).all())


def get_training_or_404(training_id: int, user, for_edit: bool = False) -> Training:  # noqa: ANN001
    training = db.session.get(
        Training,
        training_id,
        options=[
            selectinload(Training.modules),
            selectinload(Training.stations),
            selectinload(Training.participants).options(
                joinedload(Participant.person),
                joinedload(Participant.station),
                selectinload(Participant.days),
            ),
            joinedload(Training.question_module).selectinload(Module.questions),
        ],
    )
    if training is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None:
        visible = {s.id for s in training.stations} | {
            p.station_id for p in training.participants if p.station_id
        }
        if not visible & scope:
            abort(404)
    if for_edit and user.role not in TRAINING_EDITORS:
        abort(403)
    return training


def visible_participants(training: Training, user) -> list[Participant]:  # noqa: ANN001
    """Who the user may see by name: NGO roles everyone; officers their own stations' people;
    viewers nobody (aggregates only)."""
    if user.role is Role.VIEWER:
        return []
    scope = station_scope(user)
    people = sorted(training.participants, key=lambda p: (p.person.name, p.id))
    if scope is None:
        return people
    return [p for p in people if p.station_id in scope]


def can_see_names(user) -> bool:  # noqa: ANN001
    return user.role is not Role.VIEWER


# ---- setting up --------------------------------------------------------------------------------


def create_training(data: dict, user) -> Training:  # noqa: ANN001
    modules = list(
        db.session.scalars(select(Module).where(Module.id.in_(data.get("module_ids") or [])))
    )
    if not modules:
        raise FieldError("module_ids", _("Choose at least one module."))
    if len({m.code for m in modules}) != len(modules):
        raise FieldError("module_ids", _("Choose one version of each module."))
    starts, ends = data["starts_on"], data["ends_on"]
    if ends < starts:
        raise FieldError("ends_on", _("The last day cannot be before the first day."))
    if (ends - starts).days + 1 > MAX_TRAINING_DAYS:
        raise FieldError("ends_on", _("A training lasts at most %(n)s days.", n=MAX_TRAINING_DAYS))
    stations = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_(data.get("station_ids") or []),
                Organisation.kind.in_(STATION_KINDS),
            )
        )
    )
    max_score = data.get("max_score") or modules[0].max_score
    pass_mark = data.get("pass_mark")
    if pass_mark is None and not data.get("max_score"):
        pass_mark = modules[0].pass_mark
    if pass_mark is not None and pass_mark > max_score:
        raise FieldError("pass_mark", _("The pass mark cannot be above the maximum score."))
    question_module = next((m for m in modules if m.questions), None)
    if question_module is not None and not data.get("max_score"):
        max_score = sum(q.points for q in question_module.questions)
    training = Training(
        title=data["title"].strip(), starts_on=starts, ends_on=ends,
        day_count=(ends - starts).days + 1, venue=(data.get("venue") or "").strip(),
        max_score=max_score, pass_mark=pass_mark,
        question_module_id=question_module.id if question_module else None,
        created_by_id=user.id,
    )  # fmt: skip
    training.modules = modules
    training.stations = stations
    db.session.add(training)
    db.session.flush()
    return training


def candidate_officers(training: Training) -> list[Person]:
    """Officers of the training's stations who are not on the register yet."""
    station_ids = [s.id for s in training.stations]
    if not station_ids:
        return []
    on_register = {p.person_id for p in training.participants}
    officers = db.session.scalars(
        select(Person)
        .options(joinedload(Person.organisation))
        .where(
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
            Person.organisation_id.in_(station_ids),
        )
        .order_by(Person.name)
    )
    return [o for o in officers if o.id not in on_register]


def add_participant(training: Training, person: Person) -> Participant:
    if any(p.person_id == person.id for p in training.participants):
        raise FieldError("person_ids", _("%(name)s is already on the register.", name=person.name))
    participant = Participant(training=training, person=person, station_id=person.organisation_id)
    db.session.add(participant)
    db.session.flush()
    return participant


def add_participants(training: Training, person_ids: list[int]) -> list[Participant]:
    people = list(db.session.scalars(select(Person).where(Person.id.in_(person_ids))))
    if not people:
        raise FieldError("person_ids", _("Choose at least one person."))
    return [add_participant(training, person) for person in people]


def set_attendance(participant: Participant, day: date, status: AttendanceStatus | None) -> None:
    existing = next((d for d in participant.days if d.day == day), None)
    if status is None:
        if existing is not None:
            participant.days.remove(existing)
        return
    if existing is None:
        participant.days.append(AttendanceDay(day=day, status=status))
    elif existing.status is not status:
        existing.status = status


def record_register(training: Training, marks: dict[tuple[int, date], str]) -> None:
    """Save the register: ``marks[(participant_id, day)]`` is a status value or ""."""
    by_id = {p.id: p for p in training.participants}
    days = set(training.days)
    for (participant_id, day), value in marks.items():
        participant = by_id.get(participant_id)
        if participant is None or day not in days:
            continue
        status = AttendanceStatus(value) if value else None
        set_attendance(participant, day, status)
    db.session.flush()


# ---- scores ------------------------------------------------------------------------------------


def parse_score(text: str | None, max_score: int) -> tuple[float | None, str | None]:
    """A score typed or pasted into a cell: ("", None) is "not taken"; decimal commas are
    accepted. Returns (value, error message)."""
    raw = (text or "").strip().replace(",", ".")
    if raw == "":
        return None, None
    try:
        value = float(raw)
    except ValueError:
        return None, _("“%(v)s” is not a number.", v=(text or "").strip()[:20])
    if value != value or value < 0 or value > max_score:  # NaN, negative or above the maximum
        return None, _("Enter a score from 0 to %(max)s.", max=max_score)
    if round(value * 100) != value * 100:
        return None, _("Use at most two decimals.")
    return value, None


def validate_scores(
    training: Training, cells: dict[tuple[int, str], str]
) -> tuple[dict[tuple[int, str], float | None], dict[tuple[int, str], str]]:
    """Check every cell ``(participant_id, "pre"|"post") -> text``; nothing is saved here."""
    valid_ids = {p.id for p in training.participants}
    values: dict[tuple[int, str], float | None] = {}
    errors: dict[tuple[int, str], str] = {}
    for (participant_id, column), text in cells.items():
        if participant_id not in valid_ids or column not in ("pre", "post"):
            continue
        value, error = parse_score(text, training.max_score)
        if error:
            errors[(participant_id, column)] = error
        else:
            values[(participant_id, column)] = value
    return values, errors


def save_scores(training: Training, values: dict[tuple[int, str], float | None]) -> int:
    """Write validated scores; returns how many participants changed."""
    changed = 0
    for participant in training.participants:
        touched = False
        for column in ("pre", "post"):
            key = (participant.id, column)
            if key in values and getattr(participant, f"{column}_score") != values[key]:
                setattr(participant, f"{column}_score", values[key])
                touched = True
        changed += touched
    db.session.flush()
    return changed


# ---- eligibility -------------------------------------------------------------------------------


def eligibility(training: Training, participant: Participant) -> tuple[bool, str]:
    """A certificate needs every day attended (present or late) and, where the training sets a
    pass mark, a post-test score at or above it."""
    missed = [d for d in training.days if not (s := participant.status_on(d)) or not s.attended]
    if missed:
        return False, _(
            "did not attend every day (missing %(days)s)",
            days=", ".join(d.isoformat() for d in missed),
        )
    if training.pass_mark is not None:
        if participant.post_score is None:
            return False, _("no post-test score")
        if participant.post_score < training.pass_mark:
            return False, _("post-test below the pass mark")
    return True, ""


def completed_clause():  # noqa: ANN201
    """SQL: the participant attended every day of their training."""
    attended = (
        select(func.count(AttendanceDay.id))
        .where(
            AttendanceDay.participant_id == Participant.id,
            AttendanceDay.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
        )
        .correlate(Participant)
        .scalar_subquery()
    )
    own = aliased(Training)
    days = (
        select(own.day_count)
        .where(own.id == Participant.training_id)
        .correlate(Participant)
        .scalar_subquery()
    )
    return attended >= days


def training_years() -> list[int]:
    first = db.session.scalar(select(func.min(Training.starts_on)))
    last = db.session.scalar(select(func.max(Training.starts_on)))
    if not first:
        return []
    return list(range(last.year, first.year - 1, -1))


# ---- question-by-question answers --------------------------------------------------------------

PHASES = ("pre", "post")


def answers_of(training: Training, phase: str) -> dict[tuple[int, int], str]:
    """The recorded answers of one phase: ``(participant_id, question_id) -> answer``."""
    from curricula.models import Answer

    rows = db.session.execute(
        select(Answer.participant_id, Answer.question_id, Answer.answer)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.training_id == training.id, Answer.phase == phase)
    )
    return {(p, q): a for p, q, a in rows}


def is_correct(answer: str, key: str) -> bool:
    return answer.strip().casefold() == key.strip().casefold()


def record_answers(training: Training, phase: str, given: dict[tuple[int, int], str]) -> None:
    """Save one phase's answers and compute each participant's score from the answer key (sum
    of the points of correct answers; no answers at all leaves the score empty)."""
    from curricula.models import Answer

    if phase not in PHASES or training.question_module is None:
        raise FieldError("phase", _("This training has no question bank."))
    questions = {q.id: q for q in training.question_module.questions}
    existing = {
        (a.participant_id, a.question_id): a
        for a in db.session.scalars(
            select(Answer)
            .join(Participant, Participant.id == Answer.participant_id)
            .where(Participant.training_id == training.id, Answer.phase == phase)
        )
    }
    for participant in training.participants:
        total, answered = 0, False
        for question in questions.values():
            text = (given.get((participant.id, question.id)) or "").strip()[:60]
            row = existing.get((participant.id, question.id))
            if not text:
                if row is not None:
                    db.session.delete(row)
                continue
            answered = True
            correct = is_correct(text, question.answer_key)
            total += question.points if correct else 0
            if row is None:
                db.session.add(Answer(participant_id=participant.id, question_id=question.id,
                                      phase=phase, answer=text, correct=correct))  # fmt: skip
            else:
                row.answer, row.correct = text, correct
        setattr(participant, f"{phase}_score", float(total) if answered else None)
    db.session.flush()
