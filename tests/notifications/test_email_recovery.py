"""A notification email survives its consumer: a real consumer killed in the middle of sending
(SIGKILL: its queue message is gone with it) leaves the email owed, and the next consumer sends it
when it starts, once."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from partnership.extensions import db
from partnership.mixins import utcnow
from partnership.notifications import tasks
from partnership.notifications.models import Notification, NotificationKind
from tests.dashboard.test_report_recovery import stop, wait_for
from tests.test_password_reset import smtp_server  # noqa: F401 - the local SMTP server fixture

ROOT = Path(__file__).resolve().parents[2]

CONSUMER = textwrap.dedent(
    """
    import pathlib, sys, time
    mode, marker = sys.argv[1], sys.argv[2]
    if mode == "hang":
        from partnership import mail

        def hanging_send(messages):
            pathlib.Path(marker).write_text("sending")
            time.sleep(600)

        mail.send_messages = hanging_send
    from partnership.worker import huey
    huey.create_consumer(workers=1, worker_type="thread", periodic=True).run()
    """
)


def _start_consumer(app, tmp_path: Path, mode: str, smtp_port: int) -> subprocess.Popen:  # noqa: ANN001
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "consumer-instance"),
        "SECRET_KEY": "test-secret",
        "JOB_LEASE_SECONDS": "2",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "BASE_URL": "https://pm.example.org",
    }
    environment.pop("REDIS_URL", None)
    return subprocess.Popen(  # noqa: S603 - this interpreter and a script of the test
        [sys.executable, str(script), mode, str(tmp_path / "marker")],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"consumer-{mode}.log", "w"),  # noqa: SIM115
    )


def _enqueue(tmp_path: Path, ids: list[int]) -> None:
    """Put the email job on the consumer's SQLite queue, as the web server does on commit."""
    from huey import SqliteHuey

    folder = tmp_path / "consumer-instance"
    folder.mkdir(exist_ok=True)
    queue = SqliteHuey("partnership", filename=str(folder / "jobs.sqlite3"))
    queue.task(retries=tasks.RETRIES, retry_delay=tasks.RETRY_DELAY_SECONDS)(
        tasks.send_notification_emails.func
    )(ids)


def _row(app, notification_id: int) -> Notification:  # noqa: ANN001
    with app.app_context():
        row = db.session.get(Notification, notification_id)
        db.session.expunge(row)
        return row


def test_an_email_whose_consumer_was_killed_is_sent_by_the_next_consumer_once(
    app,
    world,
    make_action_point,
    tmp_path,
    smtp_server,  # noqa: F811
):
    point = make_action_point(world.station_a, police_owner_id=world.users["officer"].id)
    with app.app_context():
        row = Notification(
            user_id=world.users["officer"].id,
            kind=NotificationKind.ASSIGNED,
            action_point_id=point.id,
            actor_id=world.users["coordinator"].id,
            email_pending=True,
        )
        db.session.add(row)
        db.session.commit()
        notification_id = row.id
    port = int(app.config["MAIL_PORT"])
    _enqueue(tmp_path, [notification_id])
    first = _start_consumer(app, tmp_path, "hang", port)
    try:
        wait_for(lambda: (tmp_path / "marker").exists())
        claimed = _row(app, notification_id)
        assert claimed.email_pending and claimed.email_attempts == 1
    finally:
        first.kill()  # SIGKILL: no handler runs, the queue message is gone with the process
        first.wait()
    assert smtp_server.messages == []
    claimed_at = _row(app, notification_id).email_claimed_at
    wait_for(lambda: utcnow() - claimed_at > timedelta(seconds=2.5), 10)

    second = _start_consumer(app, tmp_path, "send", port)
    try:
        wait_for(lambda: not _row(app, notification_id).email_pending)
        time.sleep(0.5)
    finally:
        stop(second)
    sent = _row(app, notification_id)
    assert sent.emailed_at is not None and sent.email_attempts == 2
    assert [m.rcpt_tos for m in smtp_server.messages] == [["officer@test.example"]]
    with app.app_context():
        assert db.session.scalars(select(Notification.id)).all() == [notification_id]
