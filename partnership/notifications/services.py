"""Notifications: making them for the people who may hear of an event, the list, reading them,
the email settings, and the words a notification is shown and emailed with.

Making one flushes and counts it on the user's row (``users.unread_notifications``, which the
header shows without a query of its own); the emails owed are queued once the request's
transaction has committed (``tasks.queue_after_commit``), never sent inside the request."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from flask import url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import joinedload

from partnership.accounts.models import User
from partnership.actions.models import ActionPoint, Concern
from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.notifications.models import KIND_LABELS, Notification, NotificationKind
from partnership.permissions import can_see_action_point, can_see_concern

# Ids of notifications made in a session whose emails are queued when it commits
# (``tasks.queue_after_commit``).
PENDING_EMAILS = "notification_emails"


# ---- making notifications ----------------------------------------------------------------------


def may_hear_of(user: User, point: ActionPoint | None, concern: Concern | None) -> bool:
    """Only active accounts that may read the record (an officer: of their own stations) hear
    of it; the same check runs again when the email is sent."""
    if user is None or not user.active:
        return False
    if point is not None:
        return can_see_action_point(user, point)
    if concern is not None:
        return can_see_concern(user, concern)
    return False


def wants_email(user: User, kind: NotificationKind) -> bool:
    return kind.emailed and kind.value not in muted_kinds(user)


def notify(
    kind: NotificationKind,
    users: Iterable[User | None],
    *,
    actor: User | None,
    action_point: ActionPoint | None = None,
    concern: Concern | None = None,
) -> list[Notification]:
    """One notification of ``kind`` for each of ``users`` who may hear of the record, except the
    one who did it; their emails are queued when the transaction commits."""
    actor_id = getattr(actor, "id", None)
    made: list[Notification] = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.id in seen or user.id == actor_id:
            continue
        seen.add(user.id)
        if not may_hear_of(user, action_point, concern):
            continue
        made.append(
            Notification(
                user_id=user.id,
                kind=kind,
                actor_id=actor_id,
                action_point_id=action_point.id if action_point is not None else None,
                concern_id=concern.id if concern is not None else None,
                email_pending=wants_email(user, kind),
            )
        )
    if not made:
        return made
    db.session.add_all(made)
    db.session.flush()
    _count_unread(Counter(n.user_id for n in made))
    db.session.info.setdefault(PENDING_EMAILS, []).extend(n.id for n in made if n.email_pending)
    return made


def _count_unread(new: Counter) -> None:
    # An increment in SQL: two requests notifying the same person both count. Rows are taken in
    # id order, so two requests notifying the same people never wait for each other in a circle.
    users = User.__table__
    for user_id, n in sorted(new.items()):
        db.session.execute(
            update(users)
            .where(users.c.id == user_id)
            .values(unread_notifications=users.c.unread_notifications + n)
        )


def _recount_unread(user_id: int) -> None:
    users = User.__table__
    # The user's row first: a request notifying them at this moment holds it until it commits,
    # and the count below, a statement of its own, then sees that request's notification too.
    db.session.execute(select(users.c.id).where(users.c.id == user_id).with_for_update())
    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .scalar_subquery()
    )
    db.session.execute(
        update(users).where(users.c.id == user_id).values(unread_notifications=unread)
    )


# ---- the list and reading ----------------------------------------------------------------------


def notification_query(user: User) -> Select:
    """The user's notifications, newest first, with what their text needs: one query a page."""
    return (
        select(Notification)
        .options(
            joinedload(Notification.actor),
            joinedload(Notification.action_point).joinedload(ActionPoint.station),
            joinedload(Notification.concern).joinedload(Concern.station),
        )
        .where(Notification.user_id == user.id)
        .order_by(Notification.id.desc())
    )


def mark_read(user: User, notification_id: int) -> bool:
    """Mark one of the user's notifications read; ``False`` when it is not theirs."""
    owned = db.session.scalar(
        select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if owned is None:
        return False
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _recount_unread(user.id)
    return True


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; how many were unread."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    _recount_unread(user.id)
    return result.rowcount or 0


# ---- email settings ----------------------------------------------------------------------------


def muted_kinds(user: User) -> set[str]:
    return {k for k in (user.email_muted_kinds or "").split(",") if k}


def email_kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(label)) for kind, label in KIND_LABELS.items()]


