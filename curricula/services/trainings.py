"""Trainings: setting up (a meeting of kind training plus the modules and test), the roster
from the meeting's register, scores, answers and certificate eligibility. Officers see trainings
their stations took part in, and only their own stations' participants."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from curricula.models import Module, Participant, Training, training_modules
from meetings.models import (
    AttendanceMark,
    AttendanceStatus,
    Attendee,
    Meeting,
    MeetingKind,
    MeetingStatus,
    meeting_stations,
)
from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.organisations.models import Person, PersonKind
from partnership.permissions import can, can_edit_trainings, sees_people_lists, station_scope
from partnership.signals import meeting_page_links, meeting_rescheduled


@dataclass
class TrainingFilters:
    q: str = ""
    module_id: int | None = None
    station_id: int | None = None
    year: int | None = None


def _scope_clause(scope: frozenset[int]):  # noqa: ANN202
    """Trainings that one of ``scope``'s stations took part in (a station of the meeting, or an
    attendee who came from there)."""
    return or_(
        exists().where(
            meeting_stations.c.meeting_id == Training.meeting_id,
            meeting_stations.c.station_id.in_(scope),
        ),
        exists().where(Attendee.meeting_id == Training.meeting_id, Attendee.station_id.in_(scope)),
    )


def training_query(user, filters: TrainingFilters) -> Select:  # noqa: ANN001
    stmt = (
        select(Training)
        .join(Meeting, Meeting.id == Training.meeting_id)
        .options(selectinload(Training.modules), joinedload(Training.meeting))
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(_scope_clause(scope))
    if filters.q:
        stmt = stmt.where(func.lower(Meeting.title).like(f"%{filters.q.strip().lower()}%"))
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


def officer_attendee():  # noqa: ANN201
    """SQL: the attendee is a police officer (trainings count officers only)."""
    return Attendee.person_id.in_(select(Person.id).where(Person.kind == PersonKind.OFFICER))


def participant_counts(trainings: list[Training], user) -> dict[int, int]:  # noqa: ANN001
    """Officers on the register per training (officers: their own stations'), in one query."""
    if not trainings:
        return {}
    by_meeting = {t.meeting_id: t.id for t in trainings}
    stmt = (
        select(Attendee.meeting_id, func.count(Attendee.id))
        .where(Attendee.meeting_id.in_(list(by_meeting)), officer_attendee())
        .group_by(Attendee.meeting_id)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Attendee.station_id.in_(scope))
    return {by_meeting[m]: n for m, n in db.session.execute(stmt).all()}


def get_training_or_404(training_id: int, user, for_edit: bool = False) -> Training:  # noqa: ANN001
    training = db.session.get(
        Training,
        training_id,
        options=[
            selectinload(Training.modules),
            joinedload(Training.meeting).selectinload(Meeting.stations),
            selectinload(Training.participants),
            joinedload(Training.question_module).selectinload(Module.questions),
        ],
    )
    if training is None:
        abort(404)
    scope = station_scope(user)
    if scope is not None:
        visible = {s.id for s in training.meeting.stations}
        if not visible & scope and not db.session.scalar(
            select(Attendee.id)
            .where(Attendee.meeting_id == training.meeting_id, Attendee.station_id.in_(scope))
            .limit(1)
        ):
            abort(404)
    if for_edit and not can_edit_trainings(user, training):
        abort(403)
    return training


def roster(training: Training) -> list[Participant]:
    """One participant per officer on the meeting's register, in name order: the stored score
    rows, and unsaved ones for those without scores yet (added to the session on saving)."""
    attendees = db.session.scalars(
        select(Attendee)
        .join(Person, Person.id == Attendee.person_id)
        .where(Attendee.meeting_id == training.meeting_id, Person.kind == PersonKind.OFFICER)
        .options(
            joinedload(Attendee.person), joinedload(Attendee.station), selectinload(Attendee.marks)
        )
        .order_by(by_name(Person.name), Attendee.id)
    ).unique()
    stored = {p.attendee_id: p for p in training.participants}
    result = []
    for attendee in attendees:
        participant = stored.get(attendee.id)
        if participant is None:
            participant = Participant(training_id=training.id, attendee_id=attendee.id)
        participant.attendee = attendee
        result.append(participant)
    return result


def visible_participants(training: Training, user) -> list[Participant]:  # noqa: ANN001
    """Who the user may see by name: NGO roles everyone; officers their own stations' people;
    viewers nobody (aggregates only)."""
    if not sees_people_lists(user):
        return []
    scope = station_scope(user)
    people = roster(training)
    if scope is None:
        return people
    return [p for p in people if p.station_id in scope]


def can_see_names(user) -> bool:  # noqa: ANN001
    return sees_people_lists(user)


# ---- setting up --------------------------------------------------------------------------------


def _modules_from(ids: list[int]) -> list[Module]:
    modules = list(db.session.scalars(select(Module).where(Module.id.in_(ids or []))))
    if not modules:
        raise FieldError("module_ids", _("Choose at least one module."))
    if len({m.code for m in modules}) != len(modules):
        raise FieldError("module_ids", _("Choose one version of each module."))
    return modules


def attach_training(meeting: Meeting, data: dict, user) -> Training:  # noqa: ANN001
    """Make a meeting of kind training deliver modules, with its test."""
    if meeting.kind is not MeetingKind.TRAINING:
        raise FieldError("module_ids", _("Only a meeting of kind training delivers modules."))
    if db.session.scalar(select(Training.id).where(Training.meeting_id == meeting.id)):
        raise FieldError("module_ids", _("This meeting is already set up as a training."))
    modules = _modules_from(data.get("module_ids") or [])
    max_score = data.get("max_score") or modules[0].max_score
    pass_mark = data.get("pass_mark")
    if pass_mark is None and not data.get("max_score"):
        pass_mark = modules[0].pass_mark
    question_module = next((m for m in modules if m.questions), None)
    if question_module is not None and not data.get("max_score"):
        max_score = sum(q.points for q in question_module.questions)
    if pass_mark is not None and pass_mark > max_score:
        raise FieldError("pass_mark", _("The pass mark cannot be above the maximum score."))
    training = Training(
        meeting=meeting, starts_on=meeting.days[0], day_count=len(meeting.days),
        max_score=max_score, pass_mark=pass_mark,
        question_module_id=question_module.id if question_module else None,
        created_by_id=user.id,
    )  # fmt: skip
    training.modules = modules
    db.session.add(training)
    db.session.flush()
    return training


def create_training(data: dict, user) -> Training:  # noqa: ANN001
    """Schedule the meeting (kind training) through the meetings domain, then the training."""
    from meetings.services.scheduling import create_meetings

    _modules_from(data.get("module_ids") or [])  # report a missing module before anything else
    (meeting,) = create_meetings({**data, "kind": MeetingKind.TRAINING.value}, user)
    return attach_training(meeting, data, user)


def follow_meeting(meeting: Meeting, **_extra) -> None:  # noqa: ANN003
    """Receiver of ``meeting_rescheduled``: a training meeting moved or lengthened in the
    meetings pages moves its training too."""
    training = db.session.scalar(select(Training).where(Training.meeting_id == meeting.id))
    if training is not None:
        training.keep_in_step()
        db.session.flush()


def meeting_links(
    meeting: Meeting,
    user=None,  # noqa: ANN001
    page: str = "detail",
    **_extra,  # noqa: ANN003
) -> list[tuple[str, str]]:
    """Receiver of ``meeting_page_links``: a training meeting's page links to the training set
    up on it, or to setting one up; its register links on to entering the scores."""
    if meeting.kind is not MeetingKind.TRAINING:
        return []
    training_id = db.session.scalar(select(Training.id).where(Training.meeting_id == meeting.id))
    if page == "register":
        if training_id is None or not can("curricula.training_scores", user):
            return []
        return [
            (
                _("Enter the pre- and post-test scores"),
                url_for("curricula.training_scores", training_id=training_id),
            )
        ]
    if training_id is not None:
        return [
            (
                _("Modules, scores and certificates"),
                url_for("curricula.training_detail", training_id=training_id),
            )
        ]
    if can("curricula.training_setup", user):
        return [(_("Set up its modules and test"), url_for("curricula.training_list"))]
    return []


def connect_receivers() -> None:
    """Called when the curricula blueprint is registered."""
    meeting_rescheduled.connect(follow_meeting)
    meeting_page_links.connect(meeting_links)


def unset_training_meetings(user) -> list[Meeting]:  # noqa: ANN001
    """Training meetings not set up yet (no modules chosen), newest first."""
    stmt = (
        select(Meeting)
        .where(
            Meeting.kind == MeetingKind.TRAINING,
            Meeting.status != MeetingStatus.CANCELLED,
            ~exists().where(Training.meeting_id == Meeting.id),
        )
        .order_by(Meeting.starts_at.desc())
        .limit(20)
    )
    scope = station_scope(user)
    if scope is not None:
        return []
    return list(db.session.scalars(stmt))


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
    valid_ids = {p.attendee_id for p in roster(training)}
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


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and round(a, 2) == round(b, 2)
    )


