"""The dashboard's indicators station by station: for each indicator, the count of each station
in the period, one grouped query per area whatever the number of stations.

Each count is the one the dashboard shows for the same period with that station as its place
filter (tests/dashboard/test_by_station.py checks it against the dashboard's own functions), so
an export or an API that reads figures per station reads the dashboard's figures. Counts are
plain numbers: what a reader may see of them is decided by the caller through
``partnership.disclosure``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from partnership.dashboard.services.filters import (
    DashboardFilters,
    period_bounds,
    station_ids_query,
)
from partnership.extensions import db


@dataclass(frozen=True)
class Indicator:
    """An indicator a station has a count of; ``key`` is stable (mappings are stored by it)."""

    key: str
    label: object  # a lazy string: read in the reader's language


INDICATORS: tuple[Indicator, ...] = (
    Indicator("meetings_held", _l("Meetings held at the station")),
    Indicator("officers_sensitised", _l("Officers present at meetings held")),
    Indicator("officers_trained", _l("Officers present at trainings held")),
    Indicator("slips_issued", _l("Referral slips issued at the station")),
    Indicator("slips_redeemed", _l("Slips issued at the station that reached a service")),
    Indicator("concerns_raised", _l("Concerns raised at the station")),
    Indicator("action_points_verified", _l("Action points of the station verified")),
)
INDICATOR_KEYS = tuple(i.key for i in INDICATORS)


def indicator(key: str) -> Indicator | None:
    return next((i for i in INDICATORS if i.key == key), None)


def indicators_by_station(user, filters: DashboardFilters) -> dict[str, dict[int, int]]:  # noqa: ANN001
    """{indicator key: {station id: count}} for the stations within the filters and the user's
    scope; stations with nothing to count are left out (their count is 0)."""
    stations = station_ids_query(user, filters)
    result: dict[str, dict[int, int]] = {key: {} for key in INDICATOR_KEYS}
    result["meetings_held"] = _meetings_held(filters, stations)
    result["officers_sensitised"], result["officers_trained"] = _reach(filters, stations)
    result["slips_issued"], result["slips_redeemed"] = _slips(filters, stations)
    result["concerns_raised"] = _concerns(filters, stations)
    result["action_points_verified"] = _verified(filters, stations)
    return result


def _meetings_held(filters: DashboardFilters, stations) -> dict[int, int]:  # noqa: ANN001
    """As meeting_indicators' "held": a joint meeting counts at each of its stations."""
    from meetings.models import HAPPENED_STATUSES, Meeting, meeting_stations

    start, end = period_bounds(filters)
    station = meeting_stations.c.station_id
    stmt = (
        select(station, func.count(distinct(Meeting.id)))
        .join(meeting_stations, meeting_stations.c.meeting_id == Meeting.id)
        .where(
            Meeting.starts_at >= start,
            Meeting.starts_at < end,
            Meeting.status.in_(list(HAPPENED_STATUSES)),
            station.in_(stations),
        )
        .group_by(station)
    )
    return {int(s): int(n) for s, n in db.session.execute(stmt)}


def _reach(filters: DashboardFilters, stations) -> tuple[dict[int, int], dict[int, int]]:  # noqa: ANN001
    """As reach_indicators: unique officers present or late at a meeting held in the period,
    counted at the station they attended for."""
    from meetings.reach import reached_by_station

    sensitised: dict[int, int] = {}
    trained_counts: dict[int, int] = {}
    stmt = reached_by_station(filters.start, filters.end, stations)
    for station_id, n_sensitised, n_trained in db.session.execute(stmt):
        sensitised[int(station_id)] = int(n_sensitised)
        trained_counts[int(station_id)] = int(n_trained)
    return sensitised, trained_counts


def _slips(filters: DashboardFilters, stations) -> tuple[dict[int, int], dict[int, int]]:  # noqa: ANN001
    """As referral_indicators: slips issued in the period, and how many of them were redeemed."""
    from partnership.referrals.summary import slip_counts

    stmt = slip_counts(("station_id",), start=filters.start, end=filters.end, stations=stations)
    issued: dict[int, int] = {}
    redeemed: dict[int, int] = {}
    for station_id, n_issued, n_redeemed in db.session.execute(stmt):
        issued[int(station_id)] = int(n_issued)
        redeemed[int(station_id)] = int(n_redeemed)
    return issued, redeemed


def _concerns(filters: DashboardFilters, stations) -> dict[int, int]:  # noqa: ANN001
    """As loop_indicators' concerns raised in the period."""
    from partnership.actions.models import Concern

    stmt = (
        select(Concern.station_id, func.count(Concern.id))
        .where(
            Concern.occurred_on >= filters.start,
            Concern.occurred_on <= filters.end,
            Concern.station_id.in_(stations),
        )
        .group_by(Concern.station_id)
    )
    return {int(s): int(n) for s, n in db.session.execute(stmt)}


def _verified(filters: DashboardFilters, stations) -> dict[int, int]:  # noqa: ANN001
    """As loop_indicators' action points verified in the period."""
    from partnership.actions.models import ActionPoint, ActionStatus

    start, end = period_bounds(filters)
    stmt = (
        select(ActionPoint.station_id, func.count(ActionPoint.id))
        .where(
            ActionPoint.status == ActionStatus.VERIFIED,
            ActionPoint.verified_at >= start,
            ActionPoint.verified_at < end,
            ActionPoint.station_id.in_(stations),
        )
        .group_by(ActionPoint.station_id)
    )
    return {int(s): int(n) for s, n in db.session.execute(stmt)}
