"""Who is told of what: receivers of the loop's signals.

- An owner newly named on an action point (police or NGO side) is told it is assigned to them.
- An officer acknowledging a point tells its NGO owner (or, without one, whoever created it).
- A point marked done tells the owner on the other side, who verifies it (the NGO side without
  an owner: whoever created it).
- A point verified or reopened tells its owners.
- A concern resolved tells whoever logged it.

Never the person who did it, and only people who may read the record (``may_hear_of``)."""

from __future__ import annotations

from typing import Any

from partnership.accounts.models import User
from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernStatus, Side
from partnership.extensions import db
from partnership.notifications.models import NotificationKind
from partnership.notifications.services import notify
from partnership.signals import action_point_acknowledged, action_point_assigned, status_changed


def _user(user_id: int | None) -> User | None:
    return db.session.get(User, user_id) if user_id else None


# By id, not through the relationships: an edit sets the owner ids, and a relationship loaded
# before it would still name the former owner.
def _owners(point: ActionPoint) -> list[User | None]:
    return [_user(point.police_owner_id), _user(point.ngo_owner_id)]


def _ngo_side(point: ActionPoint) -> User | None:
    return _user(point.ngo_owner_id) or _user(point.created_by_id)


def on_assigned(point: ActionPoint, user: User | None = None, previous: Any = (), **_: Any) -> None:
    before = {i for i in previous if i}
    named = [owner for owner in _owners(point) if owner is not None and owner.id not in before]
    notify(NotificationKind.ASSIGNED, named, actor=user, action_point=point)


def on_acknowledged(point: ActionPoint, user: User | None = None, **_: Any) -> None:
    notify(NotificationKind.ACKNOWLEDGED, [_ngo_side(point)], actor=user, action_point=point)


def on_status_changed(record: Any, user: User | None = None, new: Any = None, **_: Any) -> None:
    if isinstance(record, ActionPoint):
        point = record
        if new is ActionStatus.DONE:
            other = (
                _ngo_side(point) if point.done_side is Side.POLICE else _user(point.police_owner_id)
            )
            notify(NotificationKind.TO_VERIFY, [other], actor=user, action_point=point)
        elif new is ActionStatus.VERIFIED:
            notify(NotificationKind.VERIFIED, _owners(point), actor=user, action_point=point)
        elif new is ActionStatus.REOPENED:
            notify(NotificationKind.REOPENED, _owners(point), actor=user, action_point=point)
    elif isinstance(record, Concern) and new is ConcernStatus.RESOLVED:
        logged_by = _user(record.created_by_id)
        notify(NotificationKind.CONCERN_RESOLVED, [logged_by], actor=user, concern=record)


def connect_receivers() -> None:
    """Called when the notifications blueprint is registered; the emails of what they make are
    queued when the request commits (``tasks.queue_after_commit``)."""
    import partnership.notifications.tasks  # noqa: F401

    action_point_assigned.connect(on_assigned)
    action_point_acknowledged.connect(on_acknowledged)
    status_changed.connect(on_status_changed)
