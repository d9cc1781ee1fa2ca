"""The email of a notification, in its recipient's language: the same sentence as in the app,
a link to the record, and where to choose which emails to get. Like the page, it names the
record by its number, title or category and station: never a concern's summary or details."""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _

from partnership.i18n import in_language_of
from partnership.notifications.models import Notification
from partnership.notifications.services import shown


def absolute_url(endpoint: str, **values) -> str:  # noqa: ANN003
    """An address for an email: under BASE_URL when set (the address users know the server by)."""
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    if has_request_context():
        path = url_for(endpoint, **values, _external=not base)
    else:
        with current_app.test_request_context("/"):
            path = url_for(endpoint, **values, _external=not base)
    return f"{base}{path}" if base else path


def notification_message(notification: Notification) -> EmailMessage:
    user = notification.user
    with in_language_of(user):
        words = shown(notification, user)
        message = EmailMessage()
        message["Subject"] = words.subject
        message["From"] = current_app.config["MAIL_FROM"]
        message["To"] = user.email
        # Out-of-office replies and the like are not sent back to an automatic message.
        message["Auto-Submitted"] = "auto-generated"
        lines = [_("Hello %(name)s,", name=user.name), "", words.text, ""]
        if words.endpoint:
            lines += [_("Open it:"), absolute_url(words.endpoint, **words.values), ""]
        lines += [
            _("Choose which notifications you get by email:"),
            absolute_url("notifications.notification_settings"),
            "",
            "— " + _("Partnership manager"),
        ]
        message.set_content("\n".join(lines))
    return message
