"""Request helpers shared by list pages: page numbers and filter values from the query string.

A list opens at most ``LIST_MAX_PAGES`` pages deep: a page far down a list of 200,000 slips
would make the database read every row before it, for a page nobody reads. Deeper pages say
so and point to the filters and the download, which hold every row.

For the same reason the rows are counted only as far as the pages that may be opened (and one
more): a list longer than that says "more than N records" rather than counting 200,000 rows on
every page, so a page costs the same whatever the size of the programme.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from math import ceil
from typing import Any

from flask import current_app, request
from sqlalchemy import Select, func, select, union_all

from partnership.extensions import db
from partnership.forms import MAX_YEAR, MIN_YEAR, bounded_int


class ListPage:
    """One page of a list: the rows shown, the total, and how far the pager may go.

    ``more`` says the list has more rows than ``total``, which then counts the rows of the pages
    that may be opened (the count stopped there); otherwise ``total`` is exact."""

    def __init__(
        self,
        items: list[Any],
        page: int,
        per_page: int,
        total: int,
        max_pages: int,
        more: bool = False,
    ):
        self.items = items
        self.page = page
        self.per_page = per_page
        self.total = total
        self.more = more
        self.pages = max(1, ceil(total / per_page)) if total else 0
        self.max_pages = max_pages
        self.reachable = min(self.pages, max_pages)
        # More pages than may be opened: the pager stops at ``reachable``.
        self.capped = more or self.pages > max_pages
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


def paginate(stmt: Select, count: int | None = None, count_stmt: Select | None = None) -> ListPage:
    """One page of ``stmt``: one count query and one page query, whatever the data size; no
    page query at all beyond the last page that may be opened.

    The count reads at most the rows of the pages that may be opened, plus one to tell whether
    there are more (a LIMIT inside the count), so its cost does not grow with the data. A
    caller that knows the exact number of rows (from a summary) passes it as ``count``, and
    no count query runs. ``count_stmt``: the same rows as ``stmt`` written for counting them
    without their order, when the two are best read by different plans (the action points'
    search)."""
    per_page = current_app.config["PER_PAGE"]
    max_pages = current_app.config["LIST_MAX_PAGES"]
    page = arg_int("page") or 1
    reachable_rows = per_page * max_pages
    if count is None:
        count = db.session.scalar(
            select(func.count()).select_from(
                (stmt if count_stmt is None else count_stmt)
                .order_by(None)
                .limit(reachable_rows + 1)
                .subquery()
            )
        )
    counted = count or 0
    more = counted > reachable_rows
    items: list[Any] = []
    if page <= max_pages:
        result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
        items = list(result.unique().scalars())
    return ListPage(items, page, per_page, min(counted, reachable_rows), max_pages, more=more)


def paginate_parts(
    whole: Select, parts: Sequence[Select], rows: Callable[[Select], Select]
) -> ListPage:
    """One page of a list made of ordered parts shown one after another, each read in its order
    through an index of its own rather than the whole list sorted for every page (the meetings:
    those not yet over, the soonest first, then the past ones, the most recent first).

    ``whole``: the list's rows, counted for the pager as ``paginate`` counts them. ``parts``:
    each part as a statement of one column, the key of its rows (their id), in the part's
    order; together they hold the rows of ``whole``, each row in one part. ``rows(keys)``: the
    statement reading the rows whose key is in ``keys`` (a subquery of at most a page of keys)
    with what the page shows, in the list's order. As ``paginate``: one count query (the whole
    list and every part but the last, each counted as far as the pages that may be opened and
    one more) and one page query, whatever the data size or the page; no page query beyond the
    last page that may be opened."""
    per_page = current_app.config["PER_PAGE"]
    max_pages = current_app.config["LIST_MAX_PAGES"]
    page = arg_int("page") or 1
    reachable_rows = per_page * max_pages

    def bounded_count(stmt: Select):  # noqa: ANN202
        return (
            select(func.count())
            .select_from(stmt.order_by(None).limit(reachable_rows + 1).subquery())
            .scalar_subquery()
        )

    counted, *before_last = db.session.execute(
        select(bounded_count(whole), *(bounded_count(part) for part in parts[:-1]))
    ).one()
    counted = counted or 0
    items: list[Any] = []
    if page <= max_pages:
        # A part counted to its bound holds every row of the pages that may be opened: the
        # page's place in the list is known whatever the rest of it holds. The last part is
        # read from where the others end, however long it is.
        counts = [count or 0 for count in before_last] + [reachable_rows + 1]
        windows = part_windows(list(parts), counts, (page - 1) * per_page, per_page)
        keys = [select(window.c[0]) for window in windows]
        result = db.session.execute(rows(keys[0] if len(keys) == 1 else union_all(*keys)))
        items = list(result.unique().scalars())
    more = counted > reachable_rows
    return ListPage(items, page, per_page, min(counted, reachable_rows), max_pages, more=more)


def part_windows(parts: list[Select], counts: list[int], offset: int, limit: int) -> list:
    """The subqueries of the parts' rows that make the rows ``offset`` to ``offset + limit`` of
    the whole list, each part having ``counts`` rows: the page from the first part it starts in,
    the rest of it from the start of the next parts. The last part is always read (a page past
    the end reads nothing from it), so a page runs the same statements wherever it falls."""
    windows = []
    for index, (part, count) in enumerate(zip(parts, counts, strict=True)):
        last = index == len(parts) - 1
        if offset >= count and not last:
            offset -= count
            continue
        windows.append(part.limit(limit).offset(offset).subquery())
        limit -= max(0, min(count - offset, limit))
        offset = 0
        if limit <= 0:
            break
    return windows


def arg_int(name: str) -> int | None:
    """A positive whole number from the query string (an id, a page), or None when it is
    missing, not a number, or beyond what the databases store: the filter is then ignored."""
    return bounded_int(request.args.get(name), 1)


def form_int(name: str) -> int | None:
    """The same for a value posted outside a form class (a button's hidden id)."""
    return bounded_int(request.form.get(name), 1)


def form_ints(name: str) -> list[int]:
    return [n for n in (bounded_int(v, 1) for v in request.form.getlist(name)) if n is not None]


def arg_date(name: str) -> date | None:
    """A date (YYYY-MM-DD) from the query string, or None when it is missing, malformed or
    outside the years the pages can compute with (9999-12-31 plus a day overflows)."""
    return parse_iso_date(arg_str(name))


def parse_iso_date(value: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return day if MIN_YEAR <= day.year <= MAX_YEAR else None


def arg_str(name: str) -> str:
    return (request.args.get(name) or "").strip()[:200]


def arg_bool(name: str) -> bool:
    return request.args.get(name) in {"1", "on", "true", "yes"}
