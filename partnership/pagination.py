"""Request helpers shared by list pages: page numbers and filter values from the query string."""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import Select

from partnership.extensions import db


def paginate(stmt: Select):  # noqa: ANN201
    """One page of ``stmt`` (one count query plus one page query, whatever the data size)."""
    return db.paginate(
        stmt,
        page=request.args.get("page", 1, type=int),
        per_page=current_app.config["PER_PAGE"],
        error_out=False,
        max_per_page=200,
    )


def arg_int(name: str) -> int | None:
    return request.args.get(name, type=int)


def arg_str(name: str) -> str:
    return (request.args.get(name) or "").strip()[:200]


def arg_bool(name: str) -> bool:
    return request.args.get(name) in {"1", "on", "true", "yes"}
