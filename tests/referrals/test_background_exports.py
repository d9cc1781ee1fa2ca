"""Long list downloads are written by the queue consumer: the request answers at once with the
job's page, the job writes the rows the list shows (same filters, same scope, nothing a role may
not read), the page shows progress then the link, and a job whose consumer died is started again
or failed with a message. (The queue runs in-process in tests, so a job is done when the
redirect arrives.)"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from partnership.extensions import db
from partnership.jobs import exports as job_exports
from partnership.jobs.models import Job, JobError, JobKind, JobStatus
from partnership.jobs.runner import recover_stalled_jobs
from partnership.mixins import utcnow
from tests.referrals.conftest import CODES, add_redemption, add_slips


@pytest.fixture()
def slips(app, world, referrals):  # noqa: ANN001, ANN201
    a = add_slips(app, referrals.scheme_id, world.station_a.id, 4, start=1)
    add_slips(app, referrals.scheme_id, world.station_c.id, 3, start=20)
    add_redemption(app, referrals.scheme_id, referrals.point_id, a[0], CODES[0])
    return referrals


@pytest.fixture()
def background(app):  # noqa: ANN001, ANN201
    """Every download of a row or more goes to the background queue."""
    app.config["EXPORT_DIRECT_MAX_ROWS"] = 0
    yield
    app.config["EXPORT_DIRECT_MAX_ROWS"] = 1_000


def _rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8").lstrip("\ufeff"))))


def _direct(app, client, path: str) -> bytes:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.data


def _through_the_queue(client, path: str) -> tuple[str, bytes]:  # noqa: ANN001
    response = client.get(path)
    assert response.status_code == 302
    assert response.location.startswith("/downloads/")
    page = client.get(response.location).get_data(as_text=True)
    assert "The file is ready." in page
    download = client.get(response.location + "/file")
    assert download.status_code == 200
    return response.location, download.data


@pytest.mark.parametrize(
    "path",
    [
        "/referrals/slips/export.csv",
        "/referrals/slips/export.csv?state=redeemed",
        "/action-points/export.csv",
        "/concerns/export.csv",
        "/people/export.csv",
        "/meetings/export.csv",
        "/referrals/redemptions/export.csv",
    ],
)
def test_the_queued_file_holds_the_same_rows_as_the_direct_download(
    app, world, slips, coordinator_client, path
):  # noqa: ANN001
    direct = _rows(_direct(app, coordinator_client, path))
    app.config["EXPORT_DIRECT_MAX_ROWS"] = -1  # even an empty list goes through the queue
    try:
        _, data = _through_the_queue(coordinator_client, path)
    finally:
        app.config["EXPORT_DIRECT_MAX_ROWS"] = 1_000
    assert _rows(data) == direct


def test_an_officers_queued_file_has_their_station_only_and_no_redemptions(
    app, world, slips, officer_client, background
):  # noqa: ANN001
    _, data = _through_the_queue(officer_client, "/referrals/slips/export.csv")
    rows = _rows(data)
    assert len(rows[0]) == 6 and "Redeemed on" not in rows[0]
    assert sorted(r[0] for r in rows[1:]) == ["00001", "00002", "00003", "00004"]
    text = data.decode()
    assert "Charlie" not in text
    assert not any(code in text for code in CODES)


def test_the_filters_of_the_list_apply_to_the_queued_excel_file(
    app, world, slips, coordinator_client, background
):  # noqa: ANN001
    _, data = _through_the_queue(
        coordinator_client, f"/referrals/slips/export.xlsx?station={world.station_c.id}"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data), read_only=True).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == ["00022", "00021", "00020"]


def test_a_denied_role_gets_no_job_and_another_user_cannot_see_or_take_the_file(
    app, world, slips, coordinator_client, trainer_client, login_as, background
):  # noqa: ANN001
    assert trainer_client.get("/referrals/redemptions/export.csv").status_code == 403
    assert login_as("viewer").get("/referrals/slips/export.csv").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(Job.id).where(Job.kind == JobKind.EXPORT)) is None
    location, _ = _through_the_queue(coordinator_client, "/referrals/redemptions/export.csv")
    admin = login_as("admin")
    assert admin.get(location).status_code == 404
    assert admin.get(location + "/file").status_code == 404
    assert admin.post(location + "/retry").status_code == 404


def test_a_file_is_refused_to_its_owner_once_their_role_changed(
    app, world, slips, coordinator_client, background
):  # noqa: ANN001
    location, _ = _through_the_queue(coordinator_client, "/referrals/slips/export.csv")
    from partnership.accounts.models import User
    from partnership.roles import Role

    with app.app_context():
        user = db.session.get(User, world.users["coordinator"].id)
        user.role = Role.TRAINER
        db.session.commit()
    assert coordinator_client.get(location + "/file").status_code == 404


def _job(app, user, **values) -> int:  # noqa: ANN001, ANN003
    with app.app_context():
        job = Job(kind=JobKind.EXPORT, user_id=user.id, rows_total=10_000,
                  params={"export": "slips", "fmt": "csv", "args": {}, "lang": "en",
                          "role": user.role.value, "endpoint": "referrals.slip_export"},
                  **values)  # fmt: skip
        db.session.add(job)
        db.session.commit()
        return job.id


def _load(app, job_id: int) -> Job:  # noqa: ANN001
    with app.app_context():
        job = db.session.get(Job, job_id)
        db.session.expunge(job)
        return job


def test_the_page_shows_progress_while_the_file_is_written(app, world, slips, coordinator_client):  # noqa: ANN001
    job_id = _job(app, world.users["coordinator"], status=JobStatus.RUNNING, attempts=1,
                  heartbeat_at=utcnow(), rows_done=2_000)  # fmt: skip
    page = coordinator_client.get(f"/downloads/{job_id}").get_data(as_text=True)
    assert "Writing the file" in page and "2,000 of 10,000 rows written" in page
    assert 'http-equiv="refresh" content="2"' in page
    assert coordinator_client.get(f"/downloads/{job_id}/file").status_code == 404


def test_a_killed_consumers_export_is_written_again_or_failed(app, world, slips, coordinator_client):  # noqa: ANN001
    user = world.users["coordinator"]
    stalled = _job(app, user, status=JobStatus.RUNNING, attempts=1,
                   heartbeat_at=utcnow() - timedelta(minutes=5))  # fmt: skip
    worn_out = _job(app, user, status=JobStatus.RUNNING, attempts=3,
                    heartbeat_at=utcnow() - timedelta(minutes=5))  # fmt: skip
    with app.app_context():
        assert recover_stalled_jobs() == ([stalled], [worn_out])
    job = _load(app, stalled)
    assert job.status is JobStatus.DONE and job.attempts == 2 and job.rows_done == 7
    assert "The file is ready." in coordinator_client.get(f"/downloads/{stalled}").get_data(
        as_text=True
    )
    failed = _load(app, worn_out)
    assert failed.status is JobStatus.FAILED and failed.error == JobError.WORKER_STOPPED
    page = coordinator_client.get(f"/downloads/{worn_out}").get_data(as_text=True)
    assert "The background worker stopped while writing the file (started 3 times)" in page
    assert 'http-equiv="refresh"' not in page
    response = coordinator_client.post(f"/downloads/{worn_out}/retry")
    assert response.status_code == 302
    assert "The file is ready." in coordinator_client.get(response.location).get_data(as_text=True)


def test_old_files_are_removed_and_the_page_says_so(app, world, slips, coordinator_client, background):  # noqa: ANN001
    location, _ = _through_the_queue(coordinator_client, "/referrals/slips/export.csv")
    job_id = int(location.rsplit("/", 1)[1])
    with app.app_context():
        db.session.execute(
            db.update(Job).where(Job.id == job_id)
            .values(finished_at=utcnow() - timedelta(hours=25))
        )  # fmt: skip
        db.session.commit()
        path = job_exports.export_folder() / _load(app, job_id).filename
        assert path.is_file()
        assert job_exports.remove_old_exports() == 1
        assert not path.is_file()
    page = coordinator_client.get(location).get_data(as_text=True)
    assert "This file has been removed." in page
    assert coordinator_client.get(location + "/file").status_code == 404
