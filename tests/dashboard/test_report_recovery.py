"""Report jobs survive their consumer: a job whose consumer died is started again when a consumer
runs, or marked failed with a message and a "Try again" button; the page never waits for ever."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from partnership.dashboard import tasks
from partnership.dashboard.models import JobError, JobStatus, ReportJob
from partnership.extensions import db
from partnership.mixins import utcnow

ROOT = Path(__file__).resolve().parents[2]


def make_job(app, user, **values) -> int:  # noqa: ANN001, ANN003
    with app.app_context():
        job = ReportJob(user_id=user.id, params={"start": "2026-01-01", "end": "2026-06-30"},
                        **values)  # fmt: skip
        db.session.add(job)
        db.session.commit()
        return job.id


def load(app, job_id: int) -> ReportJob:  # noqa: ANN001
    with app.app_context():
        job = db.session.get(ReportJob, job_id)
        db.session.expunge(job)
        return job


# ---- a real consumer, killed in the middle of a build -------------------------------------------

CONSUMER = textwrap.dedent(
    """
    import pathlib, sys, time
    mode, marker = sys.argv[1], sys.argv[2]
    if mode == "hang":
        from partnership.dashboard import reports

        def hanging_build(job, on_total, progress):
            on_total(10)
            progress(2)
            pathlib.Path(marker).write_text("building")
            time.sleep(600)

        reports.build_report = hanging_build
    from partnership.worker import huey
    huey.create_consumer(workers=1, worker_type="thread", periodic=True).run()
    """
)


def start_consumer(app, tmp_path: Path, mode: str, **env) -> subprocess.Popen:  # noqa: ANN001, ANN003
    script = tmp_path / "consumer.py"
    script.write_text(CONSUMER)
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_PATH": str(tmp_path / "consumer-instance"),  # its queue file and reports
        "SECRET_KEY": "test-secret",
        "JOB_LEASE_SECONDS": "2",
        **env,
    }
    return subprocess.Popen(  # noqa: S603 - this interpreter and a script of the test
        [sys.executable, str(script), mode, str(tmp_path / "marker")],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / f"consumer-{mode}.log", "w"),  # noqa: SIM115
    )


@pytest.fixture(params=["sqlite", "redis"])
def queue_env(request, tmp_path: Path) -> Iterator[dict]:  # noqa: ANN001
    """The consumer's queue: the SQLite file (the default), or a Redis server of its own
    (``REDIS_URL``, as production may run it; ``make test`` installs redis-server)."""
    if request.param == "sqlite":
        yield {}
        return
    server = shutil.which("redis-server")
    if server is None:
        message = (
            "redis-server is missing: the Redis queue test cannot run (make test installs it)."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        print(f"\n!!! {message} !!!", file=sys.stderr)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(  # noqa: S603 - Debian's redis-server, a private one
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],  # fmt: skip
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        import redis

        client = redis.Redis.from_url(url)
        wait_for(lambda: _answers(client), 20)
        yield {"REDIS_URL": url}
    finally:
        process.terminate()
        process.wait(10)


def _answers(client) -> bool:  # noqa: ANN001
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not listening yet
        return False


def enqueue_in_real_queue(tmp_path: Path, job_id: int, queue_env: dict) -> None:
    """Put the task on the consumer's queue (SQLite file or Redis), as the web server does."""
    from huey import RedisHuey, SqliteHuey

    folder = tmp_path / "consumer-instance"
    folder.mkdir(exist_ok=True)
    if "REDIS_URL" in queue_env:
        queue = RedisHuey("partnership", url=queue_env["REDIS_URL"])
    else:
        queue = SqliteHuey("partnership", filename=str(folder / "jobs.sqlite3"))
    queue.task(retries=tasks.RETRIES, retry_delay=tasks.RETRY_DELAY_SECONDS, context=True)(
        tasks.build_report_task.func
    )(job_id)


def wait_for(condition, seconds: float = 60) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.2)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    ("max_attempts", "outcome"), [("3", JobStatus.DONE), ("1", JobStatus.FAILED)]
)
def test_killed_consumer_job_is_retried_or_failed_by_the_next_consumer(
    app, world, coordinator_client, tmp_path, max_attempts, outcome, queue_env
):
    job_id = make_job(app, world.users["coordinator"])
    enqueue_in_real_queue(tmp_path, job_id, queue_env)
    first = start_consumer(app, tmp_path, "hang", **queue_env)
    try:
        wait_for(lambda: (tmp_path / "marker").exists())
        job = load(app, job_id)
        assert job.status is JobStatus.RUNNING and job.attempts == 1
        assert b"Building the report" in coordinator_client.get(f"/reports/{job_id}").data
    finally:
        first.kill()  # SIGKILL: no handler runs, the queue message is gone with the process
        first.wait()
    # Nothing is heard of the job any more; once its 2 s lease has passed, a new consumer starts.
    last = load(app, job_id).heartbeat_at
    wait_for(lambda: utcnow() - last > timedelta(seconds=2.5), 10)
    assert load(app, job_id).status is JobStatus.RUNNING  # as the dead consumer left it

    second = start_consumer(app, tmp_path, "build", JOB_MAX_ATTEMPTS=max_attempts, **queue_env)
    try:
        wait_for(lambda: load(app, job_id).finished)
    finally:
        stop(second)
    job = load(app, job_id)
    assert job.status is outcome
    page = coordinator_client.get(f"/reports/{job_id}").data.decode()
    assert 'http-equiv="refresh"' not in page
    if outcome is JobStatus.DONE:
        assert job.attempts == 2
        assert "The report is ready." in page
    else:
        assert job.error == JobError.WORKER_STOPPED and job.attempts == 1
        assert "The background worker stopped while building the report (started 1 time)" in page
        assert "Try again" in page


