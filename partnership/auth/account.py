"""One's own account: the password and the interface language."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership.accounts import services
from partnership.auth import bp, sign_in
from partnership.auth.forms import LanguageForm, PasswordChangeForm
from partnership.extensions import db
from partnership.forms import form_status, save_form


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
    user = current_user._get_current_object()

    def change(data: dict) -> None:
        services.change_own_password(user, data["current_password"], data["password"], None)
        # Every earlier session ended; this browser continues in a new one.
        sign_in(user)

    if form.validate_on_submit() and save_form(form, change).ok:
        flash(_("Your password was changed. Other sessions were signed out."), "success")
        return redirect(url_for("dashboard.home"))
    language_form = LanguageForm(formdata=None, locale=current_user.locale or "")
    return _account_page(form, language_form), form_status(form)
