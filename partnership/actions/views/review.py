"""The officer's review, the loop's measures and the station brief."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, render_template
from flask_login import current_user

from partnership.actions import measures
from partnership.actions.forms import (
    FollowUpForm,
)
from partnership.actions.services import review as review_services
from partnership.actions.views import bp
from partnership.caching import cached, viewer_key
from partnership.organisations.services import (
    get_organisation_or_404,
)
from partnership.pagination import arg_date
from partnership.permissions import (
    suppresses_small_counts,
)

# ---- officer review, measures, station brief ---------------------------------------------------


@bp.get("/my-review")
def my_review():
    review = review_services.review_for(current_user)
    return render_template(
        "actions/my_review.html", review=review, today=date.today(), FollowUpForm=FollowUpForm
    )


@bp.get("/measures", endpoint="measures")
def measures_page():
    return render_template(
        "actions/measures.html",
        # Over all history: kept until the next write (partnership.caching).
        rows=cached(
            "action-point-measures",
            lambda: measures.action_point_measures(current_user),
            viewer_key(current_user),
        ),
        by_month=cached(
            "concerns-by-category-month",
            lambda: measures.concerns_by_category_month(current_user),
            viewer_key(current_user),
        ),
        suppress=suppresses_small_counts(current_user),
        shown=measures.shown,
    )


def _since() -> date | None:
    return arg_date("since")


def _brief_station(station_id: int):  # noqa: ANN202
    station = get_organisation_or_404(station_id, current_user)
    if not station.is_station:
        abort(404)
    return station


@bp.get("/stations/<int:station_id>/brief")
def station_brief(station_id: int):
    station = _brief_station(station_id)
    brief = measures.station_brief(station, current_user, _since())
    return render_template("actions/station_brief.html", brief=brief, shown=measures.shown)


@bp.get("/stations/<int:station_id>/brief.pdf")
def station_brief_pdf(station_id: int):
    from partnership.actions.pdf import brief_pdf

    station = _brief_station(station_id)
    brief = measures.station_brief(station, current_user, _since())
    response = Response(brief_pdf(brief), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="brief-{station.id}.pdf"'
    return response
