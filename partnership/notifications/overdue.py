"""Overdue and escalated action points, told in the app once per point and person: its owners
when it passes its due date, and the senior officers of the station's command once it is
``ESCALATION_DAYS`` overdue. The queue consumer checks every hour (``tasks.py``), so a day the
server was down is caught up; the daily reminder digest emails the same points."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from partnership.accounts.models import User
from partnership.actions.models import OPEN_ACTION_STATUSES, ActionPoint
from partnership.actions.services.concerns import escalation_days
from partnership.extensions import db
from partnership.notifications.models import Notification, NotificationKind
from partnership.notifications.services import notify
from partnership.permissions import may_own_police_side


def _told(on: date) -> set[tuple[int, int, NotificationKind]]:
    """Who was already told that a point now overdue is overdue or escalated (since its due
    date: a point moved to a later date and overdue again is told again)."""
    rows = db.session.execute(
        select(
            Notification.user_id,
            Notification.action_point_id,
            Notification.kind,
            Notification.created_at,
            ActionPoint.due_on,
        )
        .join(ActionPoint, ActionPoint.id == Notification.action_point_id)
        .where(
            Notification.kind.in_([NotificationKind.OVERDUE, NotificationKind.ESCALATED]),
            ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)),
            ActionPoint.due_on < on,
        )
    )
    return {
        (user_id, point_id, kind)
        for user_id, point_id, kind, created_at, due_on in rows
        if created_at.date() >= due_on
    }


def _reviewers(command_ids: set[int]) -> dict[int, list[User]]:
    by_command: dict[int, list[User]] = defaultdict(list)
    if not command_ids:
        return by_command
    for user in db.session.scalars(
        select(User).where(User.organisation_id.in_(command_ids), User.active.is_(True))
    ):
        if may_own_police_side(user):
            by_command[user.organisation_id].append(user)
    return by_command


def notify_overdue(on: date) -> int:
    """Tell owners of points overdue on ``on``, and command reviewers of escalated ones, who
    were not told yet; flushes, the caller commits. The number of notifications made."""
    points = list(
        db.session.scalars(
            select(ActionPoint)
            .options(
                joinedload(ActionPoint.station),
                joinedload(ActionPoint.police_owner),
                joinedload(ActionPoint.ngo_owner),
            )
            .where(ActionPoint.status.in_(list(OPEN_ACTION_STATUSES)), ActionPoint.due_on < on)
            .order_by(ActionPoint.due_on, ActionPoint.id)
        )
    )
    if not points:
        return 0
    told = _told(on)
    escalate_before = on - timedelta(days=escalation_days())
    reviewers = _reviewers(
        {p.station.command_id for p in points if p.due_on <= escalate_before} - {None}
    )
    made = 0
    for point in points:
        owners = [
            u
            for u in (point.police_owner, point.ngo_owner)
            if u is not None and (u.id, point.id, NotificationKind.OVERDUE) not in told
        ]
        made += len(notify(NotificationKind.OVERDUE, owners, actor=None, action_point=point))
        if point.due_on <= escalate_before:
            command = [
                u
                for u in reviewers.get(point.station.command_id, [])
                if (u.id, point.id, NotificationKind.ESCALATED) not in told
            ]
            made += len(notify(NotificationKind.ESCALATED, command, actor=None, action_point=point))
    return made
