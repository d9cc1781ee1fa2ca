"""Knowledge gain in SQL: the sums of matched pairs per group (training, module, station,
audience, period) in one GROUP BY query, handed to ``curricula.stats``.

Scores of different trainings are pooled as percentages of each training's maximum; a single
training keeps its own points. A training that delivered two modules counts under each module,
but only once under an audience: grouping by audience joins the distinct (training, audience)
pairs, so every participant of a training is one matched pair however many of its modules share
that audience.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, cast, extract, func, literal, select
from sqlalchemy.orm import joinedload

from curricula.models import AUDIENCE_LABELS, Audience, Module, Participant, Training
from curricula.models import training_modules as tm
from curricula.services.trainings import officer_attendee
from curricula.stats import NO_POST, NO_PRE, NO_SCORES, GainSummary, PairSums, summary_from_sums
from meetings.models import Attendee, Meeting, MeetingStatus
from partnership import disclosure
from partnership.extensions import db
from partnership.organisations.models import Organisation
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import station_scope

GROUPINGS = ("training", "module", "station", "audience", "period")
SMALL_COUNT = 5


@dataclass
class GainRow:
    key: object
    label: str
    summary: GainSummary


def _sum_columns(percent: bool):  # noqa: ANN202
    pre, post = Participant.pre_score, Participant.post_score
    both = and_(pre.isnot(None), post.isnot(None))
    factor = (literal(100.0) / Training.max_score) if percent else literal(1.0)
    top = literal(100.0) if percent else Training.max_score
    spre, spost = pre * factor, post * factor
    gain = spost - spre
    below_top = and_(both, spre < top)
    with_mark = and_(both, Training.pass_mark.isnot(None))
    return [
        func.count(case((both, 1))),
        func.coalesce(func.sum(case((both, spre))), 0),
        func.coalesce(func.sum(case((both, spost))), 0),
        func.coalesce(func.sum(case((both, gain))), 0),
        func.coalesce(func.sum(case((both, gain * gain))), 0),
        func.coalesce(func.sum(case((below_top, gain / (top - spre)))), 0),
        func.count(case((below_top, 1))),
        func.count(case((with_mark, 1))),
        func.count(case((and_(with_mark, pre >= Training.pass_mark), 1))),
        func.count(case((and_(with_mark, post >= Training.pass_mark), 1))),
        func.count(case((and_(pre.is_(None), post.isnot(None)), 1))),
        func.count(case((and_(pre.isnot(None), post.is_(None)), 1))),
        func.count(case((and_(pre.is_(None), post.is_(None)), 1))),
    ]


def _sums(row) -> PairSums:  # noqa: ANN001
    left_out = {
        k: int(v) for k, v in zip((NO_PRE, NO_POST, NO_SCORES), row[10:13], strict=True) if v
    }
    return PairSums(
        n=int(row[0]), sum_pre=float(row[1]), sum_post=float(row[2]), sum_gain=float(row[3]),
        sum_gain_sq=float(row[4]), sum_individual_g=float(row[5]), n_individual_g=int(row[6]),
        n_with_pass_mark=int(row[7]), passed_pre=int(row[8]), passed_post=int(row[9]),
        left_out=left_out,
    )  # fmt: skip


def _base(stmt, user, filters: dict):  # noqa: ANN001, ANN202
    """Every officer on a training meeting's register (not cancelled), with their scores if
    any: those without a score row count as left out."""
    stmt = (
        stmt.select_from(Attendee)
        .join(Training, Training.meeting_id == Attendee.meeting_id)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .outerjoin(Participant, Participant.attendee_id == Attendee.id)
        .where(
            Meeting.status != MeetingStatus.CANCELLED,
            officer_attendee(),
            # Implied by the join, and says where to start: SQLite otherwise reads every
            # meeting's register (all meetings, not the few hundred trainings) to find them.
            Attendee.meeting_id.in_(select(Training.meeting_id)),
        )
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Attendee.station_id.in_(scope))
    if filters.get("station_id"):
        stmt = stmt.where(Attendee.station_id == filters["station_id"])
    place = station_ids_in_place(filters.get("country") or "", filters.get("command_id"))
    if place is not None:
        stmt = stmt.where(Attendee.station_id.in_(place))
    if filters.get("date_from"):
        stmt = stmt.where(Training.starts_on >= filters["date_from"])
    if filters.get("date_to"):
        stmt = stmt.where(Training.starts_on <= filters["date_to"])
    if filters.get("training_ids") is not None:
        stmt = stmt.where(Training.id.in_(filters["training_ids"]))
    return stmt


def training_summary(training: Training, user) -> GainSummary:  # noqa: ANN001
    """One training, in its own points (officers: their stations' participants only)."""
    stmt = _base(select(*_sum_columns(percent=False)), user, {}).where(Training.id == training.id)
    row = db.session.execute(stmt).one()
    return summary_from_sums(_sums(row), float(training.max_score))


REASONS = (NO_PRE, NO_POST, NO_SCORES)


def result_counts(
    summary: GainSummary | None, participants: int, suppress: bool
) -> dict[str, disclosure.Figure]:
    """A training's counts as the user may see them, the same on its page and in the API:
    ``participants``, ``pairs``, ``left_out`` (those without both scores) and each reason
    (``no_pre``, ``no_post``, ``no_scores``). The reasons add up to ``left_out``, and the pairs
    with either the left-out total or the reasons add up to the participants, so a withheld
    count is protected against all three sums at once."""
    left = summary.left_out if summary else {}
    cells = {
        "participants": int(participants or 0),
        "pairs": summary.n if summary else 0,
        "left_out": sum(left.values()),
        **{k: left.get(k, 0) for k in REASONS},
    }
    groups = [
        (list(REASONS), "left_out"),
        (["pairs", "left_out"], "participants"),
        (["pairs", *REASONS], "participants"),
    ]
    return disclosure.protect_groups(cells, groups, suppress)


def _period_key():  # noqa: ANN202
    year = cast(extract("year", Training.starts_on), Integer)
    quarter = (cast(extract("month", Training.starts_on), Integer) - 1) / 3 + 1
    return year * 10 + cast(quarter, Integer)


def grouped_summaries(by: str, user, filters: dict | None = None) -> list[GainRow]:  # noqa: ANN001
    """Knowledge gain per group, in percent of each test's maximum, in one query."""
    filters = filters or {}
    if by == "training":
        key = Training.id
        stmt = select(key, *_sum_columns(percent=True))
    elif by == "module":
        key = tm.c.module_id
        stmt = select(key, *_sum_columns(percent=True))
    elif by == "audience":
        audiences = (
            select(tm.c.training_id, Module.audience)
            .join(Module, Module.id == tm.c.module_id)
            .distinct()
            .subquery()
        )
        key = audiences.c.audience
        stmt = select(key, *_sum_columns(percent=True))
    elif by == "station":
        key = Attendee.station_id
        stmt = select(key, *_sum_columns(percent=True))
    else:
        key = _period_key()
        stmt = select(key.label("period"), *_sum_columns(percent=True))
    stmt = _base(stmt, user, filters)
    if by == "module":
        stmt = stmt.join(tm, tm.c.training_id == Training.id)
    elif by == "audience":
        stmt = stmt.join(audiences, audiences.c.training_id == Training.id)
    if filters.get("module_id"):
        stmt = stmt.where(
            Training.id.in_(select(tm.c.training_id).where(tm.c.module_id == filters["module_id"]))
        )
    rows = db.session.execute(stmt.group_by(key).order_by(key)).all()
    labels = _labels(by, [r[0] for r in rows])
    result = [
        GainRow(
            key=r[0],
            label=labels.get(r[0], str(r[0])),
            summary=summary_from_sums(_sums(r[1:]), 100.0),
        )
        for r in rows
    ]
    return sorted(result, key=lambda row: (by != "period", row.label)) if by != "period" else result


def _labels(by: str, keys: list) -> dict:
    keys = [k for k in keys if k is not None]
    if by == "training" and keys:
        return {
            t.id: f"{t.title} ({format_date(t.starts_on)})"
            for t in db.session.scalars(
                select(Training).where(Training.id.in_(keys)).options(joinedload(Training.meeting))
            )
        }
    if by == "module" and keys:
        return {
            m.id: m.label for m in db.session.scalars(select(Module).where(Module.id.in_(keys)))
        }
    if by == "station" and keys:
        return {
            o.id: o.name
            for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(keys)))
        }
    if by == "audience":
        return {
            Audience(k) if not isinstance(k, Audience) else k: str(AUDIENCE_LABELS[Audience(k)])
            for k in keys
        }
    if by == "period":
        return {k: _("%(year)s, quarter %(q)s", year=k // 10, q=k % 10) for k in keys}
    return {}


def question_difficulty(training: Training) -> list[tuple]:
    """Per question: share answering correctly before and after (the difficulty index p),
    in one GROUP BY query."""
    from curricula.models import Answer, Question

    if training.question_module_id is None:
        return []
    stmt = (
        select(
            Question.position,
            Question.text,
            Answer.phase,
            func.count(Answer.id),
            func.count(case((Answer.correct.is_(True), 1))),
        )
        .join(Answer, Answer.question_id == Question.id)
        .join(Participant, Participant.id == Answer.participant_id)
        .where(Participant.training_id == training.id)
        .group_by(Question.position, Question.text, Answer.phase)
        .order_by(Question.position)
    )
    table: dict[int, dict] = {}
    for position, text, phase, answered, correct in db.session.execute(stmt):
        row = table.setdefault(position, {"position": position, "text": text})
        row[phase] = (correct / answered) if answered else None
    return list(table.values())


def pooled_summary(user, filters: dict | None = None, station_ids=None) -> GainSummary:  # noqa: ANN001
    """Every matching participant pooled, in percent of each test's maximum, in one query.

    ``station_ids`` (a query of organisation ids) narrows it to the stations of a dashboard's
    filters."""
    stmt = _base(select(*_sum_columns(percent=True)), user, filters or {})
    if station_ids is not None:
        stmt = stmt.where(Attendee.station_id.in_(station_ids))
    return summary_from_sums(_sums(db.session.execute(stmt).one()), 100.0)
