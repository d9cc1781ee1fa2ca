from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("curricula", __name__, url_prefix="/curricula")


@bp.get("/")
def curricula_index():
    return render_template("curricula/index.html")
