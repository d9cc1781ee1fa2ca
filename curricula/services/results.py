"""What participants of a training achieved: scores (typed, pasted or imported), answers
question by question, and whether they earned a certificate."""

from __future__ import annotations

from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from curricula.models import Participant, Training
from curricula.services.trainings import roster
from meetings.models import (
    AttendanceMark,
    AttendanceStatus,
    Attendee,
)
from partnership.extensions import db
from partnership.forms import FieldError

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


def eligibility(
    training: Training, participant: Participant, days: list[date] | None = None
) -> tuple[bool, str]:
    """A certificate needs every day attended (present or late) and, where the training sets a
    pass mark, a post-test score at or above it. ``days``: the training's days, when asked for
    many participants (they are worked out from the meeting's times on every call)."""
    days = training.days if days is None else days
    missed = [d for d in days if not (s := participant.status_on(d)) or not s.attended]
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


def completed_clause(days=None):  # noqa: ANN001, ANN201
    """SQL: the attendee (``Attendee``) attended every day of their training (``Training``).
    ``days``: the training's day count when the query already joins the training (PostgreSQL
    otherwise looks it up again for every attendee)."""
    # count(*), not of a column: the index on (attendee_id, status) answers it alone.
    attended = (
        select(func.count())
        .where(
            AttendanceMark.attendee_id == Attendee.id,
            AttendanceMark.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.LATE]),
        )
        .correlate(Attendee)
        .scalar_subquery()
    )
    if days is None:
        own = aliased(Training)
        days = (
            select(own.day_count)
            .where(own.meeting_id == Attendee.meeting_id)
            .correlate(Attendee)
            .scalar_subquery()
        )
    return attended >= days


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
