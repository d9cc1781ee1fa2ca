"""Status changes of a meeting: confirm, hold, postpone, cancel."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings.forms import (
    CancelForm,
    PostponeForm,
)
from meetings.models import (
    Meeting,
    MeetingStatus,
)
from meetings.services import lifecycle, queries, scheduling
from meetings.views import bp
from meetings.views.scheduling import fill_times
from partnership.forms import form_status, save_action, save_form

# ---- status changes ----------------------------------------------------------------------------


def _back(meeting: Meeting):  # noqa: ANN202
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))


def _change_by_button(meeting_id: int, change, done_message):  # noqa: ANN001, ANN202
    """A status change made by one button (confirm, hold): apply it, or say why not."""
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    saved = save_action(lambda: change(meeting, current_user))
    if saved.ok:
        flash(done_message(meeting), "success")
    else:
        flash(saved.refused, "error")
    return _back(meeting)


@bp.post("/<int:meeting_id>/confirm")
def meeting_confirm(meeting_id: int):
    return _change_by_button(
        meeting_id,
        lifecycle.confirm_meeting,
        lambda meeting: _("“%(title)s” is confirmed.", title=meeting.title),
    )


@bp.post("/<int:meeting_id>/hold")
def meeting_hold(meeting_id: int):
    return _change_by_button(
        meeting_id,
        lifecycle.hold_meeting,
        lambda meeting: _("“%(title)s” was recorded as held.", title=meeting.title),
    )


@bp.route("/<int:meeting_id>/postpone", methods=["GET", "POST"])
def meeting_postpone(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    if not lifecycle.can_transition(meeting, MeetingStatus.POSTPONED):
        flash(
            _("A meeting that is “%(current)s” cannot be postponed.", current=meeting.status.label),
            "error",
        )
        return _back(meeting)
    form = PostponeForm()
    if request.method == "GET":
        fill_times(form, meeting)
    warnings: list[str] = []
    if form.validate_on_submit():

        def postpone(data: dict) -> list[str]:
            """Postponed unless the new time clashes and the user has not said to go ahead."""
            window = {**data, "timezone": meeting.timezone}
            window["end_date"] = data["end_date"] or data["start_date"]
            starts, ends = scheduling.meeting_window(window)
            clashes = [] if data["proceed"] else scheduling.find_conflicts(
                starts, ends, meeting.zone, [s.id for s in meeting.stations],
                [u.id for u in meeting.facilitators], exclude_ids={meeting.id},
            )  # fmt: skip
            if not clashes:
                lifecycle.postpone_meeting(meeting, current_user, starts, ends, data["reason"])
            return clashes

        saved = save_form(form, postpone)
        if saved.refused:
            flash(saved.refused, "error")
            return _back(meeting)
        warnings = saved.record if saved.ok else []
        if saved.ok and not warnings:
            flash(_("“%(title)s” was postponed.", title=meeting.title), "success")
            return _back(meeting)
    return render_template(
        "meetings/meeting_postpone.html", form=form, meeting=meeting, warnings=warnings
    ), (422 if (form.errors or warnings) else 200)


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
def meeting_cancel(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    if not lifecycle.can_transition(meeting, MeetingStatus.CANCELLED):
        flash(
            _("A meeting that is “%(current)s” cannot be cancelled.", current=meeting.status.label),
            "error",
        )
        return _back(meeting)
    form = CancelForm()
    if form.validate_on_submit():
        saved = save_form(
            form, lambda data: lifecycle.cancel_meeting(meeting, current_user, data["reason"])
        )
        if saved.refused:
            flash(saved.refused, "error")
        elif saved.ok:
            flash(_("“%(title)s” was cancelled.", title=meeting.title), "success")
        if saved.ok or saved.refused:
            return _back(meeting)
    return render_template("meetings/meeting_cancel.html", form=form, meeting=meeting), form_status(
        form
    )
