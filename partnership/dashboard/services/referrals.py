"""Referral slips issued and redeemed: totals and months, protected against subtraction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from partnership import disclosure
from partnership.dashboard.services.filters import (
    DashboardFilters,
    place_restricted,
    station_ids_query,
)
from partnership.extensions import db


@dataclass
class ReferralIndicators:
    """As the user may see them: monthly counts next to the period's totals are protected
    against subtraction (see partnership.disclosure)."""

    issued: disclosure.Figure
    redeemed: disclosure.Figure
    by_month: dict[tuple[int, int], tuple[disclosure.Figure, disclosure.Figure]]
    rate: float | None


def referral_indicators(user, filters: DashboardFilters) -> ReferralIndicators:  # noqa: ANN001
    from partnership.referrals.summary import slip_counts

    stmt = slip_counts(
        ("year", "month"),
        start=filters.start,
        end=filters.end,
        stations=station_ids_query(user, filters) if place_restricted(user, filters) else None,
    )
    issued: dict[tuple[int, int], int] = {}
    redeemed: dict[tuple[int, int], int] = {}
    for y, m, n_issued, n_redeemed in db.session.execute(stmt):
        issued[(int(y), int(m))] = int(n_issued)
        redeemed[(int(y), int(m))] = int(n_redeemed)
    suppress = disclosure.applies_to(user)
    issued_cells, issued_total = disclosure.protect(issued, suppress, sum(issued.values()))
    redeemed_cells, redeemed_total = disclosure.protect(redeemed, suppress, sum(redeemed.values()))
    rate = None
    if not issued_total.withheld and not redeemed_total.withheld and int(issued_total):
        rate = int(redeemed_total) / int(issued_total)
    by_month = {k: (issued_cells[k], redeemed_cells[k]) for k in issued}
    return ReferralIndicators(issued_total, redeemed_total, by_month, rate)


@dataclass
class StationMonth:
    station_id: int
    station: str
    month: str  # YYYY-MM
    issued: disclosure.Figure
    redeemed: disclosure.Figure


def referrals_by_station_month(user, filters: DashboardFilters) -> list[StationMonth]:  # noqa: ANN001
    """Slips issued in the period and those of them redeemed, per station and month of issue,
    within the filters and the user's scope. The cells add up to the dashboard's month figures
    and to the period's total for the same filters, so each count is protected against both,
    as the report workbook's sheet is (a "<5" cannot be worked out from the totals beside it)."""
    from partnership.organisations.models import Organisation
    from partnership.referrals.summary import slip_counts

    counts = slip_counts(
        ("station_id", "year", "month"),
        start=filters.start,
        end=filters.end,
        stations=station_ids_query(user, filters),
    ).subquery()
    stmt = select(
        counts.c.station_id, Organisation.name, counts.c.year, counts.c.month,
        counts.c.issued, counts.c.redeemed,
    ).join(Organisation, Organisation.id == counts.c.station_id)  # fmt: skip
    names: dict[int, str] = {}
    counted: dict[tuple[int, str], tuple[int, int]] = {}
    for station_id, name, y, m, issued, redeemed in db.session.execute(stmt):
        names[station_id] = name
        counted[(station_id, f"{int(y):04d}-{int(m):02d}")] = (int(issued), int(redeemed))
    suppress = disclosure.applies_to(user)
    groups: list[tuple[list, tuple]] = [(list(counted), ("all",))]
    months: dict[str, list] = {}
    for key in counted:
        months.setdefault(key[1], []).append(key)
    groups += [(keys, ("month", month)) for month, keys in months.items()]
    shown = [
        disclosure.protect_groups({k: v[i] for k, v in counted.items()}, groups, suppress)
        for i in (0, 1)
    ]
    return [
        StationMonth(station_id, names[station_id], month_text,
                     shown[0][(station_id, month_text)], shown[1][(station_id, month_text)])
        for station_id, month_text in sorted(counted, key=lambda k: (names[k[0]], k[1], k[0]))
    ]  # fmt: skip
