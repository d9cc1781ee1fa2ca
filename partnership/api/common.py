"""What every API endpoint shares: the blueprint, the token security scheme, and the one list
helper (pagination, filters, scoping) that the record lists are declared with."""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Callable, Iterable
from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint
from sqlalchemy import Select, func, select

from partnership.extensions import db

blp = Blueprint(
    "api", __name__, url_prefix="/api/v1",
    description="The partnership's records and figures, scoped like the pages; the field flows.",
)  # fmt: skip

SECURITY = [{"token": []}]
MAX_PER_PAGE = 100


class PageArgs(ma.Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100_000))
    per_page = ma.fields.Integer(
        load_default=50, validate=ma.validate.Range(min=1, max=MAX_PER_PAGE)
    )


NO_NUL = ma.validate.Regexp(r"^[^\x00]*$", error="Not a valid text.")


def text(max_length: int, min_length: int | None = None, **kwargs: Any) -> ma.fields.String:
    """A text field: up to ``max_length`` characters, never a NUL (PostgreSQL cannot keep one
    and the app refuses it in a query string)."""
    return ma.fields.String(
        validate=[ma.validate.Length(min=min_length, max=max_length), NO_NUL], **kwargs
    )


def values_of(kind: type[enum.Enum]) -> ma.validate.OneOf:
    return ma.validate.OneOf([str(member.value) for member in kind])


def id_field(**kwargs: Any) -> ma.fields.Integer:
    return ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1), **kwargs)


# The query parameters a list may offer, by the name of the list page's filter field they fill.
FILTER_ARGS: dict[str, tuple[str, Callable[..., ma.fields.Field]]] = {
    "q": ("q", lambda **kw: text(200, **kw)),
    "station_id": ("station", id_field),
    "command_id": ("command", id_field),
    "country": (
        "country",
        lambda **kw: ma.fields.String(validate=ma.validate.Length(equal=2), **kw),
    ),
}


def list_args(filters: type, name: str, **choices: type[enum.Enum]) -> type[ma.Schema]:
    """The query parameters of a list: page, per_page, and those of the list page's filters
    (``filters``, a dataclass) that the API offers; ``choices`` adds enumerated ones (status,
    kind) by the filter field's name."""
    names = {f.name for f in dataclasses.fields(filters)}
    fields: dict[str, ma.fields.Field] = {}
    for field_name, (arg, make) in FILTER_ARGS.items():
        if field_name in names:
            fields[field_name] = make(data_key=arg)
    for field_name, kind in choices.items():
        assert field_name in names, (filters, field_name)
        fields[field_name] = ma.fields.String(validate=values_of(kind))
    return type(name, (PageArgs,), fields)


def filters_from(filters: type, args: dict) -> Any:
    """The list page's filter dataclass filled from the parsed query parameters."""
    names = {f.name for f in dataclasses.fields(filters)}
    return filters(**{k: v for k, v in args.items() if k in names})


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    return type(name, (ma.Schema,), {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "page": ma.fields.Integer(required=True),
        "per_page": ma.fields.Integer(required=True),
        "total": ma.fields.Integer(required=True),
    })  # fmt: skip


def page_of(stmt: Select, args: dict) -> tuple[list[Any], dict]:
    """One page of ``stmt``'s rows and the page's description (page, per_page, total)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    per_page = args["per_page"]
    items = list(
        db.session.execute(stmt.limit(per_page).offset((args["page"] - 1) * per_page))
        .unique()
        .scalars()
    )
    return items, {"page": args["page"], "per_page": per_page, "total": total or 0}


Rows = Callable[[list[Any]], Iterable[dict]]


def record_list(
    path: str, item: type[ma.Schema], args: type[ma.Schema] = PageArgs
) -> Callable[[Callable[[dict], tuple[Select, Rows]]], Callable]:
    """Declare a paginated list endpoint. The decorated function takes the parsed query
    parameters and returns the list page's own query (built with the token's user, so it is
    scoped exactly like the page) and a function turning a page of records into rows; its
    name is the endpoint's and its docstring the operation's description."""
    name = item.__name__.removesuffix("Schema")
    paged = page_schema(item, f"{name}Page")

    def decorate(query: Callable[[dict], tuple[Select, Rows]]) -> Callable:
        @functools.wraps(query)
        def endpoint(args: dict) -> dict:
            stmt, rows = query(args)
            items, meta = page_of(stmt, args)
            return {**meta, "items": list(rows(items))}

        endpoint = blp.doc(security=SECURITY)(endpoint)
        endpoint = blp.response(200, paged)(endpoint)
        endpoint = blp.arguments(args, location="query", unknown=ma.RAISE)(endpoint)
        return blp.route(path, methods=["GET"])(endpoint)

    return decorate
