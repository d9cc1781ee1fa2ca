"""Officer feedback: what came of the referrals a station's officers made."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from partnership.caching import render_kept
from partnership.extensions import db
from partnership.pagination import arg_int
from partnership.permissions import station_scope
from partnership.referrals import measures
from partnership.referrals.models import (
    LABELS,
    Scheme,
    SchemeStatus,
)
from partnership.referrals.services import schemes as scheme_services
from partnership.referrals.services import slips as slip_services
from partnership.referrals.views import bp

# ---- officer feedback --------------------------------------------------------------------------


@bp.get("/feedback")
def station_feedback():
    """What became of a station's referrals, as suppressed counts: what officers see.

    NGO editors can open the same view for any station to see exactly what its officers see."""
    scope = station_scope(current_user)
    station_id = arg_int("station")
    if scope is not None:
        station_ids = frozenset(scope)
        if station_id is not None:
            if station_id not in scope:
                abort(404)
            station_ids = frozenset({station_id})
    elif station_id is not None:
        station_ids = frozenset({station_id})
    else:
        station_ids = None
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "referrals/station_feedback.html",
        "referrals/_station_feedback_body.html",
        lambda: _feedback_context(station_id, station_ids),
    )


def _feedback_context(station_id: int | None, station_ids: frozenset[int] | None) -> dict:
    stations = slip_services.issuing_stations(current_user)
    rows = []
    if station_ids is not None:
        schemes = db.session.scalars(
            scheme_services.scheme_query(current_user).where(Scheme.status != SchemeStatus.PLANNED)
        ).all()
        for scheme in schemes:
            m = measures.cached_scheme_measures(
                scheme, current_user, station_ids=station_ids, suppress=True
            )
            rows.append((scheme, m))
    return {
        "rows": rows,
        "stations": stations,
        "station_id": station_id,
        "chosen": station_ids,
        "rate": measures.rate_text,
        "labels": LABELS,
    }