def emailed_kinds(user: User) -> list[str]:
    muted = muted_kinds(user)
    return [kind.value for kind in KIND_LABELS if kind.value not in muted]


def set_emailed_kinds(user: User, kinds: Iterable[str]) -> None:
    """Email only these kinds from now on; emails owed for the others are not sent."""
    wanted = {NotificationKind(k) for k in kinds}
    muted = [kind.value for kind in KIND_LABELS if kind not in wanted]
    user.email_muted_kinds = ",".join(muted)
    db.session.flush()


# ---- the words ---------------------------------------------------------------------------------


@dataclass
class Shown:
    """A notification as its reader sees it: the sentence, a short subject, and the link."""

    notification: Notification
    text: str
    subject: str
    endpoint: str | None
    values: dict

    @property
    def url(self) -> str | None:
        return url_for(self.endpoint, **self.values) if self.endpoint else None


def _point_label(point: ActionPoint) -> str:
    title = point.title if len(point.title) <= 80 else point.title[:79] + "…"
    return _(
        "AP-%(id)d “%(title)s” at %(station)s",
        id=point.id,
        title=title,
        station=point.station.name,
    )


def _concern_label(concern: Concern) -> str:
    # The category and the station only: never the summary or the restricted details.
    return _(
        "C-%(id)d (%(category)s) at %(station)s",
        id=concern.id,
        category=concern.category.label,
        station=concern.station.name,
    )


def shown(notification: Notification, reader: User) -> Shown:
    """The words of a notification in the current language, for ``reader``. A record the reader
    may no longer see (an officer posted elsewhere) is not named."""
    n = notification
    who = n.actor.name if n.actor is not None else _("Someone")
    point, concern = n.action_point, n.concern
    if not may_hear_of(reader, point, concern):
        text = _("A record you no longer have access to changed.")
        return Shown(n, text, text, None, {})
    if point is not None:
        label = _point_label(point)
        texts = {
            NotificationKind.ASSIGNED: (
                _("%(who)s made you an owner of action point %(point)s.", who=who, point=label),
                _("Assigned to you: %(point)s", point=label),
            ),
            NotificationKind.ACKNOWLEDGED: (
                _("%(who)s acknowledged action point %(point)s.", who=who, point=label),
                _("Acknowledged: %(point)s", point=label),
            ),
            NotificationKind.TO_VERIFY: (
                _(
                    "%(who)s marked action point %(point)s done: it is for you to verify.",
                    who=who,
                    point=label,
                ),
                _("To verify: %(point)s", point=label),
            ),
            NotificationKind.VERIFIED: (
                _("%(who)s verified action point %(point)s.", who=who, point=label),
                _("Verified: %(point)s", point=label),
            ),
            NotificationKind.REOPENED: (
                _("%(who)s reopened action point %(point)s.", who=who, point=label),
                _("Reopened: %(point)s", point=label),
            ),
            NotificationKind.OVERDUE: (
                _(
                    "Action point %(point)s is overdue: it was due on %(date)s.",
                    point=label,
                    date=format_date(point.due_on, "medium"),
                ),
                _("Overdue: %(point)s", point=label),
            ),
            NotificationKind.ESCALATED: (
                _(
                    "Action point %(point)s, due on %(date)s, is still open: it is escalated to "
                    "your command for review.",
                    point=label,
                    date=format_date(point.due_on, "medium"),
                ),
                _("Escalated: %(point)s", point=label),
            ),
        }
        text, subject = texts.get(n.kind, (label, label))
        return Shown(n, text, subject, "actions.action_point_detail", {"point_id": point.id})
    label = _concern_label(concern)
    text = _("%(who)s resolved concern %(concern)s.", who=who, concern=label)
    subject = _("Concern resolved: %(concern)s", concern=label)
    return Shown(n, text, subject, "actions.concern_detail", {"concern_id": concern.id})
