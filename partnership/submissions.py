"""One-time submission keys: a form sent twice is stored once.

A double click, or a browser sending a form again after the connection dropped while the server
was saving, used to store the record twice. Every POST form now carries a hidden
``submission_key`` (added to each ``<form method="post">`` when templates are compiled, so no
template or view has to remember it). When a request with a key writes to the database, the key
is stored with the user in the same transaction; the place the answer sent the user to is added
once the view has answered. A request arriving with a key already stored does not run its view:
it is sent where the first answer went. When that first answer was a page or a download shown
in place (not a redirect), the repeat is not run either: it is sent back to the page the form
was on and told that the form was already processed once. Keys are kept for a day.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, flash, g, has_request_context, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2.ext import Extension
from markupsafe import Markup
from sqlalchemy import ForeignKey, String, UniqueConstraint, delete, event, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.wrappers import Response

from partnership.extensions import db
from partnership.mixins import UTCDateTime, utcnow
from partnership.redirects import back_link

FIELD = "submission_key"
KEEP_FOR = timedelta(days=1)
# How long a repeated request waits for the first one's answer to be recorded.
WAIT_FOR_FIRST_SECONDS = 5.0
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_POST_FORM_TAG = re.compile(r"<form\b(?:[^>{]|\{\{.*?\}\}|\{%.*?%\}|\{(?![{%]))*>", re.S | re.I)
_METHOD_POST = re.compile(r"""\bmethod\s*=\s*["']?post\b""", re.I)
# Stored before the location when the first answer was a page or a download: a repeat goes back
# to the form's page (no URL of ours starts with this).
ANSWERED_IN_PLACE = "page:"


class SubmissionKey(db.Model):
    __tablename__ = "submission_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    # Where the first answer sent the user; empty until that answer is known.
    location: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


UNIQUE_NAME = "uq_submission_keys_user_id_key"


# ---- the hidden field --------------------------------------------------------------------------


def submission_key_field() -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, secrets.token_urlsafe(18)
    )


class SubmissionKeyExtension(Extension):
    """Adds the hidden key field after every ``<form method="post">`` of an HTML template."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        if not (name or "").endswith(".html"):
            return source

        def add_field(match: re.Match) -> str:
            tag = match.group(0)
            if not _METHOD_POST.search(tag):
                return tag
            return tag + "{{ submission_key_field() }}"

        return _POST_FORM_TAG.sub(add_field, source)


# ---- the request ---------------------------------------------------------------------------------


def _key_of_request() -> str | None:
    if request.method != "POST":
        return None
    key = request.form.get(FIELD, "")
    if not _KEY_SHAPE.fullmatch(key):
        return None
    if not current_user.is_authenticated:
        return None  # signing in: nothing to show twice, and no user to keep the key with
    return key


def _stored(user_id: int, key: str) -> SubmissionKey | None:
    return db.session.scalar(
        select(SubmissionKey).where(SubmissionKey.user_id == user_id, SubmissionKey.key == key)
    )


def _safe_back() -> str:
    return back_link() or url_for("dashboard.home")


def answer_again(user_id: int, key: str) -> Response | None:
    """The answer for a form whose key is stored: where the first answer went. Waits briefly
    when the first request has saved but not yet answered. None when the key is not stored."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    row = _stored(user_id, key)
    while row is not None and not row.location and time.monotonic() < deadline:
        # End this transaction so the first request can record its answer (on SQLite it needs
        # the write lock this request would otherwise hold).
        db.session.rollback()
        time.sleep(0.05)
        row = _stored(user_id, key)
    if row is None:
        return None
    location = row.location or _safe_back()
    db.session.rollback()
    current_app.logger.info("form sent again (key %s…): answered with %s", key[:6], location)
    if location.startswith(ANSWERED_IN_PLACE):
        flash(
            _(
                "This form had already been sent and was processed once; it was not processed again."
            ),
            "info",
        )
        return redirect(location[len(ANSWERED_IN_PLACE) :], code=303)
    flash(_("This form had already been sent and was saved once. Here is the result."), "info")
    return redirect(location, code=303)


def _before_request() -> Response | None:
    key = _key_of_request()
    if key is None:
        return None
    g.submission = (current_user.id, key)
    return answer_again(current_user.id, key)


