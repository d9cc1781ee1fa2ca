"""Redemptions (NGO editors only): record one, list, export, import many."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from partnership import audit
from partnership.caching import cached_html, page_key
from partnership.extensions import db
from partnership.forms import form_status, save_form
from partnership.jobs.exports import ExportSource, ListExport, list_export, register_export
from partnership.pagination import arg_int, arg_str, form_int, paginate
from partnership.referrals import exports, imports
from partnership.referrals.codes import CLIENT_CODE_RULES
from partnership.referrals.forms import (
    RedemptionForm,
)
from partnership.referrals.models import (
    Outcome,
    SchemeStatus,
    ServiceType,
)
from partnership.referrals.services import directory as directory_services
from partnership.referrals.services import redemptions as redemption_services
from partnership.referrals.services import schemes as scheme_services
from partnership.referrals.services import slips as slip_services
from partnership.referrals.views import bp
from partnership.referrals.views.slips import import_page
from partnership.spreadsheets import send_table, streamed

# ---- redemptions (NGO editors only) ------------------------------------------------------------


@bp.route("/redemptions/new", methods=["GET", "POST"])
def slip_redeem():
    schemes = [
        s
        for s in db.session.scalars(scheme_services.scheme_query(current_user))
        if s.status is not SchemeStatus.PLANNED
    ]
    scheme_id = form_int("scheme_id") or arg_int("scheme")
    if scheme_id is None and len(schemes) == 1:
        scheme_id = schemes[0].id
    chosen = next((s for s in schemes if s.id == scheme_id), None)
    points = directory_services.service_points_for(chosen) if chosen else []
    stations = slip_services.issuing_stations(current_user, chosen) if chosen else []
    form = RedemptionForm(schemes=schemes, stations=stations, points=points)
    if request.method == "GET":
        form.scheme_id.data = scheme_id
        form.slip_number.data = arg_str("slip")
        form.redeemed_on.data = date.today()
    if form.validate_on_submit():
        saved = save_form(
            form, lambda data: redemption_services.record_redemption(data, current_user)
        )
        if saved.ok:
            flash(_("The visit was recorded."), "success")
            return redirect(url_for("referrals.slip_redeem", scheme=scheme_id))
    return render_template(
        "referrals/redemption_form.html",
        form=form,
        scheme=chosen,
        code_rule=CLIENT_CODE_RULES.get(chosen.client_code_rule) if chosen else None,
    ), form_status(form)


def _redemption_filters(code: str = "") -> redemption_services.RedemptionFilters:
    # A client code is never read from the address: addresses end up in access logs, browser
    # history and proxies. It comes only in the body of the search form's POST.
    return redemption_services.RedemptionFilters(
        scheme_id=arg_int("scheme"), service_point_id=arg_int("point"), code=code
    )


@bp.route("/redemptions", methods=["GET", "POST"])
def redemption_list():
    code = (request.form.get("code") or "").strip()[:64] if request.method == "POST" else ""
    filters = _redemption_filters(code)

    def head() -> str:
        return render_template(
            "referrals/_redemption_list_head.html",
            filters=filters,
            schemes=scheme_services.scheme_choices(current_user),
        )

    def table() -> str:
        page = paginate(redemption_services.redemption_page_query(filters))
        page.items = redemption_services.redemption_list_rows(page.items)
        return render_template(
            "referrals/_redemption_list_table.html",
            page=page,
            service_labels={service: service.label for service in ServiceType},
            outcome_labels={outcome: outcome.label for outcome in Outcome},
        )

    if filters.code:
        # One client's visits: found afresh, and never kept (the code is not in the address).
        head_html, table_html = Markup(head()), Markup(table())  # noqa: S704 - our templates
    else:
        # Kept rendered until a write changes what they were read from (partnership.caching);
        # the client code search between them carries this session's CSRF token.
        key = (page_key(current_user), request.full_path)
        head_html = cached_html("redemptions-head", head, *key)
        table_html = cached_html("redemptions-table", table, *key)
    return render_template(
        "referrals/redemption_list.html", head=head_html, table=table_html, filters=filters
    )


@bp.get("/redemptions/export.<fmt>")
def redemption_export(fmt: str):
    audit.record_event_on_read("export", label="redemptions")
    # Read after the audit entry is written: the rows stream from the database while the file
    # is sent, or are written by the queue consumer.
    return list_export("redemptions", fmt)


def _redemptions_export(user) -> ExportSource:  # noqa: ANN001, ARG001 - NGO editors only
    query = redemption_services.redemption_query(_redemption_filters())
    return ExportSource(query, lambda: exports.redemptions_table(streamed(query)))


register_export(
    ListExport("redemptions", "redemptions", "referrals.redemption_list", _l("Redemptions"),
               _redemptions_export)
)  # fmt: skip


@bp.route("/redemptions/import", methods=["GET", "POST"])
def redemption_import():
    return import_page("redemptions")


@bp.get("/redemptions/import-template.<fmt>")
def redemption_import_template(fmt: str):
    return send_table(imports.redemption_template(), "redemption-import-template", fmt)
