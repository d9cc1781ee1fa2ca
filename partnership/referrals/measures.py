"""Measures of a scheme: slips issued and redeemed, redemption rate, days to redemption,
services provided, returning clients and routes, per station, service point and month.

Everything is counted in SQL with GROUP BY; the medians come from a histogram of day gaps
(one row per group and distinct number of days), so the work is bounded by groups, not rows.
Nothing here returns a client code or a redemption record: only counts.

Small counts are decided in ``partnership.disclosure``: every count comes back as a ``Figure``
already suppressed for the user (1 to 4 as "<5" for officers and viewers, complementary cells
as "—"), and a rate or median that rests on a withheld count is shown as "—".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_decimal, format_percent
from sqlalchemy import Integer, cast, func, literal, select

from partnership import disclosure
from partnership.database import date_month, date_year
from partnership.disclosure import Figure
from partnership.extensions import db
from partnership.numbers import round_half_up
from partnership.organisations.models import Organisation
from partnership.permissions import station_scope
from partnership.referrals.models import (
    Redemption,
    RedemptionService,
    Route,
    Scheme,
    ServicePoint,
    ServiceType,
    Slip,
)
from partnership.referrals.summary import slip_counts

NOT_SHOWN = disclosure.WITHHELD_TEXT


# ---- presentation of counts --------------------------------------------------------------------
#
# Every count of a ``Measures`` is a ``disclosure.Figure``, already suppressed for the user it was
# computed for; these helpers only format what rests on them.


def rate_text(part: Figure, whole: Figure) -> str:
    """A share of two figures, or "—" when either is withheld (it would give the count away)."""
    if part.withheld or whole.withheld or not whole.value:
        return NOT_SHOWN
    # Babel rounds half to even; round the share half up first (17 of 40 shows as 43 %).
    return format_percent(round_half_up(part.value / whole.value, 2), format="#,##0%")


def median_text(line: Line) -> str:
    """A line's median days to redemption, or "—" when its redemptions are withheld (a median
    of one to four visits describes them one by one)."""
    if line.median_days is None or line.redeemed.withheld:
        return NOT_SHOWN
    return format_decimal(line.median_days, format="#,##0.#")


def median_of(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many times}."""
    total = sum(histogram.values())
    if not total:
        return None
    lower_rank, upper_rank = (total - 1) // 2, total // 2
    seen, lower = 0, None
    for value in sorted(histogram):
        seen += histogram[value]
        if lower is None and seen > lower_rank:
            lower = value
        if seen > upper_rank:
            return (lower + value) / 2
    return None  # pragma: no cover


# ---- SQL pieces that differ between SQLite and PostgreSQL -------------------------------------


def days_between(later, earlier):  # noqa: ANN001, ANN201
    if db.session.get_bind().dialect.name == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return cast(later - earlier, Integer)


def _year(col):  # noqa: ANN001, ANN202
    return date_year(col)


def _month(col):  # noqa: ANN001, ANN202
    return date_month(col)


# ---- measures ----------------------------------------------------------------------------------


@dataclass
class Line:
    """One row of a breakdown: issued and redeemed slips, walk-ins and days to redemption.
    Counted as plain ints, then handed out as ``Figure``s (see ``_disclose``)."""

    key: object
    label: str
    issued: int | Figure = 0
    redeemed: int | Figure = 0
    walk_ins: int | Figure = 0
    days: dict[int, int] = field(default_factory=dict)

    @property
    def median_days(self) -> float | None:
        return median_of(self.days)


@dataclass
class Measures:
    total: Line
    by_station: list[Line]
    by_service_point: list[Line]
    by_month: list[Line]
    by_route: list[Line]
    services: list[tuple[ServiceType, Figure]]
    clients: Figure
    returning_clients: Figure


def month_span(end: date, months: int) -> list[tuple[int, int]]:
    """The ``months`` calendar months up to and including ``end``'s, oldest first."""
    year, month = end.year, end.month
    out = []
    for _ in range(months):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


