"""Administration of accounts and the audit log (administrators only)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

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
from partnership.collation import by_name
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error
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
    filters = services.UserFilters(q=arg_str("q"), role=arg_str("role"))
    page = paginate(services.user_query(filters))
    return render_template("accounts/user_list.html", page=page, filters=filters, roles=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
def user_create():
    form = NewUserForm(organisations=_organisations())
    if form.validate_on_submit():
        try:
            user = services.create_user(form.data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("The account %(email)s was created.", email=user.email), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template("accounts/user_form.html", form=form, user=None), (
        422 if form.errors else 200
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
def user_edit(user_id: int):
    user = services.get_user_or_404(user_id)
    form = UserForm(obj=user, organisations=_organisations())
    if request.method == "GET":
        form.role.data = str(user.role)
        form.version.data = user.version
    conflict = None
    if form.validate_on_submit():
        try:
            audit.check_version(user, form.loaded_version())
            services.update_user(user, form.data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, user)
        else:
            flash(_("The account %(email)s was saved.", email=user.email), "success")
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template(
        "accounts/user_form.html",
        form=form,
        user=user,
        conflict=conflict,
        sessions=services.active_session_count(user),
        reset_form=PasswordResetForm(),
    ), (409 if conflict is not None else 422 if form.errors else 200)


@bp.post("/users/<int:user_id>/deactivate")
def user_deactivate(user_id: int):
    user = services.get_user_or_404(user_id)
    try:
        services.deactivate_user(user, current_user)
        db.session.commit()
        flash(
            _("%(email)s was deactivated and signed out everywhere.", email=user.email), "success"
        )
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
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
        try:
            services.reset_password(user, form.password.data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(
                _(
                    "The password of %(email)s was reset; their sessions were ended.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for("accounts.user_edit", user_id=user.id))
    return render_template("accounts/password_reset.html", form=form, user=user), (
        422 if form.errors else 200
    )


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
    filters = _audit_filters()
    entity_types = db.session.scalars(
        select(audit.AuditEntry.entity_type).distinct().order_by(audit.AuditEntry.entity_type)
    ).all()
    return render_template(
        "accounts/audit_list.html",
        page=paginate(_audit_query(**filters)),
        entity_types=[e for e in entity_types if e],
        **filters,
    )


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
    """Run the import in the current transaction; the caller commits or rolls back. Raises
    FieldError for a file that cannot be read at all (its rows are never looked at)."""
    outcome = kind.run(filename, data, current_user._get_current_object())
    unreadable = [message for line, message in outcome.errors if not line]
    if unreadable:
        raise FieldError("file", " ".join(unreadable))
    return outcome


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
        try:
            outcome = _run_onboarding(kind, upload.filename or "", data)
        except FieldError as error:
            attach_field_error(form, error)
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
    try:
        outcome = _run_onboarding(kind, filename, data)
    except FieldError:
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
