"""The dashboard's to-do: what waits for the user, each item one click from its page.
Composed from the domains' query functions, each in the user's scope; which lists a user
gets is decided in ``partnership.permissions.todo_lists``. The dashboard keeps the rendered
to-do rendered like a figure (partnership.caching: until a write to a table it was read from, so
an item done leaves the list at once, or until a coming meeting ends or the next one comes within
two weeks, which no write marks). A fixed number of queries, whatever the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from meetings.models import OPEN_STATUSES, Meeting
from meetings.services.queries import MeetingFilters, meeting_query, scope_clause
from partnership.actions.services.review import (
    concerns_ready_to_resolve,
    points_to_verify,
    review_for,
)
from partnership.caching import valid_until
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.permissions import todo_lists

SHOWN = 5  # items per list; each list links to the page with all of them
MEETINGS_AHEAD = timedelta(days=14)


@dataclass
class Todo:
    lists: frozenset[str] = frozenset()
    acknowledge: list = field(default_factory=list)
    verify: list = field(default_factory=list)
    follow_up: list = field(default_factory=list)
    resolve: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    stations_overdue: int = 0
    more: set[str] = field(default_factory=set)  # lists with more than SHOWN items
    # The points, concerns and meetings already rendered (the dashboard's kept copy), if any.
    items_html: str = ""

    @property
    def more_in_review(self) -> bool:
        """More points than shown, all of them on the officer's review page."""
        return bool(self.more & {"acknowledge", "follow_up", "verify"})

    @property
    def empty(self) -> bool:
        return not (
            self.items_html
            or self.acknowledge
            or self.verify
            or self.follow_up
            or self.resolve
            or self.meetings
            or self.stations_overdue
        )


def _shown(todo: Todo, name: str, items: list) -> list:
    if len(items) > SHOWN:
        todo.more.add(name)
    return items[:SHOWN]


def todo_for(user, stations_overdue: int = 0, with_meetings: bool = True) -> Todo:  # noqa: ANN001
    """``stations_overdue``: the dashboard's own count of stations due a visit, reused.
    ``with_meetings``: the coming meetings too (else ``add_meetings`` adds them later)."""
    lists = todo_lists(user)
    todo = Todo(lists=lists)
    if not lists:
        return todo
    if "acknowledge" in lists or "follow_up" in lists:
        review = review_for(user)
        open_points = [*review.overdue, *review.due, *review.later]
        if "acknowledge" in lists:
            waiting = [p for p in open_points if p.acknowledged_at is None]
            todo.acknowledge = _shown(todo, "acknowledge", waiting)
        if "follow_up" in lists:
            todo.follow_up = _shown(todo, "follow_up", [*review.overdue, *review.due])
        if "verify" in lists:
            todo.verify = _shown(todo, "verify", review.to_verify)
    elif "verify" in lists:
        todo.verify = _shown(todo, "verify", points_to_verify(user, SHOWN + 1))
    if "resolve" in lists:
        todo.resolve = _shown(todo, "resolve", concerns_ready_to_resolve(user, SHOWN + 1))
    if "schedule" in lists:
        todo.stations_overdue = stations_overdue
    if with_meetings:
        add_meetings(user, todo)
    return todo


def add_meetings(user, todo: Todo) -> None:  # noqa: ANN001
    """The user's meetings of the next two weeks not yet held, when the user has that list.
    Kept by the dashboard until the list changes by itself (``caching.valid_until``): when one
    of them ends, or when the next one comes within two weeks."""
    if "meetings" not in todo.lists:
        return
    now = utcnow()
    ahead = now + MEETINGS_AHEAD
    stmt = (
        meeting_query(user, MeetingFilters(), now, ahead)
        .where(Meeting.status.in_(list(OPEN_STATUSES)))
        .limit(SHOWN + 1)
    )
    found = list(db.session.scalars(stmt))
    todo.meetings = _shown(todo, "meetings", found)
    coming = select(func.min(Meeting.starts_at)).where(
        Meeting.status.in_(list(OPEN_STATUSES)), Meeting.starts_at >= ahead
    )
    scope = scope_clause(user)
    if scope is not None:
        coming = coming.where(scope)
    moments = [_utc(m.ends_at) for m in found]
    next_start = db.session.scalar(coming)
    if next_start is not None:
        moments.append(_utc(next_start) - MEETINGS_AHEAD)
    valid_until(min(moments, default=None))


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