def same_score_text(a: str, b: str, max_score: int) -> bool:
    """Whether two cell texts mean the same score ("8", "8.0" and "8,0" do)."""
    return _same(parse_score(a, max_score)[0], parse_score(b, max_score)[0])


def merge_score_edits(
    training: Training,
    participants,  # noqa: ANN001
    values: dict[tuple[int, str], float | None],
    shown: dict[tuple[int, str], str],
) -> tuple[dict[tuple[int, str], float | None], dict[tuple[int, str], str]]:
    """Keep only the cells this trainer changed, against the values the grid showed them.

    A cell someone else saved meanwhile is kept as they saved it when this trainer did not
    touch it, and is a conflict when both changed it: nothing is lost silently. A grid sent
    without the shown values (an old page) writes every cell, as before."""
    to_write: dict[tuple[int, str], float | None] = {}
    conflicts: dict[tuple[int, str], str] = {}
    for participant in participants:
        for column in ("pre", "post"):
            key = (participant.attendee_id, column)
            if key not in values:
                continue
            if key not in shown:
                to_write[key] = values[key]
                continue
            was, _error = parse_score(shown[key], training.max_score)
            if _same(values[key], was):
                continue
            now = getattr(participant, f"{column}_score")
            if _same(now, was):
                to_write[key] = values[key]
            else:
                conflicts[key] = _(
                    "Someone else saved %(v)s here meanwhile; check and save again.",
                    v="—" if now is None else f"{now:g}",
                )
    return to_write, conflicts


