"""Referral slips issued and redeemed: totals and months, protected against subtraction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from partnership import disclosure
from partnership.dashboard.services.filters import (
    DashboardFilters,
    place_restricted,
    station_ids_query,
    year_month,
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
    from partnership.referrals.models import Redemption, Slip

    year, month = year_month(Slip.issued_on)
    redeemed = func.count(Redemption.id)
    stmt = (
        select(year, month, func.count(Slip.id), redeemed)
        .outerjoin(Redemption, Redemption.slip_id == Slip.id)
        .where(Slip.issued_on >= filters.start, Slip.issued_on <= filters.end)
        .group_by(year, month)
    )
    if place_restricted(user, filters):
        stmt = stmt.where(Slip.station_id.in_(station_ids_query(user, filters)))
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
