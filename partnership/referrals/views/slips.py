"""Referral slips: list, export, issue one, import many."""

from __future__ import annotations

from datetime import date

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from partnership.caching import cached, render_kept, viewer_key
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error, form_status, save_form
from partnership.jobs.exports import ExportSource, ListExport, list_export, register_export
from partnership.organisations.services import place_choices, station_choices
from partnership.pagination import arg_date, arg_int, arg_str, paginate
from partnership.permissions import can_see_client_codes
from partnership.referrals import exports, imports
from partnership.referrals.forms import (
    ImportForm,
    SlipForm,
)
from partnership.referrals.models import (
    Route,
)
from partnership.referrals.services import schemes as scheme_services
from partnership.referrals.services import slips as slip_services
from partnership.referrals.views import bp
from partnership.spreadsheets import send_table, streamed_rows

# ---- slips -------------------------------------------------------------------------------------


def _slip_filters() -> slip_services.SlipFilters:
    return slip_services.SlipFilters(
        scheme_id=arg_int("scheme"),
        station_id=arg_int("station"),
        route=arg_str("route"),
        number=arg_str("number"),
        state=arg_str("state"),
        country=arg_str("country"),
        command_id=arg_int("command"),
        issued_from=arg_date("from"),
        issued_to=arg_date("to"),
    )


@bp.get("/slips")
def slip_list():
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "referrals/slip_list.html", "referrals/_slip_list_body.html", _slip_list_context
    )


def _slip_list_context() -> dict:
    filters = _slip_filters()
    page = paginate(
        slip_services.slip_page_query(current_user, filters),
        count=slip_services.slip_state_count(current_user, filters),
    )
    page.items = slip_services.slip_list_rows(current_user, page.items)
    return {
        "page": page,
        "filters": filters,
        "routes": list(Route),
        "route_labels": {route: route.label for route in Route},
        "show_redemptions": can_see_client_codes(current_user),
        **_slip_filter_choices(),
    }


def _slip_filter_choices() -> dict:
    """The choices of the slips list's filters (schemes, stations, commands, countries) as
    (id, name) pairs, kept until a write changes the schemes or organisations: a new slip
    renders the list again without reading 300 stations and every command again."""

    def compute() -> dict:
        places = place_choices(current_user, arg_str("country"))
        return {
            "schemes": [(s.id, s.name) for s in scheme_services.scheme_choices(current_user)],
            "stations": [(s.id, s.name) for s in station_choices(current_user)],
            "commands": [(c.id, c.name) for c in places["commands"]],
            "countries": places["countries"],
        }

    return cached("slip-list-choices", compute, viewer_key(current_user), arg_str("country"))


def _slips_export(user) -> ExportSource:  # noqa: ANN001
    query = slip_services.slip_rows_query(user, _slip_filters())
    with_redemptions = can_see_client_codes(user)
    return ExportSource(
        query, lambda: exports.slips_table(streamed_rows(query), with_redemptions=with_redemptions)
    )


register_export(
    ListExport("slips", "slips", "referrals.slip_list", _l("Referral slips"), _slips_export)
)


@bp.get("/slips/export.<fmt>")
def slip_export(fmt: str):
    return list_export("slips", fmt)


@bp.route("/slips/new", methods=["GET", "POST"])
def slip_create():
    if request.method == "GET":
        # The empty form's fields are kept rendered until a write changes the schemes or
        # stations it offers (partnership.caching), per viewer, address (the scheme chosen)
        # and day (the date issued defaults to today).
        return render_kept(
            "referrals/slip_form.html", "referrals/_slip_form_fields.html", _empty_slip_form
        )
    schemes, stations = _slip_form_choices()
    form = SlipForm(schemes=schemes, stations=stations)
    if form.validate_on_submit():

        def issue(data: dict):  # noqa: ANN202
            if not data.get("officer_id") and (data.get("officer_name") or "").strip():
                data["officer_id"] = slip_services.officer_named(current_user, data["officer_name"])
            return slip_services.issue_slip(data, current_user)

        # A refused officer is shown next to the name the user typed.
        saved = save_form(form, issue, shown_at={"officer_id": "officer_name"})
        if saved.ok:
            slip = saved.record
            flash(_("Slip %(number)s was recorded.", number=slip.number), "success")
            if request.form.get("another"):
                return redirect(url_for("referrals.slip_create", scheme=slip.scheme_id))
            return redirect(url_for("referrals.slip_list"))
    fields = render_template("referrals/_slip_form_fields.html", form=form, no_schemes=not schemes)
    # Our own template's output, escaped when it was rendered.
    body = Markup(fields)  # noqa: S704
    return render_template("referrals/slip_form.html", body=body), form_status(form)


