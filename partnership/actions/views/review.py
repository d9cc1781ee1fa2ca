"""The officer's review and the loop's measures."""

from __future__ import annotations

from datetime import date

from flask_login import current_user

from partnership import disclosure
from partnership.actions import measures
from partnership.actions.services import review as review_services
from partnership.actions.views import bp
from partnership.caching import render_kept
from partnership.pagination import arg_int

# ---- officer review and measures ---------------------------------------------------


# The review's buttons post through one form rendered afresh outside the kept part
# (actions/my_review.html), by this id.
REVIEW_FORM = "review-form"


@bp.get("/my-review")
def my_review():
    # Kept rendered until a write changes what it was read from (partnership.caching), for the
    # account itself (a command's officer sees the points they own). It holds no form: its
    # buttons belong to the page's own form, the only part with this session's token.
    return render_kept(
        "actions/my_review.html",
        "actions/_my_review_body.html",
        lambda: {
            "review": review_services.review_for(current_user),
            "today": date.today(),
            "review_form": REVIEW_FORM,
        },
        kept_key=(current_user.id,),
        review_form=REVIEW_FORM,
    )


# Rows of the per-station table on one page of the measures: 300 stations and two sides made a
# page of 600 rows (104 KB).
MEASURE_ROWS = 100


@bp.get("/measures", endpoint="measures")
def measures_page():
    # Over all history: kept rendered until a write changes what it was read from.
    page = arg_int("page") or 1
    return render_kept(
        "actions/measures.html",
        "actions/_measures_body.html",
        lambda: _measures_context(page),
    )


def _measures_context(page: int) -> dict:
    rows = measures.action_point_measures(current_user)
    last = max(1, -(-len(rows) // MEASURE_ROWS))
    page = min(page, last)
    first = (page - 1) * MEASURE_ROWS
    return {
        "rows": rows[first : first + MEASURE_ROWS],
        "rows_page": {"page": page, "last": last, "first": first + 1, "total": len(rows)},
        "by_month": measures.concerns_by_category_month(current_user),
        "suppress": disclosure.applies_to(current_user),
    }