def scheme_measures(
    scheme: Scheme,
    user,  # noqa: ANN001
    months: int = 12,
    today: date | None = None,
    station_ids: frozenset[int] | None = None,
    suppress: bool | None = None,
) -> Measures:
    """Measures of ``scheme`` as ``user`` may see them: officers only their stations' slips
    (and walk-ins who named one of their stations). ``station_ids`` narrows further. Where small
    counts are withheld from the user (or ``suppress`` asks for it: the officers' feedback view
    shown to an NGO editor), complementary cells come back already withheld."""
    today = today or date.today()
    scope = station_scope(user)
    if station_ids is not None:
        scope = station_ids if scope is None else frozenset(scope) & station_ids

    def slips_in_scope(stmt):  # noqa: ANN001, ANN202
        stmt = stmt.where(Slip.scheme_id == scheme.id)
        return stmt.where(Slip.station_id.in_(scope)) if scope is not None else stmt

    def redemptions_in_scope(stmt):  # noqa: ANN001, ANN202
        stmt = stmt.where(Redemption.scheme_id == scheme.id)
        return stmt.where(Redemption.station_id.in_(scope)) if scope is not None else stmt

    redeemed = func.count(Redemption.id)
    span = month_span(today, months)
    by_month = {ym: Line(ym, date(ym[0], ym[1], 1).isoformat()[:7]) for ym in span}
    by_route = {r: Line(r, r.label) for r in Route}
    by_station: dict[int, Line] = {}
    # 1. Slips per station, route and month of issue, and those of them redeemed (one pass over
    # the scheme's slips; the three breakdowns add these groups up). A month's "redeemed"
    # counts that month's slips redeemed at any time.
    # Counted from the slips summary (partnership.referrals.summary), not from every slip.
    counts = slip_counts(
        ("station_id", "route", "year", "month"),
        scheme_id=scheme.id,
        stations=sorted(scope) if scope is not None else None,
    ).subquery()
    rows = db.session.execute(
        select(
            counts.c.station_id, Organisation.name, counts.c.route, counts.c.year,
            counts.c.month, counts.c.issued, counts.c.redeemed,
        ).join(Organisation, Organisation.id == counts.c.station_id)
    )  # fmt: skip
    for station_id, name, route, y, m, issued, n_redeemed in rows:
        station_line = by_station.get(station_id)
        if station_line is None:
            station_line = by_station[station_id] = Line(station_id, name)
        for line in (station_line, by_route[route], by_month.get((y, m))):
            if line is not None:
                line.issued += issued
                line.redeemed += n_redeemed

    # 4. Redemptions per service point (with and without slips).
    by_point: dict[int, Line] = {}
    walk_in = func.sum(cast(Redemption.walk_in, Integer))
    rows = db.session.execute(
        redemptions_in_scope(
            select(Redemption.service_point_id, ServicePoint.name, redeemed, walk_in).join(
                ServicePoint, ServicePoint.id == Redemption.service_point_id
            )
        ).group_by(Redemption.service_point_id, ServicePoint.name)
    )
    for point_id, name, n, n_walk_in in rows:
        by_point[point_id] = Line(
            point_id, name, redeemed=n - (n_walk_in or 0), walk_ins=n_walk_in or 0
        )

    # 5. Days from issue to redemption: a histogram per station, service point and month.
    year, month = _year(Slip.issued_on), _month(Slip.issued_on)
    gap = days_between(Redemption.redeemed_on, Slip.issued_on)
    rows = db.session.execute(
        slips_in_scope(
            select(Slip.station_id, Redemption.service_point_id, year, month, gap, func.count())
            .join(Redemption, Redemption.slip_id == Slip.id)
        ).group_by(Slip.station_id, Redemption.service_point_id, year, month, gap)
    )  # fmt: skip
    total = Line("total", "")
    for station_id, point_id, y, m, days, n in rows:
        for line in (
            by_station.get(station_id),
            by_point.get(point_id),
            by_month.get((y, m)),
            total,
        ):
            if line is not None:
                line.days[days] = line.days.get(days, 0) + n

    # 6. Services provided (every redemption in scope, walk-ins included).
    rows = db.session.execute(
        redemptions_in_scope(
            select(RedemptionService.service, func.count()).join(
                Redemption, Redemption.id == RedemptionService.redemption_id
            )
        ).group_by(RedemptionService.service)
    )
    provided = dict(rows.all())
    services = [(s, provided[s]) for s in ServiceType if provided.get(s)]

    # 7. Clients and returning clients (codes seen at more than one visit).
    per_code = (
        redemptions_in_scope(
            select(Redemption.client_code.label("code"), func.count().label("visits")).where(
                Redemption.client_code != ""
            )
        )
        .group_by(Redemption.client_code)
        .subquery()
    )
    clients, returning = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(cast(per_code.c.visits > literal(1), Integer)), 0),
        ).select_from(per_code)
    ).one()

    total.issued = sum(line.issued for line in by_station.values())
    total.redeemed = sum(line.redeemed for line in by_station.values())
    total.walk_ins = sum(line.walk_ins for line in by_point.values())
    return _disclose(
        total=total,
        by_station=sorted(by_station.values(), key=lambda line: line.label),
        by_service_point=sorted(by_point.values(), key=lambda line: line.label),
        by_month=list(by_month.values()),
        by_route=[line for line in by_route.values() if line.issued],
        services=services,
        clients=clients,
        returning_clients=int(returning or 0),
        suppress=disclosure.applies_to(user) if suppress is None else suppress,
    )


