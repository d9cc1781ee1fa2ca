"""The loop at a meeting: agenda items, decisions, minutes, and the action points agreed and
reviewed there."""

from __future__ import annotations

import difflib

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings.forms import (
    AgendaItemForm,
    DecisionForm,
    MinutesForm,
)
from meetings.models import (
    Meeting,
)
from meetings.services import agenda, lifecycle, queries
from meetings.views import bp
from partnership.actions.services.action_points import get_action_point_or_404
from partnership.actions.views.action_points import action_point_form
from partnership.extensions import db
from partnership.forms import form_status, save_form
from partnership.pagination import arg_int

# ---- agenda, decisions, minutes ----------------------------------------------------------------


@bp.post("/<int:meeting_id>/agenda")
def agenda_item_add(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = AgendaItemForm(prefix="agenda")
    if form.validate_on_submit():
        agenda.add_agenda_item(meeting, form.title.data, form.notes.data or "")
        db.session.commit()
        flash(_("The agenda item was added."), "success")
    else:
        flash(_("Give the agenda item a title."), "error")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/move")
def agenda_item_move(meeting_id: int, item_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    agenda.move_agenda_item(meeting, item_id, request.form.get("direction", "down"))
    db.session.commit()
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/delete")
def agenda_item_delete(meeting_id: int, item_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    agenda.delete_agenda_item(meeting, item_id)
    db.session.commit()
    flash(_("The agenda item was removed."), "success")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/decisions")
def decision_add(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = DecisionForm(prefix="decision")
    if form.validate_on_submit():
        agenda.add_decision(meeting, form.text.data, current_user)
        db.session.commit()
        flash(_("The decision was recorded."), "success")
    else:
        flash(_("Write the decision before saving."), "error")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#decisions")


@bp.post("/<int:meeting_id>/decisions/<int:decision_id>/delete")
def decision_delete(meeting_id: int, decision_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    agenda.delete_decision(meeting, decision_id)
    db.session.commit()
    flash(_("The decision was removed."), "success")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#decisions")


def _revision_diffs(meeting: Meeting) -> list[dict]:
    """Each revision with the lines it added and removed against the one before."""
    revisions = list(meeting.minutes_revisions)  # newest first
    out = []
    for i, rev in enumerate(revisions):
        before = revisions[i + 1].body.splitlines() if i + 1 < len(revisions) else []
        diff = [
            line
            for line in difflib.unified_diff(before, rev.body.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        out.append({"revision": rev, "diff": diff})
    return out


@bp.route("/<int:meeting_id>/minutes", methods=["GET", "POST"])
def minutes_edit(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = MinutesForm()
    if request.method == "GET":
        form.body.data = agenda.minutes_text(meeting)
    if form.validate_on_submit():
        saved = save_form(
            form, lambda data: lifecycle.save_minutes(meeting, data["body"], current_user)
        )
        if saved.ok:
            revision = saved.record
            if revision is None:
                flash(_("The minutes did not change."), "info")
            else:
                flash(_("The minutes were saved (revision %(n)s).", n=revision.number), "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#minutes")
    return render_template(
        "meetings/minutes_form.html",
        form=form,
        meeting=meeting,
        revisions=_revision_diffs(meeting),
    ), form_status(form)


# ---- the loop at a meeting: agree action points, review them ----------------------------------


@bp.route("/<int:meeting_id>/action-points/new", methods=["GET", "POST"])
def action_point_agree(meeting_id: int):
    """Agree an action point at the meeting, with one of its stations; back to the meeting,
    ready to agree the next."""
    meeting = queries.get_meeting_or_404(meeting_id, current_user)
    station_id = request.form.get("station_id", type=int) or arg_int("station")
    form = action_point_form(station_id)
    if request.method == "GET":
        form.station_id.data = station_id
        concern_id = arg_int("concern")
        if concern_id:
            form.concern_ids.data = [concern_id]
    if form.validate_on_submit():
        saved = save_form(form, lambda data: agenda.agree_action_point(meeting, data, current_user))
        if saved.ok:
            point = saved.record
            flash(_("Action point AP-%(id)s was agreed.", id=point.id), "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#loop")
    return render_template(
        "actions/action_point_form.html",
        form=form,
        point=None,
        meeting=meeting,
        cancel_url=url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#loop",
    ), (422 if form.errors else 200)


@bp.post("/<int:meeting_id>/action-points/<int:point_id>/review")
def action_point_review(meeting_id: int, point_id: int):
    """Record that the point was reviewed at the meeting (optionally with a note)."""
    meeting = queries.get_meeting_or_404(meeting_id, current_user)
    point = get_action_point_or_404(point_id, current_user)
    agenda.review_at_meeting(meeting, point, current_user, (request.form.get("note") or "")[:2000])
    db.session.commit()
    flash(
        _("Recorded that “%(title)s” was reviewed at this meeting.", title=point.title), "success"
    )
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#loop")
