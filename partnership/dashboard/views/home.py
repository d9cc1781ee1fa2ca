"""The home dashboard: indicators within the filters, each tile linking to the list that
shows the same number with the same filters."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership import disclosure
from partnership.dashboard import services
from partnership.dashboard.charts import BarChart, Series
from partnership.dashboard.services import DashboardFilters, indicators
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
    }


def dashboard_context(user, filters: DashboardFilters, with_choices: bool = True) -> dict:  # noqa: ANN001
    """Everything the dashboard shows, computed with a fixed number of aggregate queries; the
    place filters' choices only where the page offers them. The tiles' values come from
    ``indicators.indicator_values``, as the API's and the DHIS2 export's do."""
    figures = indicators.dashboard_figures(user, filters)
    values = indicators.indicator_values(figures)
    suppressed = figures.suppressed
    meetings, referrals, loop = figures.meetings, figures.referrals, figures.loop
    training = figures.training
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
        "indicators": values,
        "loop": loop,
        "training": training,
        "officers_posted_trained": values["officers_posted_trained"],
        "training_share": values["training_share"],
        "gain_shown": disclosure.mean_shown(training.gain.n, suppressed),
        "gain_pairs": values["gain_pairs"],
        "concerns_in_period": values["concerns_raised"],
        "concerns_by_category": [(label, count(n)) for label, n in loop.concerns_by_category],
        "meetings": meetings,
        "visits": figures.visits,
        "reach": figures.reach,
        "referrals": referrals,
        "station_count": figures.stations,
        "officer_count": values["officers_posted"],
        "officers_sensitised": values["officers_sensitised"],
        "officers_trained": values["officers_trained"],
        "slips_issued": values["slips_issued"],
        "slips_redeemed": values["slips_redeemed"],
        "redemption_rate": values["redemption_rate"],
        "charts": [meeting_chart, referral_chart, concern_chart],
        "countries": country_choices() if with_choices and station_scope(user) is None else [],
        "commands": org_services.commands() if with_choices and station_scope(user) is None else [],
        "stations": org_services.stations(user) if with_choices else [],
        "chart_rows": list(zip(labels, months, strict=True)),
    }
