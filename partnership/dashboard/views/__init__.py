"""The dashboard blueprint: the home dashboard (``home``), the station page and its brief
(``stations``) and the programme report (``reports``)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from partnership.dashboard.views import home, reports, stations  # noqa: E402, F401
