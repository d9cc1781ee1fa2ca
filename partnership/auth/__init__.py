"""Sign in, sign out, one's own account; the user loader backed by server-side sessions.

The blueprint ``bp`` and the session plumbing are here; its pages are in ``sessions`` (sign in
and out, the sign-in page's language), ``account`` (own password and language), ``passwords``
(forgotten password) and ``api_tokens``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Blueprint, current_app, g, make_response, render_template, request, session
from flask_login import login_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from partnership.accounts import services
from partnership.accounts.services import Throttle
from partnership.extensions import db, login_manager
from partnership.mixins import utcnow
from partnership.redirects import safe_next

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - a session key name, not a secret
SEEN_KEY = "seen"  # the time of the session's last request, in seconds since the epoch


@login_manager.request_loader
def load_user_from_api_token(req):  # noqa: ANN001, ANN201
    """The API's requests sign in with a personal token instead of a session."""
    if req.blueprint != "api":
        return None
    header = req.headers.get("Authorization", "")
    return services.user_for_api_token(header[7:].strip() if header.startswith("Bearer ") else None)


@login_manager.user_loader
def load_user(user_id: str):  # noqa: ANN201
    if request.blueprint == "api":
        # The API takes personal tokens only: a browser's session cookie never signs a script's
        # request in, so another site cannot make one with it (CSRF) and writes need no form.
        return None
    row = services.load_session(session.get(SESSION_TOKEN_KEY), seen_at=_cookie_seen_at())
    if row is None or str(row.user_id) != user_id:
        return None
    g.user_session_id = row.id
    g.session_touch_due = services.session_needs_touch(row)
    # The exact time of this request, in the signed cookie: the idle timeout counts from it.
    session[SEEN_KEY] = round(utcnow().timestamp(), 3)
    return row.user


def _cookie_seen_at() -> datetime | None:
    try:
        return datetime.fromtimestamp(float(session.get(SEEN_KEY)), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def record_activity(_error: BaseException | None = None) -> None:
    """Write the session's activity time once the request's own transaction has ended.

    Done inside the request, SQLite would make the update wait for the write lock that the
    request itself holds (a save after more than a minute without requests failed with
    "database is locked"). Here the request holds nothing; a failure only postpones the
    update, since the exact time is in the cookie."""
    session_id = g.pop("user_session_id", None)
    if session_id is None or not g.pop("session_touch_due", False):
        return
    db.session.remove()
    try:
        services.touch_session(session_id)
    except SQLAlchemyError as exc:
        current_app.logger.warning("session activity not recorded this time: %s", exc)


def client_ip() -> str:
    return request.remote_addr or "unknown"


def sign_in(user) -> None:  # noqa: ANN001
    """Start a new session: a fresh cookie and session token, so nothing from before login
    (a planted session identifier) carries over."""
    session.clear()
    token = services.start_session(user, client_ip(), request.user_agent.string)
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)


def throttled(form: FlaskForm, email: str, message: Callable[[int], str]) -> Throttle | None:
    """The limit shared by failed sign-ins and reset requests, per address and per client:
    when it is reached, the form says (``message(minutes)``) when to try again."""
    throttle = services.login_throttle(email, client_ip())
    if not throttle.blocked:
        return None
    form.form_errors.append(message(throttle.retry_after_minutes))
    return throttle


def throttled_page(template: str, form: FlaskForm, throttle: Throttle):  # noqa: ANN201
    response = make_response(render_template(template, form=form), 429)
    response.headers["Retry-After"] = str(throttle.retry_after_seconds)
    return response


# The pages register their routes on ``bp`` when imported.
from partnership.auth import account, api_tokens, passwords, sessions  # noqa: E402, F401

__all__ = ["bp", "record_activity", "safe_next", "sign_in"]
