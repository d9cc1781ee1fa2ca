"""Request helpers shared by list pages: page numbers and filter values from the query string.

A list opens at most ``LIST_MAX_PAGES`` pages deep: a page far down a list of 200,000 slips
would make the database read every row before it, for a page nobody reads. Deeper pages say
so and point to the filters and the download, which hold every row.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select

from partnership.extensions import db


class ListPage:
    """One page of a list: the rows shown, the exact total, and how far the pager may go."""

    def __init__(self, items: list[Any], page: int, per_page: int, total: int, max_pages: int):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.total = total
        self.pages = max(1, ceil(total / per_page)) if total else 0
        self.max_pages = max_pages
        self.reachable = min(self.pages, max_pages)
        # More pages than may be opened: the pager stops at ``reachable``.
        self.capped = self.pages > max_pages
        self.beyond = page > max_pages and self.capped

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return max(1, min(self.page - 1, self.reachable))

    @property
    def has_next(self) -> bool:
        return self.page < self.reachable

    @property
    def next_num(self) -> int:
        return self.page + 1


def paginate(stmt: Select) -> ListPage:
    """One page of ``stmt``: one count query and one page query, whatever the data size; no
    page query at all beyond the last page that may be opened."""
    per_page = current_app.config["PER_PAGE"]
    max_pages = current_app.config["LIST_MAX_PAGES"]
    page = max(1, request.args.get("page", 1, type=int) or 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items: list[Any] = []
    if page <= max_pages:
        result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
        items = list(result.unique().scalars())
    return ListPage(items, page, per_page, total or 0, max_pages)


def arg_int(name: str) -> int | None:
    return request.args.get(name, type=int)


def arg_str(name: str) -> str:
    return (request.args.get(name) or "").strip()[:200]


def arg_bool(name: str) -> bool:
    return request.args.get(name) in {"1", "on", "true", "yes"}