def save_scores(
    training: Training,
    values: dict[tuple[int, str], float | None],
    people=None,  # noqa: ANN001
) -> int:
    """Write validated scores keyed by attendee id; returns how many participants changed."""
    changed = 0
    for participant in people if people is not None else roster(training):
        touched = False
        for column in ("pre", "post"):
            key = (participant.attendee_id, column)
            if key in values and getattr(participant, f"{column}_score") != values[key]:
                setattr(participant, f"{column}_score", values[key])
                touched = True
        if touched and participant.id is None:
            db.session.add(participant)
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
            days=", ".join(format_date(d) for d in missed),
        )
    if training.pass_mark is not None:
        if participant.post_score is None:
            return False, _("no post-test score")
        if participant.post_score < training.pass_mark:
            return False, _("post-test below the pass mark")
    return True, ""


def completed_clause():  # noqa: ANN201
    """SQL: the attendee (``Attendee``) attended every day of their training (``Training``)."""
    attended = (
        select(func.count(AttendanceMark.id))
        .where(
            AttendanceMark.attendee_id == Attendee.id,
            AttendanceMark.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
        )
        .correlate(Attendee)
        .scalar_subquery()
    )
    own = aliased(Training)
    days = (
        select(own.day_count)
        .where(own.meeting_id == Attendee.meeting_id)
        .correlate(Attendee)
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
    """The recorded answers of one phase: ``(attendee_id, question_id) -> answer``."""
    from curricula.models import Answer

    rows = db.session.execute(
        select(Participant.attendee_id, Answer.question_id, Answer.answer)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.training_id == training.id, Answer.phase == phase)
    )
    return {(p, q): a for p, q, a in rows}


def is_correct(answer: str, key: str) -> bool:
    return answer.strip().casefold() == key.strip().casefold()


def record_answers(
    training: Training,
    phase: str,
    given: dict[tuple[int, int], str],
    people=None,  # noqa: ANN001
) -> None:
    """Save one phase's answers (keyed by attendee and question) and compute each participant's
    score from the answer key: the points of correct answers; no answers leaves it empty."""
    from curricula.models import Answer

    if phase not in PHASES or training.question_module is None:
        raise FieldError("phase", _("This training has no question bank."))
    questions = list(training.question_module.questions)
    existing = {
        (a.participant_id, a.question_id): a
        for a in db.session.scalars(
            select(Answer)
            .join(Participant, Participant.id == Answer.participant_id)
            .where(Participant.training_id == training.id, Answer.phase == phase)
        )
    }
    for participant in people if people is not None else roster(training):
        texts = {
            q.id: (given.get((participant.attendee_id, q.id)) or "").strip()[:60] for q in questions
        }
        if participant.id is None:
            if not any(texts.values()):
                continue
            db.session.add(participant)
            db.session.flush()
        total, answered = 0, False
        for question in questions:
            text = texts[question.id]
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
