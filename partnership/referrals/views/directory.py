"""The service directory: list, export, create, edit, mark checked."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership.caching import render_kept
from partnership.extensions import db
from partnership.forms import form_status, save_form
from partnership.pagination import arg_bool, arg_int, arg_str, paginate
from partnership.referrals import exports
from partnership.referrals.forms import (
    ServicePointForm,
)
from partnership.referrals.models import (
    ServicePointStatus,
    ServiceType,
)
from partnership.referrals.services import directory as directory_services
from partnership.referrals.views import bp
from partnership.spreadsheets import send_table

# ---- service directory -------------------------------------------------------------------------


def _service_point_filters() -> directory_services.ServicePointFilters:
    return directory_services.ServicePointFilters(
        q=arg_str("q"),
        service=arg_str("service"),
        status=arg_str("status"),
        stale=arg_bool("stale"),
    )


@bp.get("/service-points")
def service_point_list():
    # Kept rendered until a write changes what it was read from (partnership.caching), and for
    # the day at most (an entry goes stale with time).
    return render_kept(
        "referrals/service_point_list.html",
        "referrals/_service_point_list_body.html",
        _service_point_list_context,
    )


def _service_point_list_context() -> dict:
    filters = _service_point_filters()
    return {
        "page": paginate(directory_services.service_point_query(filters)),
        "filters": filters,
        "service_types": list(ServiceType),
        "statuses": list(ServicePointStatus),
        "is_stale": directory_services.is_stale,
    }


@bp.get("/service-points/export.<fmt>")
def service_point_export(fmt: str):
    points = db.session.scalars(directory_services.service_point_query(_service_point_filters()))
    return send_table(
        exports.service_points_table(points, directory_services.is_stale), "service-points", fmt
    )


def _service_point_form(**kwargs) -> ServicePointForm:  # noqa: ANN003
    return ServicePointForm(providers=directory_services.service_providers(), **kwargs)


@bp.route("/service-points/new", methods=["GET", "POST"])
def service_point_create():
    form = _service_point_form()
    if request.method == "GET":
        form.last_checked.data = date.today()
        form.organisation_id.data = arg_int("organisation")
    if form.validate_on_submit():
        saved = save_form(form, directory_services.create_service_point)
        if saved.ok:
            point = saved.record
            flash(_("%(name)s was added to the directory.", name=point.name), "success")
            return redirect(url_for("referrals.service_point_list"))
    return render_template(
        "referrals/service_point_form.html", form=form, point=None, conflict=None
    ), form_status(form)


@bp.route("/service-points/<int:point_id>/edit", methods=["GET", "POST"])
def service_point_edit(point_id: int):
    point = directory_services.get_service_point_or_404(point_id, current_user, for_edit=True)
    form = _service_point_form(obj=point)
    if request.method == "GET":
        form.version.data = point.version
        form.services.data = [s.value for s in point.service_types]
        form.status.data = point.status.value
    conflict = None
    if form.validate_on_submit():
        saved = save_form(
            form, lambda data: directory_services.update_service_point(point, data), point
        )
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes to %(name)s were saved.", name=point.name), "success")
            return redirect(url_for("referrals.service_point_list"))
    return render_template(
        "referrals/service_point_form.html", form=form, point=point, conflict=conflict
    ), form_status(form, conflict)


@bp.post("/service-points/<int:point_id>/checked")
def service_point_checked(point_id: int):
    point = directory_services.get_service_point_or_404(point_id, current_user, for_edit=True)
    directory_services.mark_service_point_checked(point)
    db.session.commit()
    flash(_("%(name)s was marked as checked today.", name=point.name), "success")
    return redirect(url_for("referrals.service_point_list"))
