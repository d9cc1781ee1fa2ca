"""The page of a list download built in the background: its progress, then the file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Blueprint, abort, current_app, redirect, render_template, send_file, url_for
from flask_login import current_user

from partnership.extensions import db
from partnership.jobs.exports import download_name, export_folder, export_named
from partnership.jobs.models import Job, JobKind, JobStatus
from partnership.jobs.runner import give_up_if_abandoned, run_job_task
from partnership.mixins import utcnow
from partnership.permissions import can_take_download
from partnership.spreadsheets import XLSX_MIMETYPE

bp = Blueprint("jobs", __name__, url_prefix="/downloads")

MIMETYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_MIMETYPE}


def _get_job_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    if job is None or job.kind != JobKind.EXPORT or not can_take_download(current_user, job):
        abort(404)
    return job


@bp.get("/<int:job_id>")
def job_detail(job_id: int):
    job = _get_job_or_404(job_id)
    if give_up_if_abandoned(job):
        db.session.rollback()  # read the job again, after the write of its own transaction
        job = _get_job_or_404(job_id)
    config = current_app.config
    lease = timedelta(seconds=config["JOB_LEASE_SECONDS"])
    export = export_named(job.params.get("export", ""))
    args = job.params.get("args", {})
    return render_template(
        "jobs/job_detail.html",
        job=job,
        title=export.title if export else "",
        list_url=url_for(export.list_endpoint, **args) if export else url_for("dashboard.home"),
        stalled=job.stalled(utcnow(), lease),
        give_up_at=job.last_sign_of_life() + timedelta(minutes=config["JOB_GIVE_UP_MINUTES"]),
        keep_hours=config["EXPORT_KEEP_HOURS"],
    )


@bp.post("/<int:job_id>/retry")
def job_retry(job_id: int):
    """Try again: a new job with the same list and filters (the old one keeps its outcome)."""
    old = _get_job_or_404(job_id)
    job = Job(kind=JobKind.EXPORT, user_id=current_user.id, params=dict(old.params),
              rows_total=old.rows_total)  # fmt: skip
    db.session.add(job)
    db.session.flush()
    new_id = job.id
    db.session.commit()
    run_job_task(new_id)
    return redirect(url_for("jobs.job_detail", job_id=new_id))


@bp.get("/<int:job_id>/file")
def job_download(job_id: int):
    job = _get_job_or_404(job_id)
    if job.status is not JobStatus.DONE or not job.filename:
        abort(404)
    path = export_folder() / Path(job.filename).name
    if not path.is_file():
        abort(404)
    fmt = job.params.get("fmt", "csv")
    return send_file(
        path, mimetype=MIMETYPES.get(fmt, "application/octet-stream"), as_attachment=True,
        download_name=download_name(job),
    )  # fmt: skip
