"""Trainings: setting up (a meeting of kind training plus the modules and test), the roster
from the meeting's register, scores, answers and certificate eligibility. Officers see trainings
their stations took part in, and only their own stations' participants."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date

from flask import abort, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from curricula.models import Module, Participant, Training, training_modules
from meetings.models import (
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
    """SQL: the attendee is a police officer (trainings count officers only). A correlated
    look-up by primary key, so the planners start from the attendees already chosen rather
    than from every officer of the programme."""
    return (
        select(Person.id)
        .where(Person.id == Attendee.person_id, Person.kind == PersonKind.OFFICER)
        .exists()
    )


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


def training_title_or_404(training_id: int, user) -> str:  # noqa: ANN001
    """The title of a training ``user`` may see (404 otherwise, as ``get_training_or_404``),
    read without loading the training: its page is kept rendered and loads it only when the
    page is rendered afresh."""
    stmt = (
        select(Meeting.title)
        .join(Training, Training.meeting_id == Meeting.id)
        .where(Training.id == training_id)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(_scope_clause(scope))
    title = db.session.scalar(stmt)
    if title is None:
        abort(404)
    return title


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
        # Loaded, not changed: the page's next query has nothing to flush.
        set_committed_value(participant, "attendee", attendee)
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


def training_years() -> list[int]:
    first = db.session.scalar(select(func.min(Training.starts_on)))
    last = db.session.scalar(select(func.max(Training.starts_on)))
    if not first:
        return []
    return list(range(last.year, first.year - 1, -1))