def cached_scheme_measures(
    scheme: Scheme,
    user,  # noqa: ANN001
    station_ids: frozenset[int] | None = None,
    suppress: bool | None = None,
) -> Measures:
    """``scheme_measures``, kept until the next write (they group all of a scheme's history)."""
    from partnership.caching import cached, viewer_key

    return cached(
        "scheme-measures",
        lambda: scheme_measures(scheme, user, station_ids=station_ids, suppress=suppress),
        scheme.id,
        viewer_key(user),
        sorted(station_ids) if station_ids is not None else None,
        suppress,
    )


COUNTED = ("issued", "redeemed", "walk_ins")


def _disclose(
    total: Line,
    by_station: list[Line],
    by_service_point: list[Line],
    by_month: list[Line],
    by_route: list[Line],
    services: list[tuple[ServiceType, int]],
    clients: int,
    returning_clients: int,
    suppress: bool,
) -> Measures:
    """The counted measures as ``Figure``s for the user. Each breakdown is shown next to the
    scheme's total, so where one of its rows is withheld as "<5" the next smallest is withheld
    too (``disclosure.protect``), and a withheld total stays withheld in every breakdown."""
    breakdowns = (by_station, by_service_point, by_month, by_route)
    for attr in COUNTED:
        total_value = int(getattr(total, attr))
        shown_total: Figure | None = None
        for lines in breakdowns:
            cells, line_total = disclosure.protect(
                {i: int(getattr(line, attr)) for i, line in enumerate(lines)},
                suppress,
                total_value,
            )
            for i, cell in cells.items():
                setattr(lines[i], attr, cell)
            if shown_total is None or (line_total is not None and line_total.withheld):
                shown_total = line_total
        setattr(total, attr, shown_total or disclosure.figure(total_value, suppress))
    for line in (total, *(line for lines in breakdowns for line in lines)):
        if line.redeemed.withheld:
            line.days = {}  # nothing downstream can describe withheld visits one by one
    return Measures(
        total=total,
        by_station=by_station,
        by_service_point=by_service_point,
        by_month=by_month,
        by_route=by_route,
        services=[(s, disclosure.figure(n, suppress)) for s, n in services],
        clients=disclosure.figure(clients, suppress),
        returning_clients=disclosure.figure(returning_clients, suppress),
    )


# ---- chart -------------------------------------------------------------------------------------


@dataclass
class Bar:
    x: float
    y: float
    height: float
    label: str
    withheld: bool = False


def month_chart(lines: list[Line], height: int = 120) -> dict:
    """Geometry of a bar chart of slips issued and redeemed per month, drawn as inline SVG.

    Withheld counts are drawn at the threshold's height with a hatched pattern and labelled
    "<5" (or "—"), never as an empty bar that reads as zero."""
    top = max([line.issued.bar_value for line in lines] + [disclosure.THRESHOLD])
    width = 24  # 12 months fit 300 units, the width of a phone's content (labels stay >= 12 px)
    groups = []
    for i, line in enumerate(lines):
        bars = []
        for j, value in enumerate((line.issued, line.redeemed)):
            h = round(height * value.bar_value / top, 1)
            bars.append(Bar(i * width + 4 + j * 10, height - h, h, value.text, value.withheld))
        groups.append({"line": line, "issued": bars[0], "redeemed": bars[1], "x": i * width + 4})
    return {"groups": groups, "width": len(lines) * width + 8, "height": height, "top": top}
