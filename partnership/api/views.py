"""Read endpoints of the API. Each reads through the list page's own query builder with the
token's user, so it returns exactly the records (and fields) that user's list pages show."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import Select, func, select

from meetings.models import Attendee
from meetings.services.queries import MeetingFilters, meeting_query
from partnership import disclosure
from partnership.actions.services.action_points import ActionPointFilters, action_point_query
from partnership.actions.services.concerns import ConcernFilters, concern_query
from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation
from partnership.organisations.services import (
    OrganisationFilters,
    PersonFilters,
    organisation_query,
    person_query,
)
from partnership.permissions import person_name, sees_contact_details

blp = Blueprint(
    "api", __name__, url_prefix="/api/v1",
    description="Read access to the partnership's records, scoped like the pages.",
)  # fmt: skip

MAX_PER_PAGE = 100


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(
        load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


class StationArgs(PageArgs):
    q = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


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
    attendees = ma.fields.Raw(metadata={"oneOf": [{"type": "integer"}, {"type": "string"}]})


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


def _page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "page": ma.fields.Integer(required=True),
        "per_page": ma.fields.Integer(required=True),
        "total": ma.fields.Integer(required=True),
    })  # fmt: skip


StationPage = _page_schema(StationSchema, "StationPage")
PersonPage = _page_schema(PersonSchema, "PersonPage")
MeetingPage = _page_schema(MeetingSchema, "MeetingPage")
ConcernPage = _page_schema(ConcernSchema, "ConcernPage")
ActionPointPage = _page_schema(ActionPointSchema, "ActionPointPage")


def _page(stmt: Select, args: dict) -> tuple[list[Any], dict]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    per_page = args["per_page"]
    items = list(
        db.session.execute(stmt.limit(per_page).offset((args["page"] - 1) * per_page))
        .unique()
        .scalars()
    )
    return items, {"page": args["page"], "per_page": per_page, "total": total or 0}


SECURITY = [{"token": []}]


@blp.route("/stations")
@blp.arguments(StationArgs, location="query")
@blp.response(200, StationPage)
@blp.doc(security=SECURITY)
def station_list(args: dict) -> dict:
    """Police stations and posts (an officer: their own)."""
    stmt = organisation_query(current_user, OrganisationFilters(q=args["q"]))
    stmt = stmt.where(Organisation.kind.in_(list(STATION_KINDS)))
    items, meta = _page(stmt, args)
    return {**meta, "items": [
        {"id": o.id, "name": o.name, "kind": str(o.kind), "reference": o.reference,
         "command_id": o.command_id, "country": o.country, "region": o.region, "city": o.city,
         "active": o.active}
        for o in items
    ]}  # fmt: skip


@blp.route("/people")
@blp.arguments(StationArgs, location="query")
@blp.response(200, PersonPage)
@blp.doc(security=SECURITY)
def person_list(args: dict) -> dict:
    """People (an officer: the officers of their own stations). Community representatives'
    names and contacts only for the roles that see them on the pages."""
    items, meta = _page(person_query(current_user, PersonFilters(q=args["q"])), args)
    rows = []
    for p in items:
        contacts = sees_contact_details(current_user, p)
        rows.append({
            "id": p.id, "kind": str(p.kind), "name": person_name(current_user, p),
            "rank": p.rank, "position": p.position, "organisation_id": p.organisation_id,
            "email": p.email if contacts else None, "phone": p.phone if contacts else None,
            "active": p.active,
        })  # fmt: skip
    return {**meta, "items": rows}


@blp.route("/meetings")
@blp.arguments(PageArgs, location="query")
@blp.response(200, MeetingPage)
@blp.doc(security=SECURITY)
def meeting_list(args: dict) -> dict:
    """Meetings with the number of people on their register (an officer: their stations')."""
    items, meta = _page(meeting_query(current_user, MeetingFilters()), args)
    counts = dict(
        db.session.execute(
            select(Attendee.meeting_id, func.count())
            .where(Attendee.meeting_id.in_([m.id for m in items]))
            .group_by(Attendee.meeting_id)
        ).all()
    )
    suppress = disclosure.applies_to(current_user)
    return {**meta, "items": [
        {"id": m.id, "title": m.title, "kind": str(m.kind), "status": str(m.status),
         "starts_at": m.starts_at, "ends_at": m.ends_at, "timezone": m.timezone,
         "station_ids": [s.id for s in m.stations],
         "attendees": disclosure.figure(counts.get(m.id, 0), suppress).export_value}
        for m in items
    ]}  # fmt: skip


@blp.route("/concerns")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ConcernPage)
@blp.doc(security=SECURITY)
def concern_list(args: dict) -> dict:
    """Concern summaries (never the restricted details); not for viewers."""
    items, meta = _page(concern_query(current_user, ConcernFilters()), args)
    return {**meta, "items": [
        {"id": c.id, "reference": f"C-{c.id}", "station_id": c.station_id,
         "occurred_on": c.occurred_on, "category": str(c.category), "status": str(c.status),
         "place": c.place, "summary": c.summary}
        for c in items
    ]}  # fmt: skip


@blp.route("/action-points")
@blp.arguments(PageArgs, location="query")
@blp.response(200, ActionPointPage)
@blp.doc(security=SECURITY)
def action_point_list(args: dict) -> dict:
    """Action points (an officer: their stations')."""
    items, meta = _page(action_point_query(current_user, ActionPointFilters()), args)
    return {**meta, "items": [
        {"id": p.id, "reference": f"AP-{p.id}", "station_id": p.station_id, "title": p.title,
         "status": str(p.status), "priority": str(p.priority), "due_on": p.due_on,
         "acknowledged": p.acknowledged_at is not None}
        for p in items
    ]}  # fmt: skip


