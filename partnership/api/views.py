"""Record lists of the API. Each reads through the list page's own query builder with the
token's user, so it returns exactly the records (and fields) that user's list pages show; the
shared shape (pagination, filters) is ``common.record_list``."""

from __future__ import annotations

import marshmallow as ma
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from curricula.models import Training
from curricula.services import knowledge
from curricula.services.trainings import TrainingFilters, participant_counts, training_query
from meetings.models import Attendee, Meeting, MeetingKind, MeetingStatus
from meetings.services.queries import MeetingFilters, meeting_query
from partnership import disclosure
from partnership.actions.models import ActionStatus, ConcernCategory, ConcernStatus
from partnership.actions.services.action_points import ActionPointFilters, action_point_query
from partnership.actions.services.concerns import ConcernFilters, concern_query
from partnership.api.common import filters_from, id_field, list_args, record_list
from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation, PersonKind
from partnership.organisations.services import (
    OrganisationFilters,
    PersonFilters,
    organisation_query,
    person_query,
)
from partnership.permissions import person_name, sees_contact_details, station_scope

# A count as the user may see it: a number, or "<5" / "—" where it is withheld from the user.
Count = {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["<5", "—"]}]}


class StationSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    reference = ma.fields.String(allow_none=True)
    command_id = ma.fields.Integer(allow_none=True)
    country = ma.fields.String()
    region = ma.fields.String()
    city = ma.fields.String()
    active = ma.fields.Boolean()


class PersonSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    kind = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    rank = ma.fields.String()
    position = ma.fields.String()
    organisation_id = ma.fields.Integer(allow_none=True)
    email = ma.fields.String(allow_none=True)
    phone = ma.fields.String(allow_none=True)
    active = ma.fields.Boolean()


class MeetingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    starts_at = ma.fields.DateTime(required=True)
    ends_at = ma.fields.DateTime(required=True)
    timezone = ma.fields.String()
    station_ids = ma.fields.List(ma.fields.Integer())
    # People on the register: a number, or "<5" where small counts are withheld from the user.
    attendees = ma.fields.Raw(required=True, metadata=Count)


class ConcernSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    station_id = ma.fields.Integer(required=True)
    occurred_on = ma.fields.Date(required=True)
    category = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    place = ma.fields.String()
    summary = ma.fields.String()


class ActionPointSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    reference = ma.fields.String(required=True)
    station_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    priority = ma.fields.String()
    due_on = ma.fields.Date(allow_none=True)
    acknowledged = ma.fields.Boolean()
    version = ma.fields.Integer()


class LeftOutSchema(ma.Schema):
    no_pre = ma.fields.Raw(required=True, metadata=Count)
    no_post = ma.fields.Raw(required=True, metadata=Count)
    no_scores = ma.fields.Raw(required=True, metadata=Count)


def _number(**kwargs: object) -> ma.fields.Float:
    return ma.fields.Float(allow_none=True, required=True, **kwargs)


class TrainingSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    meeting_id = ma.fields.Integer(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    starts_on = ma.fields.Date(required=True)
    ends_on = ma.fields.Date(required=True)
    modules = ma.fields.List(ma.fields.String(), required=True)
    station_ids = ma.fields.List(ma.fields.Integer(), required=True)
    max_score = ma.fields.Integer(required=True)
    pass_mark = ma.fields.Integer(allow_none=True)
    # Officers on the register (an officer: their own stations'), those with both scores, and
    # those left out of the knowledge gain and why; small counts withheld as on the pages.
    participants = ma.fields.Raw(required=True, metadata=Count)
    pairs = ma.fields.Raw(required=True, metadata=Count)
    left_out = ma.fields.Nested(LeftOutSchema, required=True)
    # Means of the matched pairs in percent of the test's maximum; null when there are no
    # pairs, or too few for the user to see a mean (as on the training's page).
    mean_pre_percent = _number()
    mean_post_percent = _number()
    mean_gain_percent_points = _number()
    normalised_gain = _number()
    share_passing_pre = _number()
    share_passing_post = _number()


@record_list("/stations", StationSchema, list_args(OrganisationFilters, "StationArgs"))
def station_list(args: dict):  # noqa: ANN201
    """Police stations and posts (an officer: their own)."""
    stmt = organisation_query(current_user, filters_from(OrganisationFilters, args))
    stmt = stmt.where(Organisation.kind.in_(list(STATION_KINDS)))

    def rows(items: list) -> list[dict]:
        return [
            {"id": o.id, "name": o.name, "kind": str(o.kind), "reference": o.reference,
             "command_id": o.command_id, "country": o.country, "region": o.region,
             "city": o.city, "active": o.active}
            for o in items
        ]  # fmt: skip

    return stmt, rows


class PersonArgs(list_args(PersonFilters, "PersonFilterArgs", kind=PersonKind)):
    organisation_id = id_field(data_key="organisation")


@record_list("/people", PersonSchema, PersonArgs)
def person_list(args: dict):  # noqa: ANN201
    """People (an officer: the officers of their own stations). Community representatives'
    names and contacts only for the roles that see them on the pages."""

    def rows(items: list) -> list[dict]:
        out = []
        for p in items:
            contacts = sees_contact_details(current_user, p)
            out.append({
                "id": p.id, "kind": str(p.kind), "name": person_name(current_user, p),
                "rank": p.rank, "position": p.position, "organisation_id": p.organisation_id,
                "email": p.email if contacts else None, "phone": p.phone if contacts else None,
                "active": p.active,
            })  # fmt: skip
        return out

    return person_query(current_user, filters_from(PersonFilters, args)), rows


MeetingArgs = list_args(MeetingFilters, "MeetingArgs", kind=MeetingKind, status=MeetingStatus)


@record_list("/meetings", MeetingSchema, MeetingArgs)
def meeting_list(args: dict):  # noqa: ANN201
    """Meetings with the number of people on their register (an officer: their stations')."""

    def rows(items: list) -> list[dict]:
        counts = dict(
            db.session.execute(
                select(Attendee.meeting_id, func.count())
                .where(Attendee.meeting_id.in_([m.id for m in items]))
                .group_by(Attendee.meeting_id)
            ).all()
        )
        suppress = disclosure.applies_to(current_user)
        return [
            {"id": m.id, "title": m.title, "kind": str(m.kind), "status": str(m.status),
             "starts_at": m.starts_at, "ends_at": m.ends_at, "timezone": m.timezone,
             "station_ids": [s.id for s in m.stations],
             "attendees": disclosure.figure(counts.get(m.id, 0), suppress).export_value}
            for m in items
        ]  # fmt: skip

    return meeting_query(current_user, filters_from(MeetingFilters, args)), rows


ConcernArgs = list_args(
    ConcernFilters, "ConcernArgs", status=ConcernStatus, category=ConcernCategory
)


@record_list("/concerns", ConcernSchema, ConcernArgs)
def concern_list(args: dict):  # noqa: ANN201
    """Concern summaries (never the restricted details); not for viewers."""

    def rows(items: list) -> list[dict]:
        return [
            {"id": c.id, "reference": f"C-{c.id}", "station_id": c.station_id,
             "occurred_on": c.occurred_on, "category": str(c.category), "status": str(c.status),
             "place": c.place, "summary": c.summary}
            for c in items
        ]  # fmt: skip

    return concern_query(current_user, filters_from(ConcernFilters, args)), rows


ActionPointArgs = list_args(ActionPointFilters, "ActionPointArgs", status=ActionStatus)


@record_list("/action-points", ActionPointSchema, ActionPointArgs)
def action_point_list(args: dict):  # noqa: ANN201
    """Action points (an officer: their stations'). ``version`` is what a follow-up sends
    back, so that it does not overwrite a change made meanwhile."""

    def rows(items: list) -> list[dict]:
        return [
            {"id": p.id, "reference": f"AP-{p.id}", "station_id": p.station_id,
             "title": p.title, "status": str(p.status), "priority": str(p.priority),
             "due_on": p.due_on, "acknowledged": p.acknowledged_at is not None,
             "version": p.version}
            for p in items
        ]  # fmt: skip

    return action_point_query(current_user, filters_from(ActionPointFilters, args)), rows


class TrainingArgs(list_args(TrainingFilters, "TrainingFilterArgs")):
    module_id = id_field(data_key="module")
    year = ma.fields.Integer(validate=ma.validate.Range(min=1900, max=2200))


@record_list("/trainings", TrainingSchema, TrainingArgs)
def training_list(args: dict):  # noqa: ANN201
    """Trainings with their results: participants, matched pairs, those left out, and the
    knowledge gain (an officer: their own stations' participants only). Small counts are
    withheld as on the pages, and no mean is given over fewer than five pairs to officers and
    viewers."""
    stmt = training_query(current_user, filters_from(TrainingFilters, args))
    stmt = stmt.options(joinedload(Training.meeting).selectinload(Meeting.stations))
    return stmt, _training_rows


def _training_rows(items: list) -> list[dict]:
    suppress = disclosure.applies_to(current_user)
    counts = participant_counts(items, current_user)
    results = {
        row.key: row.summary
        for row in knowledge.grouped_summaries(
            "training", current_user, {"training_ids": [t.id for t in items]}
        )
    }
    scope = station_scope(current_user)
    out = []
    for t in items:
        summary = results.get(t.id)
        n = summary.n if summary else 0
        cells = knowledge.result_counts(summary, counts.get(t.id, 0), suppress)
        # As on the training's page: means over enough pairs that nobody's result shows.
        means = summary is not None and disclosure.mean_shown(n, suppress)

        def mean(name: str, summary=summary, means=means) -> float | None:  # noqa: ANN001
            return getattr(summary, name) if means else None

        out.append({
            "id": t.id, "meeting_id": t.meeting_id, "title": t.title,
            "status": str(t.meeting.status), "starts_on": t.starts_on, "ends_on": t.ends_on,
            "modules": [m.code for m in t.modules],
            "station_ids": [s.id for s in t.meeting.stations if scope is None or s.id in scope],
            "max_score": t.max_score, "pass_mark": t.pass_mark,
            "participants": cells["participants"].export_value,
            "pairs": cells["pairs"].export_value,
            "left_out": {k: cells[k].export_value for k in ("no_pre", "no_post", "no_scores")},
            "mean_pre_percent": mean("mean_pre"), "mean_post_percent": mean("mean_post"),
            "mean_gain_percent_points": mean("mean_gain"),
            "normalised_gain": mean("normalised_gain"),
            "share_passing_pre": mean("share_passing_pre"),
            "share_passing_post": mean("share_passing_post"),
        })  # fmt: skip
    return out
