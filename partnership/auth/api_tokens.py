"""Personal API tokens: made, listed and revoked by their owner."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership.accounts import services
from partnership.auth import bp
from partnership.auth.forms import ApiTokenForm
from partnership.extensions import db
from partnership.forms import save_form


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
    saved = form.validate_on_submit() and save_form(
        form, lambda data: services.create_api_token(current_user, data["name"], data["days"])
    )
    if saved and saved.ok:
        # Shown once, on this answer only: only its hash is kept.
        return _api_token_page(ApiTokenForm(formdata=None), saved.record)
    return _api_token_page(form), 422


@bp.post("/account/api-tokens/<int:token_id>/revoke")
def api_token_revoke(token_id: int):  # noqa: ANN201
    if not services.revoke_api_token(current_user, token_id):
        abort(404)
    db.session.commit()
    flash(_("The API token was revoked; it no longer works."), "success")
    return redirect(url_for("auth.api_token_list"))
