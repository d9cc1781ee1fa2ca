"""Background tasks of the dashboard: building programme reports, and the reports whose consumer
died.

A build that raises is retried by Huey (``retries``, ``retry_delay``). A consumer killed in the
middle of a build (SIGKILL, out of memory, a server restart) raises nothing and its queue message
is gone with it, so the job row carries a lease: the consumer building it touches
``heartbeat_at`` every few seconds. When a consumer starts, and every minute while it runs, jobs
silent for longer than the lease are queued again, or marked failed after ``JOB_MAX_ATTEMPTS``
starts. A consumer claims a job before building it, so a job queued twice is built once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import Flask, current_app
from huey import crontab
from sqlalchemy import select, update

from partnership.dashboard.models import JobError, JobStatus, ReportJob
from partnership.database import reading, write_transaction
from partnership.extensions import db
from partnership.jobs import huey, job_app
from partnership.mixins import utcnow

RETRIES = 2
RETRY_DELAY_SECONDS = 30


def _set(job_id: int, *conditions, **values) -> bool:  # noqa: ANN002, ANN003
    # Progress goes through a short write of its own; the long read of a build holds no lock.
    with write_transaction() as conn:
        stmt = update(ReportJob).where(ReportJob.id == job_id, *conditions).values(**values)
        return conn.execute(stmt).rowcount == 1


def _claim(job_id: int) -> bool:
    """Mark a queued job running for this consumer; False when it is not queued (a duplicate
    message, or already built or given up)."""
    return _set(
        job_id,
        ReportJob.status == JobStatus.QUEUED,
        status=JobStatus.RUNNING,
        attempts=ReportJob.attempts + 1,
        heartbeat_at=utcnow(),
        rows_done=0,
        error="",
    )


@contextmanager
def _heartbeat(app: Flask, job_id: int) -> Iterator[None]:
    """Touch the job's heartbeat from a thread of its own while the build runs, so a long query
    between two progress updates does not look like a dead consumer."""
    interval = max(0.2, app.config["JOB_LEASE_SECONDS"] / 4)
    stop = threading.Event()

    def beat() -> None:
        with app.app_context():
            while not stop.wait(interval):
                try:
                    _set(job_id, ReportJob.status == JobStatus.RUNNING, heartbeat_at=utcnow())
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                    app.logger.warning("heartbeat of report %s not written", job_id)

    thread = threading.Thread(target=beat, name=f"report-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS, context=True)
def build_report_task(job_id: int, task=None) -> None:  # noqa: ANN001
    from partnership.dashboard.reports import build_report

    app = job_app()
    with app.app_context():
        if not _claim(job_id):
            return
        try:
            with _heartbeat(app, job_id), reading():
                job = db.session.get(ReportJob, job_id)
                path = build_report(
                    job,
                    on_total=lambda total: _set(job_id, rows_total=total, heartbeat_at=utcnow()),
                    progress=lambda done: _set(job_id, rows_done=done, heartbeat_at=utcnow()),
                )
                db.session.rollback()
        except Exception:
            db.session.rollback()
            app.logger.exception("report %s failed", job_id)
            if task is not None and task.retries > 0:
                # Huey runs the task again after the retry delay; the page keeps waiting.
                _set(job_id, status=JobStatus.QUEUED, heartbeat_at=utcnow())
                raise
            _set(job_id, status=JobStatus.FAILED, error=JobError.ERROR, finished_at=utcnow())
            return
        _set(job_id, status=JobStatus.DONE, filename=path.name, finished_at=utcnow())


def recover_stalled_jobs(now: datetime | None = None) -> tuple[list[int], list[int]]:
    """Queue again the jobs silent for longer than the lease (their consumer died, or their
    queue message was lost); fail those already started JOB_MAX_ATTEMPTS times.

    Returns the ids queued again and the ids marked failed."""
    now = now or utcnow()
    config = current_app.config
    lease = timedelta(seconds=config["JOB_LEASE_SECONDS"])
    requeued: list[int] = []
    failed: list[int] = []
    with write_transaction() as conn:
        rows = conn.execute(
            select(ReportJob.id, ReportJob.status, ReportJob.attempts,
                   ReportJob.heartbeat_at, ReportJob.created_at)
            .where(ReportJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        ).all()  # fmt: skip
        for job_id, status, attempts, heartbeat_at, created_at in rows:
            if now - (heartbeat_at or created_at) <= lease:
                continue
            unchanged = (ReportJob.id == job_id, ReportJob.status == status)
            if status is JobStatus.RUNNING and attempts >= config["JOB_MAX_ATTEMPTS"]:
                values = {"status": JobStatus.FAILED, "error": JobError.WORKER_STOPPED,
                          "finished_at": now}  # fmt: skip
                target = failed
            else:
                values = {"status": JobStatus.QUEUED, "heartbeat_at": now}
                target = requeued
            if conn.execute(update(ReportJob).where(*unchanged).values(**values)).rowcount:
                target.append(job_id)
    for job_id in requeued:
        build_report_task(job_id)
    if requeued or failed:
        current_app.logger.warning(
            "reports whose consumer stopped: queued again %s, failed %s", requeued, failed
        )
    return requeued, failed


def give_up_if_abandoned(job: ReportJob, now: datetime | None = None) -> bool:
    """Mark a job failed when nothing has worked on it for JOB_GIVE_UP_MINUTES, so its page
    stops waiting. Returns True when the job was given up now."""
    now = now or utcnow()
    give_up = timedelta(minutes=current_app.config["JOB_GIVE_UP_MINUTES"])
    if job.finished or now - job.last_sign_of_life() <= give_up:
        return False
    reason = JobError.WORKER_STOPPED if job.attempts else JobError.NO_WORKER
    return _set(
        job.id,
        ReportJob.status == job.status,
        ReportJob.heartbeat_at.is_(None)
        if job.heartbeat_at is None
        else ReportJob.heartbeat_at == job.heartbeat_at,
        status=JobStatus.FAILED,
        error=reason,
        finished_at=now,
    )


def _recover_in_consumer() -> None:
    app = job_app()
    with app.app_context():
        try:
            recover_stalled_jobs()
        except Exception:  # noqa: BLE001 - e.g. a database not migrated yet; the next run retries
            app.logger.exception("could not check for reports whose consumer stopped")


@huey.on_startup()
def recover_on_startup() -> None:
    _recover_in_consumer()


@huey.periodic_task(crontab(minute="*"))
def recover_every_minute() -> None:
    _recover_in_consumer()
