"""A forgotten password: a single-use link by email, and the page it opens."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from partnership.accounts import services
from partnership.auth import bp, client_ip, throttled, throttled_page
from partnership.auth.forms import PasswordForgotForm, PasswordResetByEmailForm
from partnership.extensions import db
from partnership.forms import form_status, save_form


def _reset_link(token: str) -> str:
    path = url_for("auth.password_reset", token=token)
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    return f"{base}{path}" if base else url_for("auth.password_reset", token=token, _external=True)


@bp.route("/password/forgot", methods=["GET", "POST"])
def password_forgot():
    form = PasswordForgotForm()
    if not form.validate_on_submit():
        return render_template("auth/password_forgot.html", form=form), form_status(form)
    email = form.email.data.strip().lower()
    throttle = throttled(
        form, email, lambda n: _("Too many attempts. Try again in %(n)d minutes.", n=n)
    )
    if throttle is not None:
        return throttled_page("auth/password_forgot.html", form, throttle)
    # Each request counts towards the same limit as failed sign-ins, for the address and the
    # client, so the form cannot be used to flood someone's inbox.
    services.record_failed_login(email, client_ip())
    token = services.request_password_reset(email)
    user_id = services.find_user_by_email(email).id if token else None
    db.session.commit()
    if token and user_id is not None:
        from partnership.accounts.tasks import send_password_reset_email

        send_password_reset_email(user_id, _reset_link(token))
    # The same answer whether or not the address has an account.
    flash(
        _(
            "If an account uses this address, an email with a link to choose a new "
            "password is on its way. The link works once, for %(n)d minutes.",
            n=current_app.config["PASSWORD_RESET_MINUTES"],
        ),
        "success",
    )
    return redirect(url_for("auth.login"))


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    row = services.password_reset_token(token)
    if row is None:
        return render_template("auth/password_reset_invalid.html"), 404
    form = PasswordResetByEmailForm()
    saved = form.validate_on_submit() and save_form(
        form, lambda data: services.reset_password_with_token(row, data["password"])
    )
    if saved and saved.ok:
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(
            _("Your password was changed and every session was signed out. Sign in with it."),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form), form_status(form)
