from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import func, select

from partnership.dashboard.models import JobStatus, ReportJob
from partnership.dashboard.services import DashboardFilters
from partnership.dashboard.tasks import build_report_task
from partnership.extensions import db
from partnership.organisations.models import STATION_KINDS, Organisation, Person, PersonKind
from partnership.permissions import station_scope
from partnership.spreadsheets import XLSX_MIMETYPE

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def home():
    scope = station_scope(current_user)
    stations = select(func.count(Organisation.id)).where(
        Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True)
    )
    officers = select(func.count(Person.id)).where(
        Person.kind == PersonKind.OFFICER, Person.active.is_(True)
    )
    if scope is not None:
        stations = stations.where(Organisation.id.in_(scope))
        officers = officers.where(Person.organisation_id.in_(scope))
    return render_template(
        "dashboard/home.html",
        station_count=db.session.scalar(stations),
        officer_count=db.session.scalar(officers),
    )


# ---- programme report (background job) ---------------------------------------------------------


def _get_job_or_404(job_id: int) -> ReportJob:
    job = db.session.get(ReportJob, job_id)
    if job is None or job.user_id != current_user.id:
        abort(404)
    return job


@bp.post("/reports")
def report_create():
    filters = DashboardFilters.from_params(request.form)
    job = ReportJob(user_id=current_user.id, params=filters.to_params())
    db.session.add(job)
    db.session.flush()
    job_id = job.id
    db.session.commit()  # the job row exists before a worker can pick the task up
    build_report_task(job_id)
    return redirect(url_for("dashboard.report_detail", job_id=job_id))


@bp.get("/reports/<int:job_id>")
def report_detail(job_id: int):
    job = _get_job_or_404(job_id)
    return render_template("dashboard/report_detail.html", job=job)


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
