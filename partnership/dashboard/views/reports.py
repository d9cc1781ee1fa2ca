"""The programme report: a background job builds the workbook of the dashboard's view."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from partnership.dashboard.models import JobStatus, ReportJob
from partnership.dashboard.services import DashboardFilters
from partnership.dashboard.tasks import build_report_task, give_up_if_abandoned
from partnership.dashboard.views import bp
from partnership.extensions import db
from partnership.i18n import request_language
from partnership.mixins import utcnow
from partnership.spreadsheets import XLSX_MIMETYPE


def _get_job_or_404(job_id: int) -> ReportJob:
    job = db.session.get(ReportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.post("/reports")
def report_create():
    filters = DashboardFilters.from_params(request.form)
    # The workbook is written later by a worker: it keeps the language of the page it came from.
    job = ReportJob(
        user_id=current_user.id, params={**filters.to_params(), "lang": request_language()}
    )
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    db.session.commit()  # the job row exists before a worker can pick the task up
    build_report_task(job_id)
    return redirect(url_for("dashboard.report_detail", job_id=job_id))


@bp.get("/reports/<int:job_id>")
def report_detail(job_id: int):
    job = _get_job_or_404(job_id)
    if give_up_if_abandoned(job):
        db.session.rollback()  # read the job again, after the write of its own transaction
        job = _get_job_or_404(job_id)
    lease = timedelta(seconds=current_app.config["JOB_LEASE_SECONDS"])
    give_up_at = job.last_sign_of_life() + timedelta(
        minutes=current_app.config["JOB_GIVE_UP_MINUTES"]
    )
    return render_template(
        "dashboard/report_detail.html",
        job=job,
        stalled=job.stalled(utcnow(), lease),
        give_up_at=give_up_at,
        max_attempts=current_app.config["JOB_MAX_ATTEMPTS"],
    )


@bp.post("/reports/<int:job_id>/retry")
def report_retry(job_id: int):
    """Try again: a new job with the same filters (the old one keeps its outcome)."""
    old = _get_job_or_404(job_id)
    job = ReportJob(user_id=current_user.id, params=dict(old.params))
    db.session.add(job)
    db.session.flush()
    new_id = job.id
    db.session.commit()
    build_report_task(new_id)
    return redirect(url_for("dashboard.report_detail", job_id=new_id))


@bp.get("/reports/<int:job_id>/download")
def report_download(job_id: int):
    job = _get_job_or_404(job_id)
    if job.status is not JobStatus.DONE:
        abort(404)
    path = Path(current_app.instance_path) / "reports" / job.filename
    if not path.is_file():
        abort(404)
    return send_file(
        path,
        mimetype=XLSX_MIMETYPE,
        as_attachment=True,
        download_name=f"programme-report-{job.created_at:%Y-%m-%d}.xlsx",
    )
