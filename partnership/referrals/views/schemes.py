"""Referral schemes: list, page with measures, create, edit, status."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from partnership import disclosure
from partnership.caching import cached_html, page_key, render_kept
from partnership.forms import form_status, save_action, save_form
from partnership.pagination import arg_str, paginate
from partnership.permissions import station_scope
from partnership.referrals import exports, measures
from partnership.referrals.codes import CLIENT_CODE_RULES
from partnership.referrals.forms import (
    SchemeForm,
    SchemeStatusForm,
)
from partnership.referrals.models import (
    SchemeStatus,
)
from partnership.referrals.services import schemes as scheme_services
from partnership.referrals.views import bp
from partnership.spreadsheets import send_table

# ---- schemes -----------------------------------------------------------------------------------


@bp.get("/")
def scheme_list():
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "referrals/scheme_list.html", "referrals/_scheme_list_body.html", _scheme_list_context
    )


def _scheme_list_context() -> dict:
    filters = scheme_services.SchemeFilters(q=arg_str("q"), status=arg_str("status"))
    page = paginate(scheme_services.scheme_query(current_user, filters))
    return {"page": page, "filters": filters, "statuses": list(SchemeStatus)}


def _measures_context(scheme, **kwargs) -> dict:  # noqa: ANN001, ANN003
    m = measures.cached_scheme_measures(scheme, current_user, **kwargs)
    return {
        "m": m,
        "suppress": disclosure.applies_to(current_user),
        "chart": measures.month_chart(m.by_month),
        "rate": measures.rate_text,
        "median": measures.median_text,
    }


@bp.get("/schemes/<int:scheme_id>")
def scheme_detail(scheme_id: int):
    scheme = scheme_services.get_scheme_or_404(scheme_id, current_user)
    status_form = SchemeStatusForm(formdata=None)
    status_form.status.choices = [
        (s.value, s.label)
        for s in SchemeStatus
        if s in scheme_services.SCHEME_TRANSITIONS[scheme.status]
    ]
    return render_template(
        "referrals/scheme_detail.html",
        scheme=scheme,
        status_form=status_form,
        code_rule=CLIENT_CODE_RULES.get(scheme.client_code_rule),
        # Over all of the scheme's history: kept rendered until a write changes what the
        # measures were read from (partnership.caching).
        measures_html=cached_html(
            "scheme-measures",
            lambda: render_template(
                "referrals/_scheme_measures.html",
                scheme=scheme,
                scoped=station_scope(current_user) is not None,
                **_measures_context(scheme),
            ),
            page_key(current_user),
            scheme.id,
        ),
    )


@bp.get("/schemes/<int:scheme_id>/measures.<fmt>")
def scheme_measures_export(scheme_id: int, fmt: str):
    scheme = scheme_services.get_scheme_or_404(scheme_id, current_user)
    m = measures.cached_scheme_measures(scheme, current_user)
    return send_table(exports.measures_table(m), f"scheme-{scheme.id}-measures", fmt)


def _scheme_form(**kwargs) -> SchemeForm:  # noqa: ANN003
    return SchemeForm(partners=scheme_services.partner_choices(), **kwargs)


@bp.route("/schemes/new", methods=["GET", "POST"])
def scheme_create():
    form = _scheme_form()
    if request.method == "GET":
        form.slip_number_format.data = "#####"
        form.client_code_rule.data = "mother2-own2-year-sex"
    if form.validate_on_submit():
        saved = save_form(form, scheme_services.create_scheme)
        if saved.ok:
            scheme = saved.record
            flash(_("%(name)s was created.", name=scheme.name), "success")
            return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
    return render_template(
        "referrals/scheme_form.html", form=form, scheme=None, conflict=None
    ), form_status(form)


@bp.route("/schemes/<int:scheme_id>/edit", methods=["GET", "POST"])
def scheme_edit(scheme_id: int):
    scheme = scheme_services.get_scheme_or_404(scheme_id, current_user, for_edit=True)
    form = _scheme_form(obj=scheme)
    if request.method == "GET":
        form.version.data = scheme.version
        form.police_partner_ids.data = [o.id for o in scheme.police_partners]
        form.service_partner_ids.data = [o.id for o in scheme.service_partners]
        form.services.data = [s.value for s in scheme.service_types]
    conflict = None
    if form.validate_on_submit():
        saved = save_form(form, lambda data: scheme_services.update_scheme(scheme, data), scheme)
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes to %(name)s were saved.", name=scheme.name), "success")
            return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
    return render_template(
        "referrals/scheme_form.html", form=form, scheme=scheme, conflict=conflict
    ), form_status(form, conflict)


@bp.post("/schemes/<int:scheme_id>/status")
def scheme_status(scheme_id: int):
    scheme = scheme_services.get_scheme_or_404(scheme_id, current_user, for_edit=True)
    form = SchemeStatusForm()
    if not form.validate_on_submit():
        flash(_("Choose the new status."), "error")
        return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
    saved = save_action(
        lambda: scheme_services.change_scheme_status(
            scheme, SchemeStatus(form.status.data), current_user, reason=form.reason.data or ""
        ),
        scheme,
        form.loaded_version(),
    )
    if saved.refused:
        flash(saved.refused, "error")
    elif saved.conflict is not None:
        flash(_("Someone else changed this scheme meanwhile; check and try again."), "error")
    else:
        flash(_("The scheme is now %(status)s.", status=scheme.status.label.lower()), "success")
    return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
