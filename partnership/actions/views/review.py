"""The officer's review and the loop's measures."""

from __future__ import annotations

from datetime import date

from flask_login import current_user

from partnership import disclosure
from partnership.actions import measures
from partnership.actions.services import review as review_services
from partnership.actions.views import bp
from partnership.caching import render_kept

# ---- officer review and measures ---------------------------------------------------


@bp.get("/my-review")
def my_review():
    # Kept rendered until a write changes what it was read from (partnership.caching), for the
    # account itself (a command's officer sees the points they own); the forms' CSRF tokens
    # are this session's, put in on every load.
    return render_kept(
        "actions/my_review.html",
        "actions/_my_review_body.html",
        lambda: {"review": review_services.review_for(current_user), "today": date.today()},
        kept_key=(current_user.id,),
    )


@bp.get("/measures", endpoint="measures")
def measures_page():
    # Over all history: kept rendered until a write changes what it was read from.
    return render_kept(
        "actions/measures.html",
        "actions/_measures_body.html",
        lambda: {
            "rows": measures.action_point_measures(current_user),
            "by_month": measures.concerns_by_category_month(current_user),
            "suppress": disclosure.applies_to(current_user),
        },
    )
