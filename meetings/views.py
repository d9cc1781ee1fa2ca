from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


@bp.get("/")
def meeting_index():
    return render_template("meetings/index.html")
