"""Row builders for referral exports. Slip exports carry redemption columns only for NGO
editors; measures are exported with the same small-count suppression as the page."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from partnership.referrals.measures import Measures, median_text, rate_text
from partnership.referrals.models import Redemption, Route, ServicePoint
from partnership.spreadsheets import Table


def slips_table(rows: Iterable[tuple], with_redemptions: bool) -> Table:
    """Rows of ``slip_rows_query``: number, scheme, station, officer, date issued, route
    (and the redemption's date and service point for NGO editors)."""
    headers = [_("Slip number"), _("Scheme"), _("Station"), _("Officer"), _("Date issued"),
               _("Route")]  # fmt: skip
    if with_redemptions:
        headers += [_("Redeemed on"), _("Service point")]
    labels = {route: route.label for route in Route}  # translated once, not per row

    def row(values: tuple) -> list:
        out = list(values)
        out[3] = out[3] or ""
        out[5] = labels.get(out[5], out[5])
        if with_redemptions:
            out[7] = out[7] or ""
        return out

    return Table(headers, (row(r) for r in rows), sheet_name=_("Slips"))


def redemptions_table(redemptions: Iterable[Redemption]) -> Table:
    headers = [
        _("Scheme"), _("Slip number"), _("Walk-in"), _("Station"), _("Date of the visit"),
        _("Service point"), _("Consent"), _("Client code"), _("Services provided"), _("Outcome"),
        _("Follow-up"), _("Follow-up date"),
    ]  # fmt: skip
    rows = (
        [
            r.scheme.name,
            r.slip.number if r.slip else "",
            r.walk_in,
            r.station.name if r.station else "",
            r.redeemed_on,
            r.service_point.name,
            r.consent,
            r.client_code,
            "; ".join(s.label for s in r.service_types),
            r.outcome.label,
            r.follow_up,
            r.follow_up_on,
        ]
        for r in redemptions
    )
    return Table(headers, rows, sheet_name=_("Redemptions"))


def service_points_table(points: Iterable[ServicePoint], stale) -> Table:  # noqa: ANN001
    headers = [_("Service point"), _("Provider"), _("Address"), _("Opening hours"),
               _("Services offered"), _("Status"), _("Last checked"), _("Needs checking")]  # fmt: skip
    rows = (
        [
            p.name,
            p.organisation.name,
            p.address,
            p.opening_hours,
            "; ".join(s.label for s in p.service_types),
            p.status.label,
            p.last_checked,
            stale(p),
        ]
        for p in points
    )
    return Table(headers, rows, sheet_name=_("Service points"))


def measures_table(m: Measures) -> Table:
    """The measures as the page shows them: counts come as ``Figure``s already suppressed for
    the reader, written as numbers or as "<5" / "—"."""
    headers = [_("Breakdown"), _("Group"), _("Slips issued"), _("Slips redeemed"),
               _("Redemption rate"), _("Median days to redemption"), _("Walk-ins")]  # fmt: skip

    def line_row(kind: str, line) -> list:  # noqa: ANN001
        # Slips are issued at stations, walk-ins arrive at service points: each breakdown shows
        # only the counts it has (a walk-in has no station, month of issue or route).
        point, total = kind == _("Service point"), kind == _("Scheme")
        return [
            kind,
            line.label,
            "" if point else line.issued,
            line.redeemed,
            "" if point else rate_text(line.redeemed, line.issued),
            median_text(line),
            line.walk_ins if point or total else "",
        ]

    rows = [line_row(_("Scheme"), m.total)]
    rows[0][1] = _("All")
    rows += [line_row(_("Station"), line) for line in m.by_station]
    rows += [line_row(_("Service point"), line) for line in m.by_service_point]
    rows += [line_row(_("Month issued"), line) for line in m.by_month]
    rows += [line_row(_("Route"), line) for line in m.by_route]
    rows += [[_("Service provided"), s.label, "", n, "", "", ""] for s, n in m.services]
    rows.append([_("Clients"), _("Distinct client codes"), "", m.clients, "", "", ""])
    rows.append([_("Clients"), _("Returning clients"), "", m.returning_clients, "", "", ""])
    return Table(headers, rows, sheet_name=_("Measures"))
