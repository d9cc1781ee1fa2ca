"""The signed-in user's notifications: the list, marking them read, and which ones to email."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership.caching import render_kept
from partnership.extensions import db
from partnership.notifications import services
from partnership.notifications.forms import EmailSettingsForm
from partnership.pagination import paginate

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.record_once
def _connect_receivers(_state) -> None:  # noqa: ANN001
    from partnership.notifications.receivers import connect_receivers

    connect_receivers()


# A person's list is asked for by them alone, now and then: kept a while, not crowding out the
# pages many people share.
KEEP_SECONDS = 15 * 60


@bp.get("")
def notification_list():
    # Kept rendered until a write changes a table it read (partnership.caching): a new
    # notification, one marked read, an action point renamed. The unread count (the "Mark all
    # read" button) is on the user's row, which counting does not mark as changed: it is part
    # of the key, as is the reader.
    user = current_user._get_current_object()
    return render_kept(
        "notifications/notification_list.html",
        "notifications/_notification_list_body.html",
        lambda: _list_context(user),
        keep_seconds=KEEP_SECONDS,
        kept_key=(user.id, user.unread_notifications),
    )


def _list_context(user) -> dict:  # noqa: ANN001
    page = paginate(services.notification_query(user))
    return {"page": page, "items": [services.shown(n, user) for n in page.items]}


@bp.post("/<int:notification_id>/read")
def notification_read(notification_id: int):
    if not services.mark_read(current_user._get_current_object(), notification_id):
        abort(404)
    db.session.commit()
    return redirect(url_for("notifications.notification_list"))


@bp.post("/read")
def notification_read_all():
    services.mark_all_read(current_user._get_current_object())
    db.session.commit()
    flash(_("All your notifications are marked read."), "success")
    return redirect(url_for("notifications.notification_list"))


@bp.route("/settings", methods=["GET", "POST"])
def notification_settings():
    user = current_user._get_current_object()
    form = EmailSettingsForm()
    form.kinds.choices = services.email_kind_choices()
    if form.validate_on_submit():
        services.set_emailed_kinds(user, form.kinds.data or [])
        db.session.commit()
        flash(_("Your email settings were saved."), "success")
        return redirect(url_for("notifications.notification_settings"))
    if not form.is_submitted():
        form.kinds.data = services.emailed_kinds(user)
    status = 422 if form.errors else 200
    return render_template("notifications/notification_settings.html", form=form), status
