"""The officer's review and the loop's measures."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_login import current_user

from partnership import disclosure
from partnership.actions import measures
from partnership.actions.forms import (
    FollowUpForm,
)
from partnership.actions.services import review as review_services
from partnership.actions.views import bp
from partnership.caching import render_kept

# ---- officer review and measures ---------------------------------------------------


@bp.get("/my-review")
def my_review():
    review = review_services.review_for(current_user)
    return render_template(
        "actions/my_review.html", review=review, today=date.today(), FollowUpForm=FollowUpForm
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
