"""The curricula blueprint; its views live in one module per aggregate."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("curricula", __name__, url_prefix="/curricula")


@bp.app_context_processor
def _curricula_helpers() -> dict:
    """``curricula_station_summary(station)`` for the dashboard's station story."""

    def curricula_station_summary(station):  # noqa: ANN001, ANN202
        from flask_login import current_user

        from curricula.services.coverage import station_summary

        return station_summary(station, current_user)

    return {"curricula_station_summary": curricula_station_summary}


@bp.get("/")
def curricula_index():
    return render_template("curricula/index.html")


from curricula.views import adoption, certificates, modules, trainings  # noqa: E402, F401
