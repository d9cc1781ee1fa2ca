"""Figures of the API: the dashboard's indicators (computed by the dashboard's own functions,
with its filters), referral schemes and their measures, and referrals per station and month.
Every count is suppressed for the token's user as on the pages ("<5", "—")."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_login import current_user

from partnership.api.common import (
    SECURITY,
    blp,
    filters_from,
    id_field,
    list_args,
    record_list,
    text,
)
from partnership.api.views import Count
from partnership.dashboard.services import DashboardFilters, indicators
from partnership.dashboard.services.referrals import referrals_by_station_month
from partnership.disclosure import Figure
from partnership.referrals import measures
from partnership.referrals.models import SchemeStatus
from partnership.referrals.services.schemes import SchemeFilters, get_scheme_or_404, scheme_query

# An indicator's value as the dashboard shows it: a number, "<5" or "—" where withheld from the
# user, or null where the dashboard shows nothing ("—": no pairs, a share over a withheld count).
Value = {
    "oneOf": [{"type": "number"}, {"type": "string", "enum": ["<5", "—"]}],
    "nullable": True,
}


class IndicatorArgs(ma.Schema):
    """The dashboard's filters: the period (default: the last 365 days; a date outside the years
    the dashboard accepts is replaced by the default, as on the page: the answer's ``filters``
    say which period was used) and the place."""

    start = ma.fields.Date()
    end = ma.fields.Date()
    country = text(2, 2)
    command = id_field()
    station = id_field()


class FiltersSchema(ma.Schema):
    start = ma.fields.Date(required=True)
    end = ma.fields.Date(required=True)
    country = ma.fields.String(allow_none=True)
    command = ma.fields.Integer(allow_none=True)
    station = ma.fields.Integer(allow_none=True)


class IndicatorSchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    value = ma.fields.Raw(required=True, allow_none=True, metadata=Value)


class IndicatorMonthSchema(ma.Schema):
    month = ma.fields.String(required=True, metadata={"example": "2026-03"})
    meetings_planned = ma.fields.Integer(required=True)
    meetings_held = ma.fields.Integer(required=True)
    slips_issued = ma.fields.Raw(required=True, metadata=Count)
    slips_redeemed = ma.fields.Raw(required=True, metadata=Count)
    concerns_raised = ma.fields.Raw(required=True, metadata=Count)


class LabelledCountSchema(ma.Schema):
    label = ma.fields.String(required=True)
    value = ma.fields.Raw(required=True, metadata=Count)


class IndicatorsSchema(ma.Schema):
    filters = ma.fields.Nested(FiltersSchema, required=True)
    suppressed = ma.fields.Boolean(required=True)
    indicators = ma.fields.List(ma.fields.Nested(IndicatorSchema), required=True)
    months = ma.fields.List(ma.fields.Nested(IndicatorMonthSchema), required=True)
    concerns_by_category = ma.fields.List(ma.fields.Nested(LabelledCountSchema), required=True)


def filters_out(filters: DashboardFilters) -> dict:
    return {**filters.to_params(), "start": filters.start, "end": filters.end}


def dashboard_filters(args: dict) -> DashboardFilters:
    return DashboardFilters.from_params(
        {k: v.isoformat() if isinstance(v, date) else v for k, v in args.items()}
    )


@blp.route("/indicators")
@blp.arguments(IndicatorArgs, location="query", unknown=ma.RAISE)
@blp.response(200, IndicatorsSchema)
@blp.doc(security=SECURITY)
def indicator_list(args: dict) -> dict:
    """The dashboard's indicators for the same filters (period: ``start``, ``end``; place:
    ``country``, ``command``, ``station``), computed by the dashboard's own functions: the same
    figures the token's user sees on the dashboard, with small counts withheld the same way.
    ``months`` are the rows of its month charts (at most the period's last 24 months)."""
    filters = dashboard_filters(args)
    figures = indicators.dashboard_figures(current_user, filters)
    values = indicators.indicator_values(figures)
    return {
        "filters": filters_out(filters),
        "suppressed": figures.suppressed,
        "indicators": [
            {"key": key, "label": str(label), "value": values[key]}
            for key, label in indicators.DASHBOARD_INDICATORS.items()
        ],
        "months": indicators.month_values(figures, filters),
        "concerns_by_category": [
            {"label": str(label), "value": indicators.shown(n, figures.suppressed)}
            for label, n in figures.loop.concerns_by_category
        ],
    }


class StationMonthSchema(ma.Schema):
    station_id = ma.fields.Integer(required=True)
    station = ma.fields.String(required=True)
    month = ma.fields.String(required=True, metadata={"example": "2026-03"})
    slips_issued = ma.fields.Raw(required=True, metadata=Count)
    slips_redeemed = ma.fields.Raw(required=True, metadata=Count)


class StationMonthsSchema(ma.Schema):
    filters = ma.fields.Nested(FiltersSchema, required=True)
    items = ma.fields.List(ma.fields.Nested(StationMonthSchema), required=True)


@blp.route("/referrals/station-months")
@blp.arguments(IndicatorArgs, location="query", unknown=ma.RAISE)
@blp.response(200, StationMonthsSchema)
@blp.doc(security=SECURITY)
def referral_station_months(args: dict) -> dict:
    """Referral slips issued in the period and those of them redeemed, per station and month
    of issue, with the dashboard's filters. Counts are protected against the month and period
    totals the dashboard shows for the same filters, so a "<5" cannot be worked out by
    subtraction."""
    filters = dashboard_filters(args)
    return {
        "filters": filters_out(filters),
        "items": [
            {"station_id": row.station_id, "station": row.station, "month": row.month,
             "slips_issued": row.issued.export_value,
             "slips_redeemed": row.redeemed.export_value}
            for row in referrals_by_station_month(current_user, filters)
        ],
    }  # fmt: skip


class SchemeSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    agreement_date = ma.fields.Date(allow_none=True)
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    partner_ids = ma.fields.List(ma.fields.Integer(), required=True)


@record_list(
    "/referral-schemes", SchemeSchema, list_args(SchemeFilters, "SchemeArgs", status=SchemeStatus)
)
def scheme_list(args: dict):  # noqa: ANN201
    """Referral schemes (an officer: those of their stations)."""

    def rows(items: list) -> list[dict]:
        return [
            {"id": s.id, "name": s.name, "status": str(s.status),
             "agreement_date": s.agreement_date, "start_date": s.start_date,
             "end_date": s.end_date, "partner_ids": [p.id for p in s.partners]}
            for s in items
        ]  # fmt: skip

    return scheme_query(current_user, filters_from(SchemeFilters, args)), rows


class MeasureLineSchema(ma.Schema):
    key = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    issued = ma.fields.Raw(required=True, metadata=Count)
    redeemed = ma.fields.Raw(required=True, metadata=Count)
    walk_ins = ma.fields.Raw(required=True, metadata=Count)
    redemption_rate = ma.fields.Float(required=True, allow_none=True)
    median_days = ma.fields.Float(required=True, allow_none=True)


class ServiceCountSchema(ma.Schema):
    service = ma.fields.String(required=True)
    label = ma.fields.String(required=True)
    value = ma.fields.Raw(required=True, metadata=Count)


class MeasuresSchema(ma.Schema):
    scheme_id = ma.fields.Integer(required=True)
    total = ma.fields.Nested(MeasureLineSchema, required=True)
    by_station = ma.fields.List(ma.fields.Nested(MeasureLineSchema), required=True)
    by_month = ma.fields.List(ma.fields.Nested(MeasureLineSchema), required=True)
    by_route = ma.fields.List(ma.fields.Nested(MeasureLineSchema), required=True)
    by_service_point = ma.fields.List(ma.fields.Nested(MeasureLineSchema), required=True)
    services = ma.fields.List(ma.fields.Nested(ServiceCountSchema), required=True)
    returning_clients = ma.fields.Raw(required=True, metadata=Count)


def _rate(part: Figure, whole: Figure) -> float | None:
    if part.withheld or whole.withheld or not whole.value:
        return None
    return part.value / whole.value


def _line(line: measures.Line) -> dict:
    key = line.key
    if isinstance(key, tuple):
        key = f"{key[0]:04d}-{key[1]:02d}"
    return {
        "key": str(key), "label": str(line.label),
        "issued": line.issued.export_value, "redeemed": line.redeemed.export_value,
        "walk_ins": line.walk_ins.export_value,
        "redemption_rate": _rate(line.redeemed, line.issued),
        "median_days": None if line.redeemed.withheld else line.median_days,
    }  # fmt: skip


@blp.route("/referral-schemes/<int:scheme_id>/measures")
@blp.response(200, MeasuresSchema)
@blp.doc(security=SECURITY)
def scheme_measures(scheme_id: int) -> dict:
    """A scheme's measures as on its page: slips issued and redeemed, walk-ins, redemption
    rate and median days to redemption, per station, month (the last twelve), route and
    service point; services provided; returning clients (a count, never a client). An officer: their own stations' slips only."""
    scheme = get_scheme_or_404(scheme_id, current_user)
    m = measures.cached_scheme_measures(scheme, current_user)
    return {
        "scheme_id": scheme.id,
        "total": _line(m.total),
        "by_station": [_line(line) for line in m.by_station],
        "by_month": [_line(line) for line in m.by_month],
        "by_route": [_line(line) for line in m.by_route],
        "by_service_point": [_line(line) for line in m.by_service_point],
        "services": [
            {"service": str(s.value), "label": str(s.label), "value": n.export_value}
            for s, n in m.services
        ],
        "returning_clients": m.returning_clients.export_value,
    }
