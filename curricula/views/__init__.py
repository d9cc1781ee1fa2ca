"""The curricula blueprint; its views live in one module per aggregate."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("curricula", __name__, url_prefix="/curricula")


@bp.get("/")
def curricula_index():
    return render_template("curricula/index.html")


from curricula.views import adoption, certificates, modules, trainings  # noqa: E402, F401
