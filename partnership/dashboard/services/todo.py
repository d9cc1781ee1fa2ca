"""The dashboard's to-do: what waits for the user, each item one click from its page.
Composed from the domains' query functions, each in the user's scope; which lists a user
gets is decided in ``partnership.permissions.todo_lists``. The dashboard keeps the rendered
points and concerns like a figure (partnership.caching: until a write to a table they were read
from, so an item done leaves the list at once) and reads the coming meetings on every request
(they leave the list when they start, which no write marks). A fixed number of queries,
whatever the data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from meetings.models import OPEN_STATUSES, Meeting
from meetings.services.queries import MeetingFilters, meeting_query
from partnership.actions.services.review import (
    concerns_ready_to_resolve,
    points_to_verify,
    review_for,
)
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
    # The points and concerns already rendered (the dashboard's kept copy), if any.
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
    """The user's meetings of the next two weeks not yet held, when the user has that list."""
    if "meetings" in todo.lists:
        now = utcnow()
        stmt = (
            meeting_query(user, MeetingFilters(), now, now + MEETINGS_AHEAD)
            .where(Meeting.status.in_(list(OPEN_STATUSES)))
            .limit(SHOWN + 1)
        )
        todo.meetings = _shown(todo, "meetings", list(db.session.scalars(stmt)))
