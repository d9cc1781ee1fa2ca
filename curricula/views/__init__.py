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

    def curricula_training_of(meeting):  # noqa: ANN001, ANN202
        """The training set up on a training meeting, for a link from the meeting page."""
        from sqlalchemy import select

        from curricula.models import Training
        from partnership.extensions import db

        if meeting.kind.value != "training":
            return None
        return db.session.scalar(select(Training.id).where(Training.meeting_id == meeting.id))

    return {
        "curricula_station_summary": curricula_station_summary,
        "curricula_training_of": curricula_training_of,
    }


@bp.get("/")
def curricula_index():
    return render_template("curricula/index.html")


from curricula.views import adoption, certificates, modules, trainings  # noqa: E402, F401
