"""A forgotten password: a single-use token by email."""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from partnership import audit
from partnership.accounts.models import PasswordResetToken, User
from partnership.accounts.services.passwords import set_password
from partnership.accounts.services.sessions import _token_hash, end_all_sessions
from partnership.accounts.services.throttling import clear_failed_logins
from partnership.accounts.services.users import find_user_by_email
from partnership.extensions import db
from partnership.mixins import utcnow


def request_password_reset(email: str) -> str | None:
    """A new single-use reset token for the active account with ``email`` (earlier unused
    tokens of that account stop working), or None when there is no such account. The caller
    answers the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    now = utcnow()
    db.session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    db.session.add(
        PasswordResetToken(
            user_id=user.id,
            token_hash=_token_hash(token),
            created_at=now,
            expires_at=now + timedelta(minutes=minutes),
        )
    )
    audit.record_event("password_reset_requested", user)
    db.session.flush()
    return token


def password_reset_token(token: str) -> PasswordResetToken | None:
    """The live reset token: known, unused, unexpired, of an active account."""
    if not token or len(token) > 128:
        return None
    row = db.session.scalar(
        select(PasswordResetToken)
        .options(joinedload(PasswordResetToken.user))
        .where(PasswordResetToken.token_hash == _token_hash(token))
    )
    if row is None or row.used_at is not None or row.expires_at <= utcnow():
        return None
    return row if row.user.active else None


def reset_password_with_token(row: PasswordResetToken, password: str) -> User:
    """Set the new password, spend the token and end every session of the account."""
    user = row.user
    set_password(user, password)
    row.used_at = utcnow()
    end_all_sessions(user)
    clear_failed_logins(user.email)
    audit.record_event("password_reset_by_email", user)
    db.session.flush()
    return user


def password_reset_message(user_id: int, link: str):  # noqa: ANN201
    """The reset email for ``user_id``, or None if the account is gone or deactivated."""
    from email.message import EmailMessage

    from partnership.i18n import in_language_of

    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    config = current_app.config
    minutes = config["PASSWORD_RESET_MINUTES"]
    with in_language_of(user):  # the recipient's language, whoever asked
        message = EmailMessage()
        message["Subject"] = _("Reset your password")
        message["From"] = config["MAIL_FROM"]
        message["To"] = user.email
        message.set_content(
            "\n".join(
                [
                    _("Hello %(name)s,", name=user.name),
                    "",
                    _("Someone asked to reset the password of your account. To choose a new "
                      "password, open this link within %(n)d minutes; it works once:", n=minutes),
                    "",
                    link,
                    "",
                    _("If you did not ask for this, ignore this email: your password stays as "
                      "it is."),
                    "",
                    "— " + _("Partnership manager"),
                ]
            )
        )  # fmt: skip
    return message
