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
from partnership.caching import render_kept
from partnership.forms import form_status, save_form
from partnership.pagination import arg_int


@bp.get("/adoption")
def adoption_list():
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "curricula/adoption_list.html", "curricula/_adoption_list_body.html", _adoption_context
    )


def _adoption_context() -> dict:
    centres, codes, cells = services.adoption_matrix()
    return {"centres": centres, "codes": codes, "cells": cells, "statuses": ADOPTION_ORDER}


@bp.route("/adoption/new", methods=["GET", "POST"])
def adoption_create():
    form = AdoptionForm(centres=services.training_centres(), codes=module_codes())
    if request.method == "GET":
        form.on.data = date.today()
        form.centre_id.data = arg_int("centre")
        form.module_code.data = request.args.get("module")
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: services.propose_adoption(
                data["centre_id"], data["module_code"], data["on"], data["evidence"] or ""
            ),
        )
        if saved.ok:
            adoption = saved.record
            flash(_("The proposal was recorded."), "success")
            return redirect(url_for("curricula.adoption_advance", adoption_id=adoption.id))
    return render_template("curricula/adoption_form.html", form=form), form_status(form)


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
        saved = save_form(
            form,
            lambda data: services.advance_adoption(
                adoption, AdoptionStatus(data["status"]), data["on"], data["evidence"], current_user
            ),
        )
        if saved.refused:
            form.status.errors = [*form.status.errors, saved.refused]
        if saved.ok:
            flash(_("The adoption is now “%(s)s”.", s=adoption.status.label), "success")
            return redirect(url_for("curricula.adoption_list"))
    return render_template(
        "curricula/adoption_detail.html",
        adoption=adoption,
        steps=services.adoption_steps(adoption),
        form=form,
        final=adoption.status is AdoptionStatus.INSTITUTIONALISED,
    ), form_status(form)
