"""Signing in and out, and the sign-in page's choice of language."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from partnership import audit
from partnership.accounts import services
from partnership.auth import (
    SESSION_TOKEN_KEY,
    bp,
    client_ip,
    sign_in,
    throttled,
    throttled_page,
)
from partnership.auth.forms import LoginForm
from partnership.extensions import db
from partnership.i18n import LANGUAGE_COOKIE, LANGUAGE_COOKIE_MAX_AGE, normalise_language
from partnership.redirects import safe_next
from partnership.storage import storage_problem


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), (422 if form.errors else 200)
    email = form.email.data.strip().lower()
    throttle = throttled(
        form,
        email,
        lambda n: _("Too many failed sign-in attempts. Try again in %(n)d minutes.", n=n),
    )
    if throttle is not None:
        return throttled_page("auth/login.html", form, throttle)
    user = services.find_user_by_email(email)
    if user is not None and user.active and services.verify_password(user, form.password.data):
        try:
            services.clear_failed_logins(email)
            sign_in(user)
            audit.record_event("login", user)
            db.session.commit()
        except SQLAlchemyError as error:
            return _sign_in_unavailable(form, error)
        return redirect(safe_next(request.args.get("next")))
    if user is None:
        services.burn_verification_time(form.password.data)
    try:
        services.record_failed_login(email, client_ip())
        db.session.commit()
    except SQLAlchemyError as error:
        return _sign_in_unavailable(form, error)
    form.form_errors.append(_("The email or password is not correct."))
    return render_template("auth/login.html", form=form), 401


def _sign_in_unavailable(form: LoginForm, error: SQLAlchemyError):  # noqa: ANN202
    """A sign-in must store its session (and a failed one its attempt, for throttling): when
    storage refuses writes, nobody can sign in until it is fixed. Say so on the form (503)
    instead of an error page; the administrator's log names the cause."""
    db.session.rollback()
    cause = storage_problem(error)
    if cause is None:
        raise error
    current_app.logger.error("sign-in refused, cannot save the session: %s [%s]", cause, error)
    form.form_errors.append(
        _(
            "Signing in is not possible right now: the server cannot save your session. "
            "Nothing was changed. Try again later, or tell your administrator."
        )
    )
    return render_template("auth/login.html", form=form), 503


@bp.post("/logout")
def logout():
    services.end_session(session.get(SESSION_TOKEN_KEY))
    audit.record_event("logout", current_user._get_current_object())
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    response = redirect(url_for("auth.login"))
    # Nothing stays on the device after sign-out: kept pages, forms waiting to be sent and the
    # offline worker (static/js/app.js empties them too, for browsers that ignore this header).
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


@bp.get("/language/<code>")
def language_choose(code: str):
    """The sign-in page's language links: remembered in a cookie on this browser."""
    language = normalise_language(code)
    response = redirect(safe_next(request.args.get("next") or url_for("auth.login")))
    if language:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=bool(current_app.config.get("HTTPS")),
        )
    return response
