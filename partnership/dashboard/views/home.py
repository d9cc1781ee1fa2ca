"""The home dashboard: indicators within the filters, each tile linking to the list that
shows the same number with the same filters."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from partnership import disclosure
from partnership.caching import cached, cached_html, page_key
from partnership.dashboard import services
from partnership.dashboard.charts import BarChart, Series
from partnership.dashboard.services import DashboardFilters, indicators
from partnership.dashboard.services.todo import Todo, todo_for
from partnership.dashboard.views import bp
from partnership.disclosure import SHOWN_ZERO
from partnership.organisations import services as org_services
from partnership.permissions import station_scope


@bp.get("/")
def home():
    user = current_user
    filters = DashboardFilters.from_request()
    params = filters.to_params()
    # The page is kept in parts, each until a write changes a table it was read from
    # (partnership.caching): a warm dashboard reads no figures and renders no charts.
    figures_html = cached_html(
        "dashboard",
        lambda: render_template(
            "dashboard/_figures.html",
            links=tile_links(filters),
            **dashboard_context(user, filters, with_choices=False),
        ),
        page_key(user),
        params,
    )
    filters_html = cached_html(
        "dashboard-filters",
        lambda: render_template(
            "dashboard/_filters.html", filters=filters, **filter_choices(user, filters.country)
        ),
        page_key(user),
        params,
    )
    return render_template(
        "dashboard/home.html",
        filters=filters,
        filters_html=filters_html,
        figures_html=figures_html,
        todo=dashboard_todo(user, filters),
    )


def filter_choices(user, country: str = "") -> dict:  # noqa: ANN001
    """The place filters' choices: countries and commands for the whole programme, the user's
    stations grouped by command (a select of a few hundred stations a reader can scan)."""
    whole_programme = station_scope(user) is None
    return {
        "countries": org_services.programme_countries(country) if whole_programme else [],
        "commands": org_services.commands() if whole_programme else [],
        "station_groups": org_services.stations_by_command(user),
    }


def dashboard_todo(user, filters: DashboardFilters) -> Todo:  # noqa: ANN001
    """The to-do kept rendered for this user until a write to what it was read from, or until
    its coming meetings change by themselves (one ends, the next comes within two weeks)."""
    overdue = indicators.dashboard_part(user, filters, "visit_indicators").overdue

    def items() -> tuple:
        todo = todo_for(user, stations_overdue=overdue)
        shown = todo.acknowledge or todo.verify or todo.follow_up or todo.resolve or todo.meetings
        html = str(render_template("dashboard/_todo_items.html", todo=todo)) if shown else ""
        return todo.lists, sorted(todo.more), html

    lists, more, html = cached("dashboard-todo", items, user.id, page_key(user), overdue)
    todo = Todo(lists=lists, more=set(more), items_html=Markup(html))  # noqa: S704 - our template
    if "schedule" in lists:
        todo.stations_overdue = overdue
    return todo


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
        **(filter_choices(user, filters.country) if with_choices else {}),
        "chart_rows": list(zip(labels, months, strict=True)),
    }