def _wrote(session: Session, *_args: Any) -> None:
    if has_request_context() and g.get("submission"):
        g.submission_wrote = True


def _on_orm_execute(state: Any) -> None:
    writes = state.is_insert or state.is_update or state.is_delete
    if writes and has_request_context() and g.get("submission"):
        g.submission_wrote = True


def _rolled_back(session: Session, *_args: Any) -> None:
    # What was flushed is gone (a preview that ran the import to see what it would do): the
    # form has written nothing, whatever the request commits later.
    if has_request_context() and g.get("submission"):
        g.submission_wrote = False


def _before_commit(session: Session) -> None:
    """Store the key in the transaction that stores the form's record."""
    if not has_request_context():
        return
    submission = g.get("submission")
    if not submission or g.get("submission_recorded"):
        return
    if not (g.get("submission_wrote") or session.new or session.dirty or session.deleted):
        return
    user_id, key = submission
    g.submission_recorded = True
    session.execute(delete(SubmissionKey).where(SubmissionKey.created_at < utcnow() - KEEP_FOR))
    session.add(SubmissionKey(user_id=user_id, key=key))


def _after_request(response: Response) -> Response:
    submission = g.get("submission")
    if not submission:
        return response
    user_id, key = submission
    if not g.get("submission_recorded"):
        if response.status_code in (409, 422):
            # Refused because the same form, sent a moment earlier, saved first: show that.
            again = answer_again(user_id, key)
            if again is not None:
                return again
        return response
    if 300 <= response.status_code < 400 and response.location:
        stmt = update(SubmissionKey).values(location=response.location[:2000])
    elif 200 <= response.status_code < 300:
        # A page or a download answered in place: what it wrote is stored, so the form is not
        # run again; a repeat goes back to the page the form was on.
        back = ANSWERED_IN_PLACE + _safe_back()
        stmt = update(SubmissionKey).values(location=back[:2000])
    else:
        # A refusal wrote nothing that stays: the form may be corrected and sent again.
        stmt = delete(SubmissionKey)
    try:
        db.session.rollback()  # whatever the view left open
        db.session.execute(stmt.where(SubmissionKey.user_id == user_id, SubmissionKey.key == key))
        db.session.commit()
    except SQLAlchemyError as exc:
        db.session.rollback()
        current_app.logger.warning("answer to a form not recorded with its key: %s", exc)
    return response


def answer_for_twin(error: IntegrityError) -> Response | None:
    """When storing the key failed because the same form was saved a moment earlier (both
    requests ran side by side on PostgreSQL): the first one's answer."""
    from partnership.integrity import violated_constraint

    submission = g.get("submission") if has_request_context() else None
    if not submission or violated_constraint(error) != UNIQUE_NAME:
        return None
    db.session.rollback()
    g.submission_recorded = False
    return answer_again(*submission)


# A form sent by the page's script (static/js/app.js, which keeps the typed values on the device
# when the network fails) asks with this header. A redirect is then answered as a plain 200 naming
# the place, so the script can open it as the browser would have: fetch would otherwise follow the
# redirect itself and take the page's one-time messages ("The concern was logged.") with it.
SCRIPT_HEADER = "X-Kept-Form"
LOCATION_HEADER = "X-Kept-Form-Location"


def _redirect_for_script(response: Response) -> Response:
    if request.headers.get(SCRIPT_HEADER) != "1":
        return response
    if not (300 <= response.status_code < 400 and response.location):
        return response
    response.headers[LOCATION_HEADER] = response.location
    del response.headers["Location"]
    response.status_code = 200
    response.set_data(b"")
    response.mimetype = "text/plain"
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension(SubmissionKeyExtension)
    app.jinja_env.globals["submission_key_field"] = submission_key_field
    app.before_request(_before_request)
    # Registered first so that it runs last, once the key has recorded where the answer went.
    app.after_request(_redirect_for_script)
    app.after_request(_after_request)


event.listen(Session, "after_flush", _wrote)
event.listen(Session, "do_orm_execute", _on_orm_execute)
event.listen(Session, "before_commit", _before_commit)
event.listen(Session, "after_rollback", _rolled_back)
