"""The dashboard's indicators as named figures: one place that turns the area services' results
into the values the dashboard shows (a number, "<5"/"—" where withheld, or None where nothing is
shown), so the dashboard page, the JSON API and the DHIS2 export give the same figures for the
same user and filters.

``dashboard_figures`` computes (and caches, part by part) the areas; ``indicator_values`` names
what the dashboard's tiles show; ``month_values`` the month rows of its charts.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from partnership import disclosure
from partnership.caching import cached, viewer_key
from partnership.dashboard.services import filters as filter_services
from partnership.dashboard.services.filters import DashboardFilters, months_between
from partnership.dashboard.services.loop import LoopIndicators
from partnership.dashboard.services.referrals import ReferralIndicators
from partnership.dashboard.services.training import TrainingIndicators
from partnership.dashboard.services.visits import (
    MeetingIndicators,
    ReachIndicators,
    VisitIndicators,
)

Shown = int | float | str | None

# Every indicator the dashboard shows, in the order of its tiles: a stable key (for scripts) and
# its label. Keys shared with ``by_station.INDICATORS`` (the DHIS2 export's, station by station)
# name the same figure.
DASHBOARD_INDICATORS: dict[str, object] = {
    "meetings_planned": _l("meetings planned"),
    "meetings_held": _l("meetings held"),
    "stations": _l("stations covered"),
    "stations_visited_within_interval": _l("stations visited within their interval"),
    "stations_due_or_overdue": _l("stations due or overdue for a visit"),
    "median_days_since_visit": _l("median days since the last visit"),
    "officers_sensitised": _l("officers reached at meetings"),
    "officers_trained": _l("officers trained"),
    "officers_posted": _l("officers posted now"),
    "officers_posted_trained": _l("officers posted now who completed a training"),
    "training_share": _l("share of officers posted now who completed a training"),
    "stations_to_resensitise": _l("stations to re-sensitise: their share fell after transfers"),
    "gain_pairs": _l("officers with both test scores"),
    "mean_pre_percent": _l("mean test score before training (percent)"),
    "mean_post_percent": _l("mean test score after training (percent)"),
    "mean_gain_points": _l("mean gain (percentage points)"),
    "normalised_gain": _l("normalised gain"),
    "slips_issued": _l("referral slips issued"),
    "slips_redeemed": _l("slips that reached a service"),
    "redemption_rate": _l("redemption rate"),
    "action_points_open": _l("action points open"),
    "action_points_overdue": _l("action points overdue"),
    "action_points_escalated": _l("escalated to the command"),
    "action_points_verified": _l("action points verified in the period"),
    "action_points_verified_on_time": _l("verified in the period, done on time"),
    "concerns_raised": _l("concerns raised in the period"),
}


@dataclass
class DashboardFigures:
    meetings: MeetingIndicators
    visits: VisitIndicators
    reach: ReachIndicators
    referrals: ReferralIndicators
    loop: LoopIndicators
    training: TrainingIndicators
    stations: int
    officers: int
    suppressed: bool


_PARTS = (
    "meeting_indicators",
    "visit_indicators",
    "reach_indicators",
    "referral_indicators",
    "loop_indicators",
    "training_indicators",
    "station_and_officer_counts",
)


def dashboard_part(user, filters: DashboardFilters, name: str):  # noqa: ANN001, ANN201
    """One area of the dashboard (``_PARTS``), kept on its own: a new slip recomputes the
    referral figures, not the others."""
    from partnership.dashboard import services  # each area's function, looked up when called

    return cached(
        f"dashboard-{name}",
        lambda: getattr(services, name)(user, filters),
        viewer_key(user),
        filters.to_params(),
    )


def _parts(user, filters: DashboardFilters) -> tuple:  # noqa: ANN001
    return tuple(dashboard_part(user, filters, name) for name in _PARTS)


def dashboard_figures(user, filters: DashboardFilters) -> DashboardFigures:  # noqa: ANN001
    """Every area of the dashboard within ``filters`` and the user's scope, already suppressed
    for the user; kept until the next write (see partnership.caching)."""
    meetings, visits, reach, referrals, loop, training, (stations, officers) = cached(
        "dashboard", lambda: _parts(user, filters), viewer_key(user), filters.to_params()
    )
    return DashboardFigures(
        meetings, visits, reach, referrals, loop, training, stations, officers,
        suppressed=disclosure.applies_to(user),
    )  # fmt: skip


def shown(value: disclosure.Figure | int, suppressed: bool) -> int | str:
    """A count as the dashboard shows it: a number, or the text of a withheld figure."""
    return filter_services.shown_count(value, suppressed)


def indicator_values(figures: DashboardFigures) -> dict[str, Shown]:
    """The value of every indicator in ``DASHBOARD_INDICATORS`` as the dashboard shows it."""
    f, suppressed = figures, figures.suppressed
    gain = f.training.gain
    gain_shown = disclosure.mean_shown(gain.n, suppressed)
    return {
        "meetings_planned": f.meetings.planned,
        "meetings_held": f.meetings.held,
        "stations": f.visits.stations,
        "stations_visited_within_interval": f.visits.within_interval,
        "stations_due_or_overdue": f.visits.overdue,
        "median_days_since_visit": f.visits.median_days_since,
        "officers_sensitised": shown(f.reach.officers_sensitised, suppressed),
        "officers_trained": shown(f.reach.officers_trained, suppressed),
        "officers_posted": shown(f.officers, suppressed),
        "officers_posted_trained": shown(f.training.trained, suppressed),
        "training_share": f.training.share(suppressed),
        "stations_to_resensitise": len(f.training.flagged_stations),
        "gain_pairs": shown(gain.n, suppressed),
        "mean_pre_percent": gain.mean_pre if gain_shown else None,
        "mean_post_percent": gain.mean_post if gain_shown else None,
        "mean_gain_points": gain.mean_gain if gain_shown else None,
        "normalised_gain": gain.normalised_gain if gain_shown else None,
        "slips_issued": shown(f.referrals.issued, suppressed),
        "slips_redeemed": shown(f.referrals.redeemed, suppressed),
        "redemption_rate": f.referrals.rate,
        "action_points_open": shown(f.loop.open_points, suppressed),
        "action_points_overdue": shown(f.loop.overdue_points, suppressed),
        "action_points_escalated": shown(f.loop.escalated_points, suppressed),
        "action_points_verified": shown(f.loop.verified_in_period, suppressed),
        "action_points_verified_on_time": shown(f.loop.verified_on_time, suppressed),
        "concerns_raised": shown(f.loop.concerns_in_period, suppressed),
    }


def month_values(figures: DashboardFigures, filters: DashboardFilters) -> list[dict[str, Shown]]:
    """The rows of the dashboard's month charts (at most the last 24 months of the period):
    meetings planned and held, slips issued and redeemed, concerns raised."""
    zero = (disclosure.SHOWN_ZERO, disclosure.SHOWN_ZERO)
    rows = []
    for year, month in months_between(filters.start, filters.end):
        planned, held = figures.meetings.by_month.get((year, month), (0, 0))
        issued, redeemed = figures.referrals.by_month.get((year, month), zero)
        concerns = figures.loop.concerns_by_month.get((year, month), disclosure.SHOWN_ZERO)
        rows.append({
            "month": f"{year:04d}-{month:02d}",
            "meetings_planned": planned,
            "meetings_held": held,
            "slips_issued": shown(issued, figures.suppressed),
            "slips_redeemed": shown(redeemed, figures.suppressed),
            "concerns_raised": shown(concerns, figures.suppressed),
        })  # fmt: skip
    return rows
