"""The home dashboard: indicators within the filters, each tile linking to the list that
shows the same number with the same filters."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership import disclosure
from partnership.caching import cached, viewer_key
from partnership.dashboard import services
from partnership.dashboard.charts import BarChart, Series
from partnership.dashboard.services import DashboardFilters
from partnership.dashboard.services.todo import todo_for
from partnership.dashboard.views import bp
from partnership.disclosure import SHOWN_ZERO
from partnership.forms import country_choices
from partnership.organisations import services as org_services
from partnership.permissions import station_scope


@bp.get("/")
def home():
    filters = DashboardFilters.from_request()
    context = dashboard_context(current_user, filters)
    return render_template(
        "dashboard/home.html",
        links=tile_links(filters),
        todo=todo_for(current_user, stations_overdue=context["visits"].overdue),
        **context,
    )


def tile_links(filters: DashboardFilters) -> dict[str, str]:
    """Where each tile leads: the list that counts the tile's number, with the dashboard's place
    (and, for figures of the period, its dates)."""
    place = {
        "country": filters.country or None,
        "command": filters.command_id,
        "station": filters.station_id,
    }
    period = {"from": filters.start.isoformat(), "to": filters.end.isoformat()}
    return {
        "visited_within": url_for("meetings.meeting_due", state="within", **place),
        "visits_overdue": url_for("meetings.meeting_due", state="overdue", **place),
        "points_open": url_for("actions.action_point_list", open=1, **place),
        "points_overdue": url_for("actions.action_point_list", overdue=1, **place),
        "points_escalated": url_for("actions.action_point_list", escalated=1, **place),
        "concerns": url_for("actions.concern_list", **place, **period),
        "coverage": url_for("curricula.coverage", **place),
        "resensitise": url_for("curricula.coverage", flagged=1, **place),
        "gain": url_for("curricula.knowledge_gain", by="period", **place, **period),
        "meetings_held": url_for("meetings.meeting_index", held=1, **place, **period),
        "median_days": url_for("meetings.meeting_due", **place),
        "slips_issued": url_for("referrals.slip_list", **place, **period),
        "slips_redeemed": url_for("referrals.slip_list", state="redeemed", **place, **period),
        "points_verified": url_for(
            "actions.action_point_list",
            status="verified",
            verified_from=period["from"],
            verified_to=period["to"],
            **place,
        ),
    }


def dashboard_context(user, filters: DashboardFilters, with_choices: bool = True) -> dict:  # noqa: ANN001
    """Everything the dashboard shows, computed with a fixed number of aggregate queries; the
    place filters' choices only where the page offers them."""
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
        "gain_shown": disclosure.mean_shown(training.gain.n, suppressed),
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
        "countries": country_choices() if with_choices and station_scope(user) is None else [],
        "commands": org_services.commands() if with_choices and station_scope(user) is None else [],
        "stations": org_services.stations(user) if with_choices else [],
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
