"""The station page: one page for a station, composed here from each domain's part (its
facts and people, its meetings, its concerns and action points, training, referrals and its
story over time), and the brief for its next meeting beside it. An officer only ever opens
their own stations' pages: the load helper answers 404 for the others."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from curricula.services.coverage import station_summary
from meetings.services.agenda import last_held_meeting
from meetings.services.queries import station_meetings
from partnership.actions import measures
from partnership.actions.models import ActionStatus, ConcernStatus
from partnership.actions.pdf import brief_pdf
from partnership.actions.services.station import station_loop
from partnership.caching import cached, cached_html, page_key, render_kept
from partnership.dashboard import services
from partnership.dashboard.services import DashboardFilters
from partnership.dashboard.views import bp
from partnership.dashboard.views.home import dashboard_context, tile_links
from partnership.extensions import db
from partnership.organisations import services as org_services
from partnership.organisations.models import Organisation
from partnership.pagination import arg_date

PEOPLE_SHOWN = 50


def get_station_or_404(station_id: int) -> Organisation:
    """A station or post the current user may see (404 otherwise, also for an officer outside
    their stations)."""
    station = org_services.get_organisation_or_404(station_id, current_user)
    if not station.is_station:
        abort(404)
    return station


@bp.get("/stations/<int:station_id>")
def station_page(station_id: int):
    station = get_station_or_404(station_id)
    filters = DashboardFilters.from_request()
    filters.station_id = station.id
    filters.command_id = None
    filters.country = ""
    # Kept rendered until a write changes a table they were read from (partnership.caching);
    # the meetings are read on every load (a meeting moves from coming to past as it starts).
    story_html, rest_html = cached(
        "html:station-page",
        lambda: _station_parts(station, filters),
        page_key(current_user),
        station.id,
        filters.to_params(),
    )
    return render_template(
        "dashboard/station_page.html",
        station=station,
        # Kept until a write, or until a coming meeting ends (it then moves to the past).
        meetings_html=cached_html(
            "station-meetings",
            lambda: render_template(
                "dashboard/_station_meetings.html",
                station=station,
                station_meetings=station_meetings(station, current_user),
            ),
            page_key(current_user),
            station.id,
        ),
        story_html=Markup(story_html),  # noqa: S704 - our own templates, escaped when rendered
        rest_html=Markup(rest_html),  # noqa: S704 - our own templates, escaped when rendered
    )


def _station_parts(station: Organisation, filters: DashboardFilters) -> tuple[str, str]:
    """The station's story (the tiles of its period) and everything below its meetings (the
    loop, training, referrals, charts, people and details), rendered."""
    context = dashboard_context(current_user, filters, with_choices=False)
    before_after = cached(
        "concerns-before-after",
        lambda: services.concerns_before_and_after_sensitisation(station.id),
        station.id,
    )
    people = db.session.scalars(
        org_services.person_query(
            current_user, org_services.PersonFilters(organisation_id=station.id)
        ).limit(PEOPLE_SHOWN)
    ).all()
    page = {
        **context,
        "station": station,
        "people": people,
        "station_loop": station_loop(station, current_user),
        "point_statuses": list(ActionStatus),
        "concern_statuses": list(ConcernStatus),
        "before_after": before_after,
        "before": services.shown_count(before_after.before, context["suppressed"]),
        "after": services.shown_count(before_after.after, context["suppressed"]),
        "training_summary": station_summary(station, current_user),
        "links": tile_links(filters),
    }
    return (
        str(render_template("dashboard/_station_story.html", **page)),
        str(render_template("dashboard/_station_rest.html", **page)),
    )


@bp.get("/dashboard/stations/<int:organisation_id>")
def station_story(organisation_id: int):
    """The station's story is part of the station page now; old links keep working."""
    get_station_or_404(organisation_id)
    return redirect(url_for("dashboard.station_page", station_id=organisation_id, **request.args))


# ---- the station brief -------------------------------------------------------------------------


def _since() -> date | None:
    return arg_date("since")


def _brief(station_id: int, station: Organisation | None = None):  # noqa: ANN202
    """The station's brief: changes since the date asked for, else since its last held
    meeting."""
    station = station or get_station_or_404(station_id)
    return measures.station_brief(
        station, current_user, _since(), since_meeting=last_held_meeting(station.id)
    )


@bp.get("/stations/<int:station_id>/brief")
def station_brief(station_id: int):
    station = get_station_or_404(station_id)
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "dashboard/station_brief.html",
        "dashboard/_station_brief_body.html",
        lambda: {"brief": _brief(station_id, station), "shown": measures.shown},
        station=station,
    )


@bp.get("/stations/<int:station_id>/brief.pdf")
def station_brief_pdf(station_id: int):
    brief = _brief(station_id)
    response = Response(brief_pdf(brief), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="brief-{brief.station.id}.pdf"'
    return response