# ---- the lease, the give-up time and the page, in process ---------------------------------------


def test_stalled_running_job_is_queued_again_and_built(app, world, coordinator_client):
    job_id = make_job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=1,
                      heartbeat_at=utcnow() - timedelta(minutes=5))  # fmt: skip
    fresh_id = make_job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=1,
                        heartbeat_at=utcnow())  # fmt: skip
    with app.app_context():
        requeued, failed = tasks.recover_stalled_jobs()
    assert (requeued, failed) == ([job_id], [])
    assert load(app, job_id).status is JobStatus.DONE  # the queue runs in-process in tests
    assert load(app, job_id).attempts == 2
    assert load(app, fresh_id).status is JobStatus.RUNNING  # its consumer is alive


def test_job_started_too_often_is_failed_with_a_message_and_try_again(
    app, world, coordinator_client
):
    job_id = make_job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=3,
                      heartbeat_at=utcnow() - timedelta(minutes=5))  # fmt: skip
    with app.app_context():
        assert tasks.recover_stalled_jobs() == ([], [job_id])
    page = coordinator_client.get(f"/reports/{job_id}").data.decode()
    assert "started 3 times" in page and 'http-equiv="refresh"' not in page
    response = coordinator_client.post(f"/reports/{job_id}/retry")
    assert response.status_code == 302
    new_page = coordinator_client.get(response.location).data.decode()
    assert "The report is ready." in new_page
    assert load(app, job_id).status is JobStatus.FAILED  # the old job keeps its outcome


def test_page_of_a_quiet_job_slows_down_then_gives_up(app, world, coordinator_client):
    quiet = make_job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=1,
                     heartbeat_at=utcnow() - timedelta(minutes=5))  # fmt: skip
    html = coordinator_client.get(f"/reports/{quiet}").data.decode()
    assert "it may have stopped" in html and 'content="10"' in html and "Try again" in html

    abandoned = make_job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=1,
                         heartbeat_at=utcnow() - timedelta(hours=1))  # fmt: skip
    html = coordinator_client.get(f"/reports/{abandoned}").data.decode()
    assert 'http-equiv="refresh"' not in html
    assert "The background worker stopped while building the report" in html
    assert load(app, abandoned).status is JobStatus.FAILED


def test_job_no_consumer_ever_started_is_given_up(app, world, coordinator_client):
    job_id = make_job(app, world.users["coordinator"])
    with app.app_context():
        db.session.execute(
            db.update(ReportJob).where(ReportJob.id == job_id)
            .values(created_at=utcnow() - timedelta(hours=1))
        )  # fmt: skip
        db.session.commit()
    html = coordinator_client.get(f"/reports/{job_id}").data.decode()
    assert "the queue consumer is not running" in html
    assert 'http-equiv="refresh"' not in html
    assert load(app, job_id).error == JobError.NO_WORKER


def test_another_users_job_cannot_be_retried(app, world, login_as):
    job_id = make_job(app, world.users["coordinator"], status=JobStatus.FAILED)
    assert login_as("admin").post(f"/reports/{job_id}/retry").status_code == 404


def test_a_job_queued_twice_is_built_once(app, world):
    job_id = make_job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=1,
                      heartbeat_at=utcnow())  # fmt: skip
    with app.app_context():
        tasks.build_report_task(job_id)  # a duplicate message while another consumer builds it
    job = load(app, job_id)
    assert job.status is JobStatus.RUNNING and job.attempts == 1


def test_a_build_that_raises_is_retried_by_huey_then_failed(app, world, monkeypatch):
    from partnership.dashboard import reports

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("disk gone")

    monkeypatch.setattr(reports, "build_report", broken)
    job_id = make_job(app, world.users["coordinator"])

    class Context:
        retries = 1

    with app.app_context(), pytest.raises(RuntimeError):
        # Huey catches it and runs the task again after the retry delay.
        tasks.build_report_task.func(job_id, task=Context())
    assert load(app, job_id).status is JobStatus.QUEUED
    Context.retries = 0
    with app.app_context():
        tasks.build_report_task.func(job_id, task=Context())
    job = load(app, job_id)
    assert job.status is JobStatus.FAILED and job.error == JobError.ERROR and job.attempts == 2
    with app.app_context():
        assert db.session.scalar(select(ReportJob.finished_at).where(ReportJob.id == job_id))
