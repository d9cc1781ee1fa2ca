"""Administration of accounts and the audit log (administrators only)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from partnership import audit
from partnership.accounts import exports, imports, services
from partnership.accounts.forms import (
    NewUserForm,
    OnboardingConfirmForm,
    OnboardingImportForm,
    PasswordResetForm,
    UserForm,
)
from partnership.accounts.models import User, UserSession
from partnership.caching import cached_html, depends_on, page_key, render_kept
from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error, form_status, save_action, save_form
from partnership.organisations.models import Organisation
from partnership.pagination import arg_int, arg_str, paginate
from partnership.permissions import can_import
from partnership.roles import ROLE_LABELS
from partnership.spreadsheets import (
    XLSX_MIMETYPE,
    send_table,
    write_xlsx,
)

bp = Blueprint("accounts", __name__, url_prefix="/admin")


def _organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.active.is_(True))
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )


@bp.get("/users")
def user_list():
    # Kept rendered until a write changes the accounts (partnership.caching). A sign-in changes
    # the "last sign-in" shown without starting a new generation of ``users`` (it is not an
    # edit); it always opens a session in the same transaction, so the list depends on
    # ``user_sessions`` too and no query asks for the latest sign-in on every load.
    body = "accounts/_user_list_body.html"
    html = cached_html(
        f"page:{body}",
        lambda: render_template(body, **_user_list_context()),
        page_key(current_user),
        request.full_path,
    )
    return render_template("accounts/user_list.html", body=html)


def _user_list_context() -> dict:
    depends_on("user_sessions")
    filters = services.UserFilters(q=arg_str("q"), role=arg_str("role"))
    return {
        "page": paginate(services.user_query(filters)),
        "filters": filters,
        "roles": ROLE_LABELS,
    }


@bp.route("/users/new", methods=["GET", "POST"])
def user_create():
    form = NewUserForm(organisations=_organisations())
    if form.validate_on_submit():
        saved = save_form(form, services.create_user)
        if saved.ok:
            user = saved.record
            flash(_("The account %(email)s was created.", email=user.email), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None), form_status(form)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = services.get_user_or_404(user_id)
    form = UserForm(obj=user, organisations=_organisations())
    if request.method == "GET":
        form.role.data = str(user.role)
        form.version.data = user.version
    conflict = None
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.update_user(user, data), user)
        conflict = saved.conflict
        if saved.ok:
            flash(_("The account %(email)s was saved.", email=user.email), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template(
        "accounts/user_form.html",
        form=form,
        user=user,
        conflict=conflict,
        sessions=services.active_session_count(user),
        reset_form=PasswordResetForm(),
    ), form_status(form, conflict)


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    user = services.get_user_or_404(user_id)
    saved = save_action(lambda: services.deactivate_user(user, current_user))
    if saved.ok:
        flash(
            _("%(email)s was deactivated and signed out everywhere.", email=user.email), "success"
        )
    else:
        flash(saved.refused, "error")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.post("/users/<int:user_id>/reactivate")
def user_reactivate(user_id: int):
    user = services.get_user_or_404(user_id)
    services.reactivate_user(user)
    db.session.commit()
    flash(_("%(email)s was reactivated.", email=user.email), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def user_password_reset(user_id: int):
    user = services.get_user_or_404(user_id)
    form = PasswordResetForm()
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.reset_password(user, data["password"]))
        if saved.ok:
            flash(
                _(
                    "The password of %(email)s was reset; their sessions were ended.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template("accounts/password_reset.html", form=form, user=user), form_status(form)


@bp.post("/users/<int:user_id>/sessions/end")
def user_sessions_end(user_id: int):
    user = services.get_user_or_404(user_id)
    count = services.end_all_sessions(user)
    audit.record_event("sessions_ended", user, count=count)
    db.session.commit()
    flash(_("%(n)d sessions of %(email)s were ended.", n=count, email=user.email), "success")
    return redirect(url_for("accounts.user_edit", user_id=user.id))


def _audit_filters() -> dict:
    return {
        "entity": arg_str("entity"),
        "entity_id": arg_int("entity_id"),
        "actor": arg_str("actor"),
        "action": arg_str("action"),
    }


def _audit_query(entity: str, entity_id: int | None, actor: str, action: str):  # noqa: ANN202
    stmt = select(audit.AuditEntry).order_by(audit.AuditEntry.id.desc())
    if entity:
        stmt = stmt.where(audit.AuditEntry.entity_type == entity)
    if entity_id:
        stmt = stmt.where(audit.AuditEntry.entity_id == entity_id)
    if actor:
        stmt = stmt.where(func.lower(audit.AuditEntry.actor).like(f"%{actor.lower()}%"))
    if action:
        stmt = stmt.where(audit.AuditEntry.action == action)
    return stmt


@bp.get("/audit")
def audit_list():
    # Kept rendered until the next write (every write adds entries).
    return render_kept("accounts/audit_list.html", "accounts/_audit_list_body.html", _audit_context)


def _audit_context() -> dict:
    filters = _audit_filters()
    return {
        "page": paginate(_audit_query(**filters)),
        "entity_types": audit.entity_types(),
        **filters,
    }


@bp.get("/audit/export.<fmt>")
def audit_export(fmt: str):
    entries = db.session.scalars(_audit_query(**_audit_filters()).limit(100_000))
    return send_table(exports.audit_table(entries), "audit-log", fmt)


@bp.get("/users/export.<fmt>")
def user_export(fmt: str):
    users = db.session.scalars(
        services.user_query(services.UserFilters(q=arg_str("q"), role=arg_str("role")))
    )
    return send_table(exports.users_table(users), "accounts", fmt)


__all__ = ["bp", "User", "UserSession"]


# ---- onboarding imports (organisations and people: NGO editors; accounts: administrators) ------


def _import_kinds() -> list[tuple[str, str]]:
    return [
        (key, str(kind.title))
        for key, kind in imports.IMPORT_KINDS.items()
        if can_import(current_user, key)
    ]


def _import_kind_or_403(key: str) -> imports.ImportKind:
    kind = imports.IMPORT_KINDS.get(key)
    if kind is None:
        abort(404)
    if not can_import(current_user, key):
        abort(403)
    return kind


def _run_onboarding(kind: imports.ImportKind, filename: str, data: bytes):  # noqa: ANN202
    """Run the import in the current transaction; the caller commits or rolls back. Returns
    the outcome, and what makes the file unreadable at all (its rows are never looked at)."""
    outcome = kind.run(filename, data, current_user._get_current_object())
    unreadable = " ".join(message for line, message in outcome.errors if not line)
    return (None, unreadable) if unreadable else (outcome, None)


@bp.route("/imports", methods=["GET", "POST"])
def import_start():
    form = OnboardingImportForm(kinds=_import_kinds())
    if request.method == "POST" and request.form.get("kind") in imports.IMPORT_KINDS:
        _import_kind_or_403(request.form["kind"])
    if request.method == "GET" and request.args.get("kind"):
        form.kind.data = request.args["kind"]
    outcome = confirm = None
    if form.validate_on_submit():
        kind = _import_kind_or_403(form.kind.data)
        upload = form.file.data
        data = upload.read()
        outcome, unreadable = _run_onboarding(kind, upload.filename or "", data)
        if unreadable:
            attach_field_error(form, FieldError("file", unreadable))
        # The preview writes nothing: it ran the import to see what it would do.
        db.session.rollback()
        if outcome is not None and outcome.ok:
            confirm = OnboardingConfirmForm(
                kind=kind.key,
                token=imports.stage_upload(current_user, upload.filename or "", data),
                fingerprint=outcome.fingerprint(),
            )
    failed = bool(form.errors or (outcome is not None and not outcome.ok))
    return render_template(
        "accounts/import_form.html", form=form, outcome=outcome, confirm=confirm,
        kinds=imports.IMPORT_KINDS,
    ), (422 if failed else 200)  # fmt: skip


@bp.post("/imports/confirm")
def import_confirm():
    form = OnboardingConfirmForm()
    form.validate_on_submit()
    kind = _import_kind_or_403(form.kind.data or "organisations")
    staged = imports.staged_upload(current_user, form.token.data or "")
    if staged is None or not form.validate():
        flash(_("That upload has expired or was already imported; upload the file again."), "error")
        return redirect(url_for("accounts.import_start", kind=kind.key))
    filename, data = staged
    upload_form = OnboardingImportForm(kinds=_import_kinds(), kind=kind.key)
    outcome, unreadable = _run_onboarding(kind, filename, data)
    if unreadable:
        db.session.rollback()
        imports.discard_upload(current_user, form.token.data)
        abort(400)
    if outcome.ok and outcome.fingerprint() == form.fingerprint.data:
        audit.record_event(
            "import", label=kind.key, created=outcome.count("create"),
            updated=outcome.count("update"), unchanged=outcome.count("unchanged"),
        )  # fmt: skip
        db.session.commit()
        imports.discard_upload(current_user, form.token.data)
        flash(
            _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
              created=format_decimal(outcome.count("create")),
              updated=format_decimal(outcome.count("update")),
              unchanged=format_decimal(outcome.count("unchanged"))),
            "success",
        )  # fmt: skip
        return redirect(url_for(IMPORT_DESTINATIONS[kind.key]))
    db.session.rollback()
    confirm = None
    if outcome.ok:
        # Someone changed the same records since the preview: show what it would do now.
        flash(_("The records changed since the preview; check what the import would do now."),
              "error")  # fmt: skip
        confirm = OnboardingConfirmForm(
            kind=kind.key, token=form.token.data, fingerprint=outcome.fingerprint()
        )
    else:
        imports.discard_upload(current_user, form.token.data)
    return render_template(
        "accounts/import_form.html", form=upload_form, outcome=outcome, confirm=confirm,
        kinds=imports.IMPORT_KINDS,
    ), 409 if outcome.ok else 422  # fmt: skip


IMPORT_DESTINATIONS = {
    "organisations": "organisations.organisation_list",
    "people": "organisations.person_list",
    "users": "accounts.user_list",
}


@bp.get("/imports/template/<kind>.<fmt>")
def import_template(kind: str, fmt: str):
    tables = _import_kind_or_403(kind).template()
    filename = f"{kind}-import-template"
    if fmt == "xlsx":
        response = Response(write_xlsx(tables), mimetype=XLSX_MIMETYPE)
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return send_table(tables[0], filename, fmt)
