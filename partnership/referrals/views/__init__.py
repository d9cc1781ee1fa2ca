"""The referrals blueprint (schemes, service directory, slips, redemptions, officer feedback); its
views live in one module per aggregate."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


from partnership.referrals.views import directory, feedback, redemptions, schemes, slips  # noqa: E402, F401
