"""The referrals blueprint (schemes, service directory, slips, redemptions, officer feedback); its
views live in one module per aggregate."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


def form_data(form) -> dict:  # noqa: ANN001
    return {name: f.data for name, f in form._fields.items()}


def form_status(form, conflict=None) -> int:  # noqa: ANN001
    return 409 if conflict is not None else (422 if form.errors else 200)


from partnership.referrals.views import directory, feedback, redemptions, schemes, slips  # noqa: E402, F401
