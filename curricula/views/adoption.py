"""Adoption of modules by police training centres and academies."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from curricula.forms import AdoptionForm, AdoptionStepForm
from curricula.models import ADOPTION_ORDER, AdoptionStatus
from curricula.services import adoption as services
from curricula.services.modules import module_codes
from curricula.views import bp
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error
from partnership.lifecycle import TransitionError
from partnership.pagination import arg_int


@bp.get("/adoption")
def adoption_list():
    centres, codes, cells = services.adoption_matrix()
    return render_template(
        "curricula/adoption_list.html",
        centres=centres,
        codes=codes,
        cells=cells,
        statuses=ADOPTION_ORDER,
    )


@bp.route("/adoption/new", methods=["GET", "POST"])
def adoption_create():
    form = AdoptionForm(centres=services.training_centres(), codes=module_codes())
    if request.method == "GET":
        form.on.data = date.today()
        form.centre_id.data = arg_int("centre")
        form.module_code.data = request.args.get("module")
    if form.validate_on_submit():
        try:
            adoption = services.propose_adoption(
                form.centre_id.data, form.module_code.data, form.on.data, form.evidence.data or ""
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("The proposal was recorded."), "success")
            return redirect(url_for("curricula.adoption_advance", adoption_id=adoption.id))
    return render_template("curricula/adoption_form.html", form=form), (422 if form.errors else 200)


@bp.route("/adoption/<int:adoption_id>", methods=["GET", "POST"])
def adoption_advance(adoption_id: int):
    adoption = services.get_adoption_or_404(adoption_id)
    form = AdoptionStepForm()
    if request.method == "GET":
        form.on.data = date.today()
        following = [s for s in ADOPTION_ORDER if s.rank > adoption.status.rank]
        if following:
            form.status.data = following[0].value
    if form.validate_on_submit():
        try:
            services.advance_adoption(
                adoption,
                AdoptionStatus(form.status.data),
                form.on.data,
                form.evidence.data,
                current_user,
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            db.session.refresh(adoption)
            attach_field_error(form, error)
        except TransitionError as error:
            db.session.rollback()
            db.session.refresh(adoption)
            attach_field_error(form, FieldError("status", error.message))
        else:
            flash(_("The adoption is now “%(s)s”.", s=adoption.status.label), "success")
            return redirect(url_for("curricula.adoption_list"))
    return render_template(
        "curricula/adoption_detail.html",
        adoption=adoption,
        steps=services.adoption_steps(adoption),
        form=form,
        final=adoption.status is AdoptionStatus.INSTITUTIONALISED,
    ), (422 if form.errors else 200)
