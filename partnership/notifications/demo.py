"""Demo notifications: the demo officer finds a point assigned to them and the overdue ones in
the bell, as they would after a day of work. The demo sends no email (its addresses are made up)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from partnership.accounts.models import User
from partnership.actions.models import ActionPoint
from partnership.extensions import db
from partnership.notifications.models import Notification, NotificationKind
from partnership.notifications.overdue import notify_overdue
from partnership.notifications.services import PENDING_EMAILS, notify


def seed_notifications() -> None:
    officer = db.session.scalar(select(User).where(User.email == "officer@demo.example"))
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.example"))
    liaison = db.session.scalar(
        select(ActionPoint).where(
            ActionPoint.title == "Nominate a liaison officer for outreach teams"
        )
    )
    if officer is not None and liaison is not None:
        notify(NotificationKind.ASSIGNED, [officer], actor=coordinator, action_point=liaison)
    notify_overdue(date.today())
    db.session.info.pop(PENDING_EMAILS, None)
    for row in db.session.scalars(select(Notification).where(Notification.email_pending)):
        row.email_pending = False
    db.session.flush()
