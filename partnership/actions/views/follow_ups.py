"""Follow-ups of an action point: notes and status changes, acknowledgement, verification and
review at a meeting."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership.actions.forms import (
    FollowUpForm,
    VerifyForm,
)
from partnership.actions.models import (
    ActionStatus,
)
from partnership.actions.services import action_points as point_services
from partnership.actions.services import follow_ups as follow_up_services
from partnership.actions.views import bp
from partnership.actions.views.action_points import render_detail
from partnership.forms import save_action, save_form
from partnership.permissions import (
    can_update_action_point,
    can_verify_action_point,
    is_police,
)


@bp.post("/action-points/<int:point_id>/follow-up")
def action_point_follow_up(point_id: int):
    point = point_services.get_action_point_or_404(point_id, current_user)
    if not can_update_action_point(current_user, point):
        abort(403)
    form = FollowUpForm(allowed=list(ActionStatus))
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: follow_up_services.add_follow_up(
                point,
                current_user,
                note=data["note"] or "",
                on_date=data["on_date"],
                to_status=ActionStatus(data["status"]) if data["status"] else None,
                action_taken=data["action_taken"] or "",
                reason=data["reason"] or "",
            ),
        )
        if saved.ok:
            flash(_("The follow-up was recorded."), "success")
            return redirect(_back(point))
        if saved.refused:
            form.form_errors.append(saved.refused)
    point = point_services.get_action_point_or_404(point_id, current_user)
    form.status.choices = FollowUpForm(
        allowed=point_services.allowed_status_changes(point, current_user)
    ).status.choices
    return render_detail(point.id, point, follow_up_form=form, status=422)


def _back(point) -> str:  # noqa: ANN001
    """Back to the officer's review when the change was made there, else to the point."""
    if request.form.get("next") == "review" and is_police(current_user):
        return url_for("actions.my_review")
    return url_for("actions.action_point_detail", point_id=point.id)


@bp.post("/action-points/<int:point_id>/acknowledge")
def action_point_acknowledge(point_id: int):
    point = point_services.get_action_point_or_404(point_id, current_user)
    saved = save_action(lambda: follow_up_services.acknowledge_action_point(point, current_user))
    if saved.ok:
        flash(_("You acknowledged this action point."), "success")
    else:
        flash(saved.refused, "error")
    return redirect(_back(point))


@bp.route("/action-points/<int:point_id>/verify", methods=["GET", "POST"])
def action_point_verify(point_id: int):
    """Verify what the other side did. A form loaded before the point changed (reopened and
    done again, edited) saves nothing and shows what changed: the verifier judged an older
    result."""
    point = point_services.get_action_point_or_404(point_id, current_user)
    if not can_verify_action_point(current_user, point):
        abort(403)
    form = VerifyForm()
    if request.method == "GET":
        form.version.data = point.version
        return render_template("actions/verify_form.html", form=form, point=point)
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: follow_up_services.verify_action_point(
                point, current_user, data["adequate"] == "yes", data["note"] or ""
            ),
            point,
        )
        if saved.refused:
            # Verified or reopened meanwhile: the point's page shows where it stands now.
            flash(saved.refused, "error")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
        if saved.ok:
            flash(_("The verification was recorded."), "success")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
        if saved.conflict is not None:
            point = point_services.get_action_point_or_404(point_id, current_user)
            form.version.data = point.version
            return render_detail(
                point.id, point, verify_form=form, conflict=saved.conflict, status=409
            )
    point = point_services.get_action_point_or_404(point_id, current_user)
    return render_detail(point.id, point, verify_form=form, status=422)
