"""Background tasks of notifications: their emails, sent by the queue consumer in each
recipient's language through the configured SMTP server (``partnership.mail``).

A notification owes an email while ``email_pending`` is set. A consumer claims it before
sending (``email_claimed_at``), so a job queued twice sends once. A consumer killed between the
claim and the send raises nothing and its queue message is gone with it: every few minutes the
sweep sends what is still owed after the lease (``JOB_LEASE_SECONDS``), or whose job was never
queued; after ``NOTIFICATION_EMAIL_ATTEMPTS`` claims it gives up on that email (the
notification stays in the app)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from huey import crontab
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.orm import Session, joinedload

from partnership.database import reading, write_transaction
from partnership.extensions import db
from partnership.jobs import huey, job_app
from partnership.mixins import utcnow
from partnership.notifications.models import Notification
from partnership.notifications.services import PENDING_EMAILS, may_hear_of, wants_email

RETRIES = 2
RETRY_DELAY_SECONDS = 60


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])


def _claim(ids: Iterable[int], now: datetime) -> list[int]:
    """Claim the emails still owed among ``ids`` that no live consumer holds."""
    claimed = []
    with write_transaction() as conn:
        for notification_id in ids:
            result = conn.execute(
                update(Notification)
                .where(
                    Notification.id == notification_id,
                    Notification.email_pending.is_(True),
                    or_(
                        Notification.email_claimed_at.is_(None),
                        Notification.email_claimed_at < now - _lease(),
                    ),
                )
                .values(email_claimed_at=now, email_attempts=Notification.email_attempts + 1)
            )
            if result.rowcount == 1:
                claimed.append(notification_id)
    return claimed


def _settle(ids: list[int], **values) -> None:  # noqa: ANN003
    if ids:
        with write_transaction() as conn:
            conn.execute(update(Notification).where(Notification.id.in_(ids)).values(**values))


def _messages(ids: list[int]) -> tuple[list[EmailMessage], list[int], list[int]]:
    """The emails of the claimed notifications (in one query), those to send and those no
    longer owed: the account was deactivated, the kind muted since, or the record is out of
    the person's reach now."""
    from partnership.actions.models import ActionPoint, Concern
    from partnership.notifications.mail import notification_message

    rows = db.session.scalars(
        select(Notification)
        .options(
            joinedload(Notification.user),
            joinedload(Notification.actor),
            joinedload(Notification.action_point).joinedload(ActionPoint.station),
            joinedload(Notification.concern).joinedload(Concern.station),
        )
        .where(Notification.id.in_(ids))
        .order_by(Notification.id)
    ).all()
    messages, send, drop = [], [], []
    for n in rows:
        if wants_email(n.user, n.kind) and may_hear_of(n.user, n.action_point, n.concern):
            messages.append(notification_message(n))
            send.append(n.id)
        else:
            drop.append(n.id)
    return messages, send, drop


def deliver(ids: Iterable[int], now: datetime | None = None) -> int:
    """Send the emails owed for ``ids`` through one SMTP connection; the number sent. A failed
    send frees the claim and raises, for the queue to retry."""
    from partnership.mail import send_messages

    now = now or utcnow()
    claimed = _claim(sorted(set(ids)), now)
    if not claimed:
        return 0
    with reading():
        messages, send, drop = _messages(claimed)
        db.session.rollback()
    _settle(drop, email_pending=False, email_claimed_at=None)
    if not messages:
        return 0
    try:
        send_messages(messages)
    except Exception:
        _settle(send, email_claimed_at=None)
        _give_up_after_attempts()
        raise
    _settle(send, email_pending=False, emailed_at=utcnow())
    return len(send)


def _give_up_after_attempts() -> None:
    attempts = current_app.config.get("NOTIFICATION_EMAIL_ATTEMPTS", 5)
    with write_transaction() as conn:
        conn.execute(
            update(Notification)
            .where(Notification.email_pending.is_(True), Notification.email_attempts >= attempts)
            .values(email_pending=False, email_claimed_at=None)
        )


def owed_emails(now: datetime | None = None) -> list[int]:
    """Emails still owed a while after their notification was made (their job was lost or never
    queued) and held by no live consumer."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Notification.id)
            .where(
                Notification.email_pending.is_(True),
                Notification.created_at < now - _lease(),
                or_(
                    Notification.email_claimed_at.is_(None),
                    Notification.email_claimed_at < now - _lease(),
                ),
            )
            .order_by(Notification.id)
            .limit(500)
        )
    )


def send_owed_emails(now: datetime | None = None) -> int:
    """The sweep: send what is still owed; the number sent."""
    with reading():
        ids = owed_emails(now)
        db.session.rollback()
    return deliver(ids, now) if ids else 0


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def send_notification_emails(ids: list[int]) -> None:
    app = job_app()
    with app.app_context():
        deliver(ids)


@event.listens_for(Session, "after_commit")
def queue_after_commit(session: Session) -> None:
    """The emails of the notifications just committed go to the queue; if the queue cannot
    take them now, the sweep (``send_owed_emails``) sends them later."""
    ids = session.info.pop(PENDING_EMAILS, None)
    if not ids or not current_app.config.get("NOTIFICATION_EMAILS", True):
        return
    try:
        send_notification_emails(sorted(ids))
    except Exception:  # noqa: BLE001 - the sweep sends what could not be queued
        current_app.logger.exception("notification emails %s not queued", ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(PENDING_EMAILS, None)


@huey.on_startup()
def send_owed_emails_on_startup() -> None:
    """A consumer starting (after a crash or a restart) first sends what is still owed."""
    send_owed_emails_task.call_local()


@huey.periodic_task(crontab(minute="*/5"))
def send_owed_emails_task() -> None:
    app = job_app()
    with app.app_context():
        try:
            send_owed_emails()
        except Exception:  # noqa: BLE001 - an SMTP server down: the next sweep tries again
            app.logger.exception("owed notification emails not sent this time")


@huey.periodic_task(crontab(minute="7"))
def notify_overdue_task() -> None:
    """Every hour: owners of points that have become overdue, and command reviewers of those
    escalated, are told once."""
    from datetime import date

    from partnership.audit import set_system_actor
    from partnership.notifications.overdue import notify_overdue

    app = job_app()
    with app.app_context():
        set_system_actor("notifications")
        try:
            notify_overdue(date.today())
            db.session.commit()
        except Exception:  # noqa: BLE001 - the next hour tries again
            db.session.rollback()
            app.logger.exception("overdue action points not notified this time")


def prune_read_notifications(now: datetime | None = None) -> int:
    """Delete notifications read more than ``NOTIFICATION_KEEP_DAYS`` ago (unread ones stay,
    so the count in the header stays true); the number deleted."""
    now = now or utcnow()
    keep = timedelta(days=current_app.config.get("NOTIFICATION_KEEP_DAYS", 365))
    with write_transaction() as conn:
        result = conn.execute(
            delete(Notification).where(
                Notification.read_at.is_not(None),
                Notification.read_at < now - keep,
                Notification.email_pending.is_(False),
            )
        )
    return result.rowcount or 0


@huey.periodic_task(crontab(hour="3", minute="17"))
def prune_read_notifications_task() -> None:
    app = job_app()
    with app.app_context():
        try:
            prune_read_notifications()
        except Exception:  # noqa: BLE001 - tomorrow's run tries again
            app.logger.exception("old notifications not pruned this time")
