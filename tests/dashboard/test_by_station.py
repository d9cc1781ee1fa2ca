"""The indicators station by station are the dashboard's figures for that station."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime

from partnership.dashboard import services
from partnership.dashboard.services import DashboardFilters, indicators_by_station


def _dashboard(user, filters: DashboardFilters) -> dict[str, int]:  # noqa: ANN001
    meetings = services.meeting_indicators(user, filters)
    reach = services.reach_indicators(user, filters)
    referrals = services.referral_indicators(user, filters)
    loop = services.loop_indicators(user, filters)
    return {
        "meetings_held": meetings.held,
        "officers_sensitised": reach.officers_sensitised,
        "officers_trained": reach.officers_trained,
        "slips_issued": int(referrals.issued),
        "slips_redeemed": int(referrals.redeemed),
        "concerns_raised": int(loop.concerns_in_period),
        "action_points_verified": int(loop.verified_in_period),
    }


def test_each_station_and_month_matches_the_dashboard(
    app, world, programme, make_concern, make_action_point
):  # noqa: ANN001
    a, c = world.station_a, world.station_c
    for day in (3, 9, 20):
        make_concern(a, occurred_on=date(2026, 2, day))
    make_concern(c, occurred_on=date(2026, 3, 1))
    make_action_point(a, status="verified", due_on=date(2026, 2, 1),
                      verified_at=datetime(2026, 2, 28, 23, 0, tzinfo=UTC))  # fmt: skip
    coordinator = world.users["coordinator"]
    stations = [world.station_a, world.station_b, world.station_c]
    seen_nonzero = set()
    with app.test_request_context():
        for month in range(1, 7):
            last = calendar.monthrange(2026, month)[1]
            filters = DashboardFilters(start=date(2026, month, 1), end=date(2026, month, last))
            by_station = indicators_by_station(coordinator, filters)
            assert set(by_station) == set(services.INDICATOR_KEYS)
            for station in stations:
                place = DashboardFilters(filters.start, filters.end, station_id=station.id)
                expected = _dashboard(coordinator, place)
                got = {k: by_station[k].get(station.id, 0) for k in expected}
                assert got == expected, (month, station.name)
                seen_nonzero |= {k for k, v in got.items() if v}
    # The fixture gives every indicator a count somewhere, so none is compared only at zero.
    assert seen_nonzero == set(services.INDICATOR_KEYS)


def test_one_query_per_area_whatever_the_stations(app, world, programme, count_queries):  # noqa: ANN001
    filters = DashboardFilters(start=date(2026, 1, 1), end=date(2026, 6, 30))
    with app.test_request_context(), count_queries() as counter:
        indicators_by_station(world.users["admin"], filters)
    assert counter.count == 5
