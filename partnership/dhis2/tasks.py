"""The push to DHIS2, sent by the queue consumer: never inside a web request, which would wait
on a distant server.

A consumer claims a queued push before sending it, so a push queued twice is sent once. A push
that nothing sent for ``JOB_GIVE_UP_MINUTES`` (no consumer running) is given up when its page is
opened, and can be sent again: DHIS2 keeps one value per data element, period, organisation
unit and combo, so a payload sent twice stores what it stored once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import update

from partnership.database import write_transaction
from partnership.dhis2 import client, credentials
from partnership.dhis2.models import Dhis2Push, PushStatus
from partnership.extensions import db
from partnership.jobs import huey, job_app
from partnership.mixins import utcnow


def _set(push_id: int, *conditions, **values) -> bool:  # noqa: ANN002, ANN003
    with write_transaction() as conn:
        stmt = update(Dhis2Push).where(Dhis2Push.id == push_id, *conditions).values(**values)
        return conn.execute(stmt).rowcount == 1


def _fail(push_id: int, problem: str, detail: str = "", http_status: int | None = None) -> None:
    _set(push_id, status=PushStatus.FAILED, error=problem, error_detail=detail,
         http_status=http_status, finished_at=utcnow())  # fmt: skip


@huey.task()
def push_task(push_id: int) -> None:
    from partnership.dhis2.services import get_connection

    app = job_app()
    with app.app_context():
        claimed = _set(
            push_id,
            Dhis2Push.status == PushStatus.QUEUED,
            status=PushStatus.RUNNING,
            attempts=Dhis2Push.attempts + 1,
        )
        if not claimed:
            return
        try:
            push = db.session.get(Dhis2Push, push_id)
            connection = get_connection()
            if connection is None or not connection.server_url:
                db.session.rollback()
                _fail(push_id, "no_connection")
                return
            try:
                secret = credentials.decrypt(connection.secret_encrypted)
            except credentials.SecretUnreadable:
                db.session.rollback()
                _fail(push_id, "secret_unreadable")
                return
            header = client.authorization(str(connection.auth_kind), connection.username, secret)
            server_url, payload = connection.server_url, push.payload
            db.session.rollback()  # no transaction stays open while the server is waited for
            answer = client.send_data_values(server_url, header, payload)
        except Exception:
            db.session.rollback()
            app.logger.exception("DHIS2 push %s failed", push_id)
            _fail(push_id, "error")
            return
        if not answer.summary:
            app.logger.warning("DHIS2 push %s: no import summary (%s, HTTP %s)",
                               push_id, answer.problem, answer.http_status)  # fmt: skip
            _fail(push_id, answer.problem, answer.detail, answer.http_status)
            return
        _set(
            push_id,
            status=PushStatus.DONE,
            http_status=answer.http_status,
            import_status=answer.import_status,
            imported=answer.imported,
            updated=answer.updated,
            ignored=answer.ignored,
            deleted=answer.deleted,
            conflicts=answer.conflicts,
            finished_at=utcnow(),
        )


def give_up_if_abandoned(push: Dhis2Push, now: datetime | None = None) -> bool:
    """Mark a push failed when no consumer has sent it for JOB_GIVE_UP_MINUTES."""
    now = now or utcnow()
    give_up = timedelta(minutes=current_app.config["JOB_GIVE_UP_MINUTES"])
    if push.finished or now - push.created_at <= give_up:
        return False
    problem = "stopped" if push.attempts else "no_worker"
    return _set(push.id, Dhis2Push.status == push.status, status=PushStatus.FAILED,
                error=problem, finished_at=now)  # fmt: skip
