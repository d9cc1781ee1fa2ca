from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from curricula.services.coverage import station_summary
from meetings.services.agenda import last_held_meeting
from partnership.actions import measures
from partnership.actions.pdf import brief_pdf
from partnership.caching import cached, viewer_key
from partnership.dashboard import services
from partnership.dashboard.charts import BarChart, Series
from partnership.dashboard.models import JobStatus, ReportJob
from partnership.dashboard.services import DashboardFilters
from partnership.dashboard.tasks import build_report_task, give_up_if_abandoned
from partnership.disclosure import SHOWN_ZERO
from partnership.extensions import db
from partnership.forms import country_choices
from partnership.i18n import request_language
from partnership.mixins import utcnow
from partnership.organisations import services as org_services
from partnership.pagination import arg_date
from partnership.permissions import station_scope
from partnership.spreadsheets import XLSX_MIMETYPE

bp = Blueprint("dashboard", __name__)


@bp.get("/")
def home():
    filters = DashboardFilters.from_request()
    return render_template("dashboard/home.html", **dashboard_context(current_user, filters))


def dashboard_context(user, filters: DashboardFilters) -> dict:  # noqa: ANN001
    """Everything the dashboard shows, computed with a fixed number of aggregate queries."""
    suppressed = services.suppress_small_counts(user)
    # Aggregates over all history: kept until the next write (see partnership.caching).
    meetings, visits, reach, referrals, loop, training, (stations, officers) = cached(
        "dashboard", lambda: _figures(user, filters), viewer_key(user), filters.to_params()
    )
    months = services.months_between(filters.start, filters.end)
    labels = [services.month_label(y, m) for y, m in months]

    def count(value) -> int | str:  # noqa: ANN001
        return services.shown_count(value, suppressed)

    meeting_chart = BarChart(
        _("Meetings per month"),
        labels,
        [
            Series(_("Planned"), [meetings.by_month.get(k, (0, 0))[0] for k in months], "planned"),
            Series(_("Held"), [meetings.by_month.get(k, (0, 0))[1] for k in months], "held"),
        ],
    )
    zero = (SHOWN_ZERO, SHOWN_ZERO)
    issued = [referrals.by_month.get(k, zero)[0] for k in months]
    redeemed = [referrals.by_month.get(k, zero)[1] for k in months]
    referral_chart = BarChart(
        _("Referral slips per month"),
        labels,
        [Series(_("Issued"), issued, "issued"), Series(_("Redeemed"), redeemed, "redeemed")],
    )
    concerns = [loop.concerns_by_month.get(k, SHOWN_ZERO) for k in months]
    concern_chart = BarChart(
        _("Concerns raised per month"), labels, [Series(_("Concerns"), concerns, "concerns")]
    )
    return {
        "filters": filters,
        "suppressed": suppressed,
        "loop": loop,
        "training": training,
        "officers_posted_trained": count(training.trained),
        "training_share": training.share(suppressed),
        "gain_shown": training.gain.n >= (services.SUPPRESS_BELOW if suppressed else 1),
        "gain_pairs": count(training.gain.n),
        "concerns_in_period": count(loop.concerns_in_period),
        "concerns_by_category": [(label, count(n)) for label, n in loop.concerns_by_category],
        "meetings": meetings,
        "visits": visits,
        "reach": reach,
        "referrals": referrals,
        "station_count": stations,
        "officer_count": count(officers),
        "officers_sensitised": count(reach.officers_sensitised),
        "officers_trained": count(reach.officers_trained),
        "slips_issued": count(referrals.issued),
        "slips_redeemed": count(referrals.redeemed),
        "redemption_rate": referrals.rate,
        "charts": [meeting_chart, referral_chart, concern_chart],
        "countries": country_choices() if station_scope(user) is None else [],
        "commands": org_services.commands() if station_scope(user) is None else [],
        "stations": org_services.stations(user),
        "chart_rows": list(zip(labels, months, strict=True)),
    }


def _figures(user, filters: DashboardFilters) -> tuple:  # noqa: ANN001
    # Each part kept on its own: a new slip recomputes the referral figures, not the others.
    key = (viewer_key(user), filters.to_params())
    parts = (
        "meeting_indicators",
        "visit_indicators",
        "reach_indicators",
        "referral_indicators",
        "loop_indicators",
        "training_indicators",
        "station_and_officer_counts",
    )
    return tuple(
        cached(f"dashboard-{part}", lambda part=part: getattr(services, part)(user, filters), *key)
        for part in parts
    )


@bp.get("/dashboard/stations/<int:organisation_id>")
def station_story(organisation_id: int):
    """One station's story over time: visits, officers reached and trained, referrals, and
    (with the problem-solving loop) concerns before and after sensitisation."""
    station = org_services.get_organisation_or_404(organisation_id, current_user)
    if not station.is_station:
        abort(404)
    filters = DashboardFilters.from_request()
    filters.station_id = station.id
    filters.command_id = None
    filters.country = ""
    context = dashboard_context(current_user, filters)
    before_after = cached(
        "concerns-before-after",
        lambda: services.concerns_before_and_after_sensitisation(station.id),
        station.id,
    )
    return render_template(
        "dashboard/station_story.html",
        station=station,
        before_after=before_after,
        before=services.shown_count(before_after.before, context["suppressed"]),
        after=services.shown_count(before_after.after, context["suppressed"]),
        training_summary=station_summary(station, current_user),
        **context,
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


# ---- the station brief -------------------------------------------------------------------------


def _since() -> date | None:
    return arg_date("since")


def _brief(station_id: int):  # noqa: ANN202
    """The station's brief: changes since the date asked for, else since its last held
    meeting."""
    station = org_services.get_organisation_or_404(station_id, current_user)
    if not station.is_station:
        abort(404)
    return measures.station_brief(
        station, current_user, _since(), since_meeting=last_held_meeting(station.id)
    )


@bp.get("/stations/<int:station_id>/brief")
def station_brief(station_id: int):
    brief = _brief(station_id)
    return render_template("dashboard/station_brief.html", brief=brief, shown=measures.shown)


@bp.get("/stations/<int:station_id>/brief.pdf")
def station_brief_pdf(station_id: int):
    brief = _brief(station_id)
    response = Response(brief_pdf(brief), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="brief-{brief.station.id}.pdf"'
    return response
