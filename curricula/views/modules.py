"""Modules: catalogue, versions, materials and question bank."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curricula import exports
from curricula.forms import MaterialForm, ModuleForm, QuestionForm
from curricula.models import AUDIENCE_LABELS
from curricula.services import modules as services
from curricula.views import bp
from partnership.caching import cached, render_kept
from partnership.extensions import db
from partnership.forms import form_status, save_form
from partnership.pagination import arg_bool, arg_str, paginate
from partnership.spreadsheets import send_table


def _filters() -> services.ModuleFilters:
    return services.ModuleFilters(
        q=arg_str("q"), audience=arg_str("audience"), all_versions=arg_bool("all")
    )


@bp.get("/modules")
def module_list():
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "curricula/module_list.html", "curricula/_module_list_body.html", _module_list_context
    )


def _module_list_context() -> dict:
    filters = _filters()
    page = paginate(services.module_query(filters))
    return {"page": page, "filters": filters, "audiences": AUDIENCE_LABELS}


@bp.get("/modules/export.<fmt>")
def module_export(fmt: str):
    modules = db.session.scalars(services.module_query(_filters()))
    return send_table(exports.modules_table(modules), "modules", fmt)


@bp.get("/modules/<int:module_id>")
def module_detail(module_id: int):
    # Its title (404 for no such module), then its content: both kept until a write changes
    # what they were read from (partnership.caching). The buttons that post belong to forms
    # rendered afresh around the kept content.
    title = cached("module-title", lambda: services.module_title_or_404(module_id), module_id)
    return render_kept(
        "curricula/module_detail.html",
        "curricula/_module_detail_body.html",
        lambda: _module_context(module_id),
        title=title,
        **MODULE_FORMS,
    )


# The buttons of the kept module page post through these forms of the page, by their ids:
# one for creating a version, one that asks before deleting a material.
MODULE_FORMS = {"post_form": "module-post-form", "delete_form": "module-delete-form"}


def _module_context(module_id: int) -> dict:
    module = services.get_module_or_404(module_id, current_user)
    return {
        "module": module,
        "versions": services.versions_of(module.code),
        "in_use": services.module_in_use(module),
        **MODULE_FORMS,
    }


@bp.route("/modules/new", methods=["GET", "POST"])
def module_create():
    form = ModuleForm()
    if request.method == "GET":
        form.max_score.data = 20
        form.duration_hours.data = 2
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.create_module(_hours(data), current_user))
        if saved.ok:
            module = saved.record
            flash(_("Module %(label)s was created.", label=module.audit_label), "success")
            return redirect(url_for("curricula.module_detail", module_id=module.id))
    return render_template("curricula/module_form.html", form=form, module=None), form_status(form)


def _hours(data: dict) -> dict:
    """The form's duration (a Decimal) as the model stores it."""
    return {**data, "duration_hours": float(data["duration_hours"])}


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
def module_edit(module_id: int):
    module = services.get_module_or_404(module_id, current_user, for_edit=True)
    form = ModuleForm(obj=module)
    if request.method == "GET":
        form.audience.data = module.audience.value
        form.version.data = module.version
    else:
        form.code.data = module.code  # the code of an existing module never changes
    conflict = None
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.update_module(module, _hours(data)), module)
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes to %(label)s were saved.", label=module.audit_label), "success")
            return redirect(url_for("curricula.module_detail", module_id=module.id))
    return render_template(
        "curricula/module_form.html", form=form, module=module, conflict=conflict
    ), form_status(form, conflict)


@bp.post("/modules/<int:module_id>/versions")
def module_version_create(module_id: int):
    module = services.get_module_or_404(module_id, current_user, for_edit=True)
    copy = services.create_new_version(module, current_user)
    db.session.commit()
    flash(
        _(
            "Version %(n)s was created; earlier trainings keep their version.",
            n=copy.version_number,
        ),
        "success",
    )
    return redirect(url_for("curricula.module_edit", module_id=copy.id))


@bp.route("/modules/<int:module_id>/materials/new", methods=["GET", "POST"])
def material_upload(module_id: int):
    module = services.get_module_or_404(module_id, current_user, for_edit=True)
    form = MaterialForm()
    if form.validate_on_submit():
        saved = save_form(
            form, lambda data: services.add_material(module, data["file"], current_user)
        )
        if saved.ok:
            material = saved.record
            flash(_("%(name)s was uploaded.", name=material.filename), "success")
            return redirect(url_for("curricula.module_detail", module_id=module.id))
    return render_template("curricula/material_form.html", module=module, form=form), form_status(
        form
    )


@bp.get("/modules/<int:module_id>/materials/<int:material_id>")
def material_download(module_id: int, material_id: int):
    module = services.get_module_or_404(module_id, current_user)
    material = services.get_material_or_404(module, material_id)
    return send_file(
        services.material_path(material),
        mimetype=material.content_type,
        as_attachment=True,
        download_name=material.filename,
    )


@bp.post("/modules/<int:module_id>/materials/<int:material_id>/delete")
def material_delete(module_id: int, material_id: int):
    module = services.get_module_or_404(module_id, current_user, for_edit=True)
    material = services.get_material_or_404(module, material_id)
    name = material.filename
    services.delete_material(material)
    db.session.commit()
    flash(_("%(name)s was deleted.", name=name), "success")
    return redirect(url_for("curricula.module_detail", module_id=module.id))


@bp.route("/modules/<int:module_id>/questions/new", methods=["GET", "POST"])
def question_create(module_id: int):
    module = services.get_module_or_404(module_id, current_user, for_edit=True)
    form = QuestionForm()
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.add_question(module, data))
        if saved.ok:
            flash(_("The question was added."), "success")
            return redirect(url_for("curricula.module_detail", module_id=module.id))
    return render_template("curricula/question_form.html", form=form, module=module), (
        422 if form.errors else 200
    )
