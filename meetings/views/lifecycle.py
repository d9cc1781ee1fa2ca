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
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error
from partnership.lifecycle import TransitionError

# ---- status changes ----------------------------------------------------------------------------


def _back(meeting: Meeting):  # noqa: ANN202
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))


def _change_by_button(meeting_id: int, change, done_message):  # noqa: ANN001, ANN202
    """A status change made by one button (confirm, hold): apply it, or say why not."""
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    try:
        change(meeting, current_user)
        db.session.commit()
    except TransitionError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(done_message(meeting), "success")
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
        data = {
            "timezone": meeting.timezone,
            "start_date": form.start_date.data,
            "start_time": form.start_time.data,
            "end_date": form.end_date.data or form.start_date.data,
            "end_time": form.end_time.data,
        }
        try:
            starts, ends = scheduling.meeting_window(data)
            if not form.proceed.data:
                warnings = scheduling.find_conflicts(
                    starts,
                    ends,
                    meeting.zone,
                    [s.id for s in meeting.stations],
                    [u.id for u in meeting.facilitators],
                    exclude_ids={meeting.id},
                )
            if not warnings:
                lifecycle.postpone_meeting(meeting, current_user, starts, ends, form.reason.data)
                db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except TransitionError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(meeting)
        else:
            if not warnings:
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
        try:
            lifecycle.cancel_meeting(meeting, current_user, form.reason.data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except TransitionError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(meeting)
        else:
            flash(_("“%(title)s” was cancelled.", title=meeting.title), "success")
            return _back(meeting)
    return render_template("meetings/meeting_cancel.html", form=form, meeting=meeting), (
        422 if form.errors else 200
    )
