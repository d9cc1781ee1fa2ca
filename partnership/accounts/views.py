"""Administration of accounts and the audit log (administrators only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from partnership import audit
from partnership.accounts import exports, services
from partnership.accounts.forms import NewUserForm, PasswordResetForm, UserForm
from partnership.accounts.models import User, UserSession
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error
from partnership.organisations.models import Organisation
from partnership.pagination import arg_int, arg_str, paginate
from partnership.roles import ROLE_LABELS
from partnership.spreadsheets import send_table

bp = Blueprint("accounts", __name__, url_prefix="/admin")


def _organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
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
