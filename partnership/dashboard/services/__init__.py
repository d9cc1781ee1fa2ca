"""The dashboard's queries, one module per area, each computed in SQL within the user's scope:
``filters`` (period, place, how a count is shown), ``visits`` (meetings, visits, officers
reached), ``referrals``, ``loop`` (concerns and action points) and ``training``; ``by_station`` gives the
same counts station by station (for exports and integrations)."""

from partnership.dashboard.services.by_station import (
    INDICATOR_KEYS,
    INDICATORS,
    Indicator,
    indicators_by_station,
)
from partnership.dashboard.services.filters import (
    SUPPRESS_BELOW,
    DashboardFilters,
    date_year_month,
    month_label,
    months_between,
    period_bounds,
    place_restricted,
    shown_count,
    station_and_officer_counts,
    station_ids_query,
    suppress_small_counts,
    year_month,
)
from partnership.dashboard.services.loop import (
    BeforeAfter,
    LoopIndicators,
    concerns_before_and_after_sensitisation,
    loop_indicators,
)
from partnership.dashboard.services.referrals import ReferralIndicators, referral_indicators
from partnership.dashboard.services.training import (
    StationRef,
    TrainingIndicators,
    training_indicators,
)
from partnership.dashboard.services.visits import (
    MeetingIndicators,
    ReachIndicators,
    VisitIndicators,
    meeting_indicators,
    reach_indicators,
    visit_indicators,
)

__all__ = [
    "INDICATORS",
    "INDICATOR_KEYS",
    "Indicator",
    "indicators_by_station",
    "SUPPRESS_BELOW",
    "BeforeAfter",
    "DashboardFilters",
    "LoopIndicators",
    "MeetingIndicators",
    "ReachIndicators",
    "ReferralIndicators",
    "StationRef",
    "TrainingIndicators",
    "VisitIndicators",
    "concerns_before_and_after_sensitisation",
    "loop_indicators",
    "meeting_indicators",
    "month_label",
    "months_between",
    "period_bounds",
    "place_restricted",
    "reach_indicators",
    "referral_indicators",
    "shown_count",
    "station_and_officer_counts",
    "station_ids_query",
    "suppress_small_counts",
    "training_indicators",
    "visit_indicators",
    "year_month",
    "date_year_month",
]