def _slip_form_choices() -> tuple[list, list]:
    """The running schemes and the stations the user may issue slips for, as (id, name)
    pairs: every station of a programme for a coordinator. Kept until a write changes the
    schemes or the organisations."""
    return cached(
        "slip-form-choices",
        lambda: (
            [(s.id, s.name) for s in scheme_services.schemes_for_issue(current_user)],
            [(s.id, s.name) for s in slip_services.issuing_stations(current_user)],
        ),
        viewer_key(current_user),
    )


def _empty_slip_form() -> dict:
    schemes, stations = _slip_form_choices()
    form = SlipForm(schemes=schemes, stations=stations, formdata=None)
    form.issued_on.data = date.today()
    form.scheme_id.data = arg_int("scheme") or (schemes[0][0] if len(schemes) == 1 else None)
    form.station_id.data = stations[0][0] if len(stations) == 1 else None
    return {"form": form, "no_schemes": not schemes}


@bp.get("/officers.json")
def officer_search():
    """Suggestions for the issuing officer field: officers of the user's stations by name."""
    officers = slip_services.search_officers(
        current_user, arg_str("q"), station_id=arg_int("station")
    )
    return jsonify(
        [
            {
                "id": p.id,
                "label": f"{p.rank} {p.name}".strip(),
                "station": p.organisation.name if p.organisation else "",
            }
            for p in officers
        ]
    )


def import_page(kind: str):  # noqa: ANN202
    """The slip book and redemption register imports: one form, one runner, all rows or none."""
    schemes = db.session.scalars(scheme_services.scheme_query(current_user)).all()
    form = ImportForm(schemes=schemes)
    report = None
    if request.method == "GET":
        form.scheme_id.data = arg_int("scheme")
    if form.validate_on_submit():
        scheme = scheme_services.get_scheme_or_404(form.scheme_id.data, current_user)
        upload = form.file.data
        run = imports.import_slips if kind == "slips" else imports.import_redemptions
        if upload and getattr(upload, "filename", ""):
            filename, data = upload.filename, upload.read()
        elif (form.pasted.data or "").strip():
            filename, data = "pasted.csv", form.pasted.data.encode("utf-8")
        else:
            filename = data = None
            form.file.errors = [*form.file.errors, _("Choose a file or paste rows.")]
        if data is not None:
            try:
                report = run(scheme.id, filename, data, current_user._get_current_object())
            except FieldError as error:  # the scheme takes no slips now (not started, ended)
                attach_field_error(form, error)
        if report is not None and report.ok:
            db.session.commit()
            flash(
                _("%(n)s rows were imported.", n=format_decimal(report.rows))
                if kind == "slips"
                else _("%(n)s redemptions were imported.", n=format_decimal(report.rows)),
                "success",
            )
            target = "referrals.slip_list" if kind == "slips" else "referrals.redemption_list"
            return redirect(url_for(target, scheme=scheme.id))
        db.session.rollback()
        if report is not None:
            # What is wrong with the file as a whole (unreadable, too large) is said by the field.
            form.file.errors = [*form.file.errors, *(m for line, m in report.errors if not line)]
            report.errors = [(line, m) for line, m in report.errors if line]
    failed = bool(form.errors or (report is not None and not report.ok))
    return render_template("referrals/import_form.html", form=form, kind=kind, result=report), (
        422 if failed else 200
    )


@bp.route("/slips/import", methods=["GET", "POST"])
def slip_import():
    return import_page("slips")


@bp.get("/slips/import-template.<fmt>")
def slip_import_template(fmt: str):
    return send_table(imports.slip_template(), "slip-import-template", fmt)
