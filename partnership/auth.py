"""Sign in, sign out, change password; the user loader backed by server-side sessions."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from partnership import audit
from partnership.accounts import services
from partnership.extensions import db, login_manager
from partnership.forms import FieldError, attach_field_error
from partnership.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGE_COOKIE_MAX_AGE,
    LANGUAGES,
    normalise_language,
)
from partnership.mixins import utcnow
from partnership.storage import storage_problem

bp = Blueprint("auth", __name__)

SESSION_TOKEN_KEY = "sid"  # noqa: S105 - a session key name, not a secret
SEEN_KEY = "seen"  # the time of the session's last request, in seconds since the epoch


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; not your email; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class LanguageForm(FlaskForm):
    locale = SelectField(
        _l("Language"),
        choices=[("", _l("As my browser asks")), *LANGUAGES.items()],
        validate_choice=True,
    )


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


def safe_next(target: str | None) -> str:
    """Only same-site paths; anything else goes to the home page."""
    if not target:
        return url_for("dashboard.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.home")
    if "\\" in target:
        return url_for("dashboard.home")
    return target


def _client_ip() -> str:
    return request.remote_addr or "unknown"


def sign_in(user) -> None:  # noqa: ANN001
    """Start a new session: a fresh cookie and session token, so nothing from before login
    (a planted session identifier) carries over."""
    session.clear()
    token = services.start_session(user, _client_ip(), request.user_agent.string)
    session[SESSION_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        ip = _client_ip()
        throttle = services.login_throttle(email, ip)
        if throttle.blocked:
            form.form_errors.append(
                _(
                    "Too many failed sign-in attempts. Try again in %(n)d minutes.",
                    n=throttle.retry_after_minutes,
                )
            )
            status = 429
        else:
            user = services.find_user_by_email(email)
            if (
                user is not None
                and user.active
                and services.verify_password(user, form.password.data)
            ):
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
                services.record_failed_login(email, ip)
                db.session.commit()
            except SQLAlchemyError as error:
                return _sign_in_unavailable(form, error)
            form.form_errors.append(_("The email or password is not correct."))
            status = 401
    elif form.errors:
        status = 422
    response = make_response(render_template("auth/login.html", form=form), status)
    if status == 429:
        response.headers["Retry-After"] = str(throttle.retry_after_seconds)
    return response


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


@bp.post("/account/language")
def language_save():
    form = LanguageForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        services.set_user_locale(user, form.locale.data or None)
        db.session.commit()
        flash(_("Your language was saved."), "success")
        return redirect(url_for("auth.password_change"))
    return _account_page(PasswordChangeForm(formdata=None), form), 422


def _account_page(password_form: PasswordChangeForm, language_form: LanguageForm):  # noqa: ANN202
    return render_template(
        "auth/password_change.html", form=password_form, language_form=language_form
    )


@bp.route("/account/password", methods=["GET", "POST"])
def password_change():
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_own_password(user, form.current_password.data, form.password.data, None)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            # Every earlier session ended; this browser continues in a new one.
            sign_in(user)
            db.session.commit()
            flash(_("Your password was changed. Other sessions were signed out."), "success")
            return redirect(url_for("dashboard.home"))
    language_form = LanguageForm(formdata=None, locale=current_user.locale or "")
    return _account_page(form, language_form), (422 if form.errors else 200)


# ---- forgotten password: a single-use link by email --------------------------------------------


class PasswordForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])


class PasswordResetByEmailForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1024)],
        description=_l("At least 12 characters; not your email; not a common password."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


def _reset_link(token: str) -> str:
    path = url_for("auth.password_reset", token=token)
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    return f"{base}{path}" if base else url_for("auth.password_reset", token=token, _external=True)


@bp.route("/password/forgot", methods=["GET", "POST"])
def password_forgot():
    form = PasswordForgotForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        ip = _client_ip()
        throttle = services.login_throttle(email, ip)
        if throttle.blocked:
            form.form_errors.append(
                _(
                    "Too many attempts. Try again in %(n)d minutes.",
                    n=throttle.retry_after_minutes,
                )
            )
            status = 429
        else:
            # Each request counts towards the same limit as failed sign-ins, for the address
            # and the client, so the form cannot be used to flood someone's inbox.
            services.record_failed_login(email, ip)
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
    elif form.errors:
        status = 422
    return render_template("auth/password_forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def password_reset(token: str):
    row = services.password_reset_token(token)
    if row is None:
        return render_template("auth/password_reset_invalid.html"), 404
    form = PasswordResetByEmailForm()
    if form.validate_on_submit():
        try:
            services.reset_password_with_token(row, form.password.data)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash(
                _("Your password was changed and every session was signed out. Sign in with it."),
                "success",
            )
            return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form), (422 if form.errors else 200)


# ---- personal API tokens -----------------------------------------------------------------------


class ApiTokenForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, such as the script that uses it."))  # fmt: skip
    days = SelectField(_l("Works for"), coerce=int, choices=[
        (30, _l("30 days")), (90, _l("90 days")), (365, _l("one year"))], default=90)  # fmt: skip


def _api_token_page(form: ApiTokenForm, secret: str | None = None):  # noqa: ANN202
    return render_template(
        "auth/api_tokens.html",
        form=form,
        tokens=services.api_tokens_of(current_user),
        secret=secret,
    )


@bp.get("/account/api-tokens")
def api_token_list():  # noqa: ANN201
    return _api_token_page(ApiTokenForm())


@bp.post("/account/api-tokens")
def api_token_create():  # noqa: ANN201
    form = ApiTokenForm()
    if form.validate_on_submit():
        try:
            secret = services.create_api_token(current_user, form.name.data, form.days.data)
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            db.session.commit()
            # Shown once, on this answer only: only its hash is kept.
            return _api_token_page(ApiTokenForm(formdata=None), secret)
    return _api_token_page(form), 422


@bp.post("/account/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int):  # noqa: ANN201
    if not services.revoke_api_token(current_user, token_id):
        abort(404)
    db.session.commit()
    flash(_("The API token was revoked; it no longer works."), "success")
    return redirect(url_for("auth.api_token_list"))
