"""Running a background job: claim it, keep its heartbeat, record progress and outcome, and
notice jobs whose consumer died.

What a job builds is registered by kind (``register_builder``): the dashboard registers the
programme report, this package the list downloads (``partnership.jobs.exports``). A build that
raises is retried by Huey (``retries``, ``retry_delay``). A consumer killed in the middle of a
build (SIGKILL, out of memory, a server restart) raises nothing and its queue message is gone
with it, so the job row carries a lease: the consumer building it touches ``heartbeat_at`` every
few seconds. When a consumer starts, and every minute while it runs, jobs silent for longer than
the lease are queued again, or marked failed after ``JOB_MAX_ATTEMPTS`` starts. A consumer
claims a job before building it, so a job queued twice is built once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app
from huey import crontab
from sqlalchemy import select, update

from partnership.database import reading, write_transaction
from partnership.extensions import db
from partnership.jobs import huey, job_app
from partnership.jobs.models import Job, JobError, JobStatus
from partnership.mixins import utcnow

RETRIES = 2
RETRY_DELAY_SECONDS = 30

# A builder writes the job's file and returns its path; it reports the rows it will write
# (on_total) and those written so far (progress).
Builder = Callable[[Job, Callable[[int], None], Callable[[int], None]], Path]
_BUILDERS: dict[str, Builder] = {}
# Housekeeping run with the recovery every minute (old downloads removed).
_CHORES: list[Callable[[], object]] = []


def register_builder(kind: str, builder: Builder) -> None:
    _BUILDERS[kind] = builder


def register_chore(chore: Callable[[], object]) -> None:
    if chore not in _CHORES:
        _CHORES.append(chore)


def set_job(job_id: int, *conditions, **values) -> bool:  # noqa: ANN002, ANN003
    # Progress goes through a short write of its own; the long read of a build holds no lock.
    with write_transaction() as conn:
        stmt = update(Job).where(Job.id == job_id, *conditions).values(**values)
        return conn.execute(stmt).rowcount == 1


def _claim(job_id: int) -> bool:
    """Mark a queued job running for this consumer; False when it is not queued (a duplicate
    message, or already built or given up)."""
    return set_job(
        job_id,
        Job.status == JobStatus.QUEUED,
        status=JobStatus.RUNNING,
        attempts=Job.attempts + 1,
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
                    set_job(job_id, Job.status == JobStatus.RUNNING, heartbeat_at=utcnow())
                except Exception:  # noqa: BLE001 - a missed beat is retried at the next one
                    app.logger.warning("heartbeat of job %s not written", job_id)

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS, context=True)
def run_job_task(job_id: int, task=None) -> None:  # noqa: ANN001
    app = job_app()
    with app.app_context():
        if not _claim(job_id):
            return
        try:
            with _heartbeat(app, job_id), reading():
                job = db.session.get(Job, job_id)
                build = _BUILDERS[job.kind]
                path = build(
                    job,
                    lambda total: set_job(job_id, rows_total=total, heartbeat_at=utcnow()),
                    lambda done: set_job(job_id, rows_done=done, heartbeat_at=utcnow()),
                )
                db.session.rollback()
        except Exception:
            db.session.rollback()
            app.logger.exception("background job %s failed", job_id)
            if task is not None and task.retries > 0:
                # Huey runs the task again after the retry delay; the page keeps waiting.
                set_job(job_id, status=JobStatus.QUEUED, heartbeat_at=utcnow())
                raise
            set_job(job_id, status=JobStatus.FAILED, error=JobError.ERROR, finished_at=utcnow())
            return
        set_job(job_id, status=JobStatus.DONE, filename=path.name, finished_at=utcnow())


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
            select(Job.id, Job.status, Job.attempts, Job.heartbeat_at, Job.created_at)
            .where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        ).all()  # fmt: skip
        for job_id, status, attempts, heartbeat_at, created_at in rows:
            if now - (heartbeat_at or created_at) <= lease:
                continue
            unchanged = (Job.id == job_id, Job.status == status)
            if status is JobStatus.RUNNING and attempts >= config["JOB_MAX_ATTEMPTS"]:
                values = {"status": JobStatus.FAILED, "error": JobError.WORKER_STOPPED,
                          "finished_at": now}  # fmt: skip
                target = failed
            else:
                values = {"status": JobStatus.QUEUED, "heartbeat_at": now}
                target = requeued
            if conn.execute(update(Job).where(*unchanged).values(**values)).rowcount:
                target.append(job_id)
    for job_id in requeued:
        run_job_task(job_id)
    if requeued or failed:
        current_app.logger.warning(
            "background jobs whose consumer stopped: queued again %s, failed %s", requeued, failed
        )
    return requeued, failed


def give_up_if_abandoned(job: Job, now: datetime | None = None) -> bool:
    """Mark a job failed when nothing has worked on it for JOB_GIVE_UP_MINUTES, so its page
    stops waiting. Returns True when the job was given up now."""
    now = now or utcnow()
    give_up = timedelta(minutes=current_app.config["JOB_GIVE_UP_MINUTES"])
    if job.finished or now - job.last_sign_of_life() <= give_up:
        return False
    reason = JobError.WORKER_STOPPED if job.attempts else JobError.NO_WORKER
    return set_job(
        job.id,
        Job.status == job.status,
        Job.heartbeat_at.is_(None) if job.heartbeat_at is None
        else Job.heartbeat_at == job.heartbeat_at,
        status=JobStatus.FAILED,
        error=reason,
        finished_at=now,
    )  # fmt: skip


def _recover_in_consumer() -> None:
    app = job_app()
    with app.app_context():
        try:
            recover_stalled_jobs()
        except Exception:  # noqa: BLE001 - e.g. a database not migrated yet; the next run retries
            app.logger.exception("could not check for jobs whose consumer stopped")
        for chore in _CHORES:
            try:
                chore()
            except Exception:  # noqa: BLE001 - the next run retries
                app.logger.exception("background chore %s failed", chore.__name__)


@huey.on_startup()
def recover_on_startup() -> None:
    _recover_in_consumer()


@huey.periodic_task(crontab(minute="*"))
def recover_every_minute() -> None:
    _recover_in_consumer()
