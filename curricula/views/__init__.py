"""The curricula blueprint; its views live in one module per aggregate."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("curricula", __name__, url_prefix="/curricula")


@bp.record_once
def _connect_receivers(_state) -> None:  # noqa: ANN001
    """Curricula follows meetings: trainings move with their meeting, and a training
    meeting's page links to its modules, scores and certificates."""
    from curricula.services.trainings import connect_receivers

    connect_receivers()


@bp.get("/")
def curricula_index():
    return render_template("curricula/index.html")


from curricula.views import adoption, certificates, modules, trainings  # noqa: E402, F401
