"""Referral schemes, the service directory, slips, redemptions and officer feedback."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from partnership import audit
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error
from partnership.pagination import arg_bool, arg_int, arg_str, form_int, paginate
from partnership.permissions import can_see_client_codes, station_scope, suppresses_small_counts
from partnership.referrals import exports, imports, measures, services
from partnership.referrals.codes import CLIENT_CODE_RULES
from partnership.referrals.forms import (
    ImportForm,
    RedemptionForm,
    SchemeForm,
    SchemeStatusForm,
    ServicePointForm,
    SlipForm,
)
from partnership.referrals.models import (
    LABELS,
    Route,
    SchemeStatus,
    ServicePointStatus,
    ServiceType,
)
from partnership.spreadsheets import SpreadsheetError, read_rows, send_table

bp = Blueprint("referrals", __name__, url_prefix="/referrals")


def _form_data(form) -> dict:  # noqa: ANN001
    return {name: f.data for name, f in form._fields.items()}


def _status(form, conflict=None) -> int:  # noqa: ANN001
    return 409 if conflict is not None else (422 if form.errors else 200)


# ---- schemes -----------------------------------------------------------------------------------


@bp.get("/")
def scheme_list():
    filters = services.SchemeFilters(q=arg_str("q"), status=arg_str("status"))
    page = paginate(services.scheme_query(current_user, filters))
    return render_template(
        "referrals/scheme_list.html", page=page, filters=filters, statuses=list(SchemeStatus)
    )


def _measures_context(scheme, **kwargs) -> dict:  # noqa: ANN001, ANN003
    suppress = suppresses_small_counts(current_user)
    m = measures.scheme_measures(scheme, current_user, **kwargs)
    if suppress:
        measures.protect_totals(m)
    return {
        "m": m,
        "suppress": suppress,
        "chart": measures.month_chart(m.by_month, suppress),
        "count": lambda n: measures.count_text(n, suppress),
        "rate": lambda part, whole: measures.rate_text(part, whole, suppress),
        "median": lambda line: measures.median_text(line.median_days, line.redeemed, suppress),
    }


@bp.get("/schemes/<int:scheme_id>")
def scheme_detail(scheme_id: int):
    scheme = services.get_scheme_or_404(scheme_id, current_user)
    status_form = SchemeStatusForm(formdata=None)
    status_form.status.choices = [
        (s.value, s.label) for s in SchemeStatus if s in services.SCHEME_TRANSITIONS[scheme.status]
    ]
    return render_template(
        "referrals/scheme_detail.html",
        scheme=scheme,
        status_form=status_form,
        code_rule=CLIENT_CODE_RULES.get(scheme.client_code_rule),
        scoped=station_scope(current_user) is not None,
        **_measures_context(scheme),
    )


@bp.get("/schemes/<int:scheme_id>/measures.<fmt>")
def scheme_measures_export(scheme_id: int, fmt: str):
    scheme = services.get_scheme_or_404(scheme_id, current_user)
    m = measures.scheme_measures(scheme, current_user)
    suppress = suppresses_small_counts(current_user)
    if suppress:
        measures.protect_totals(m)
    table = exports.measures_table(m, suppress)
    return send_table(table, f"scheme-{scheme.id}-measures", fmt)


def _scheme_form(**kwargs) -> SchemeForm:  # noqa: ANN003
    return SchemeForm(partners=services.partner_choices(), **kwargs)


@bp.route("/schemes/new", methods=["GET", "POST"])
def scheme_create():
    form = _scheme_form()
    if request.method == "GET":
        form.slip_number_format.data = "#####"
        form.client_code_rule.data = "mother2-own2-year-sex"
    if form.validate_on_submit():
        try:
            scheme = services.create_scheme(_form_data(form))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("%(name)s was created.", name=scheme.name), "success")
            return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
    return render_template(
        "referrals/scheme_form.html", form=form, scheme=None, conflict=None
    ), _status(form)


@bp.route("/schemes/<int:scheme_id>/edit", methods=["GET", "POST"])
def scheme_edit(scheme_id: int):
    scheme = services.get_scheme_or_404(scheme_id, current_user, for_edit=True)
    form = _scheme_form(obj=scheme)
    if request.method == "GET":
        form.version.data = scheme.version
        form.police_partner_ids.data = [o.id for o in scheme.police_partners]
        form.service_partner_ids.data = [o.id for o in scheme.service_partners]
        form.services.data = [s.value for s in scheme.service_types]
    conflict = None
    if form.validate_on_submit():
        try:
            audit.check_version(scheme, form.loaded_version())
            services.update_scheme(scheme, _form_data(form))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, scheme)
        else:
            flash(_("Your changes to %(name)s were saved.", name=scheme.name), "success")
            return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
    return render_template(
        "referrals/scheme_form.html", form=form, scheme=scheme, conflict=conflict
    ), _status(form, conflict)


@bp.post("/schemes/<int:scheme_id>/status")
def scheme_status(scheme_id: int):
    scheme = services.get_scheme_or_404(scheme_id, current_user, for_edit=True)
    form = SchemeStatusForm()
    if not form.validate_on_submit():
        flash(_("Choose the new status."), "error")
        return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))
    try:
        audit.check_version(scheme, form.loaded_version())
        services.change_scheme_status(
            scheme, SchemeStatus(form.status.data), current_user, reason=form.reason.data or ""
        )
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
    except (audit.EditConflict, StaleDataError):
        db.session.rollback()
        flash(_("Someone else changed this scheme meanwhile; check and try again."), "error")
    else:
        flash(_("The scheme is now %(status)s.", status=scheme.status.label.lower()), "success")
    return redirect(url_for("referrals.scheme_detail", scheme_id=scheme.id))


# ---- service directory -------------------------------------------------------------------------


def _service_point_filters() -> services.ServicePointFilters:
    return services.ServicePointFilters(
        q=arg_str("q"),
        service=arg_str("service"),
        status=arg_str("status"),
        stale=arg_bool("stale"),
    )


@bp.get("/service-points")
def service_point_list():
    filters = _service_point_filters()
    page = paginate(services.service_point_query(filters))
    return render_template(
        "referrals/service_point_list.html",
        page=page,
        filters=filters,
        service_types=list(ServiceType),
        statuses=list(ServicePointStatus),
        is_stale=services.is_stale,
    )


@bp.get("/service-points/export.<fmt>")
def service_point_export(fmt: str):
    points = db.session.scalars(services.service_point_query(_service_point_filters()))
    return send_table(
        exports.service_points_table(points, services.is_stale), "service-points", fmt
    )


def _service_point_form(**kwargs) -> ServicePointForm:  # noqa: ANN003
    return ServicePointForm(providers=services.service_providers(), **kwargs)


@bp.route("/service-points/new", methods=["GET", "POST"])
def service_point_create():
    form = _service_point_form()
    if request.method == "GET":
        form.last_checked.data = date.today()
        form.organisation_id.data = arg_int("organisation")
    if form.validate_on_submit():
        try:
            point = services.create_service_point(_form_data(form))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("%(name)s was added to the directory.", name=point.name), "success")
            return redirect(url_for("referrals.service_point_list"))
    return render_template(
        "referrals/service_point_form.html", form=form, point=None, conflict=None
    ), _status(form)


@bp.route("/service-points/<int:point_id>/edit", methods=["GET", "POST"])
def service_point_edit(point_id: int):
    point = services.get_service_point_or_404(point_id, current_user, for_edit=True)
    form = _service_point_form(obj=point)
    if request.method == "GET":
        form.version.data = point.version
        form.services.data = [s.value for s in point.service_types]
        form.status.data = point.status.value
    conflict = None
    if form.validate_on_submit():
        try:
            audit.check_version(point, form.loaded_version())
            services.update_service_point(point, _form_data(form))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, point)
        else:
            flash(_("Your changes to %(name)s were saved.", name=point.name), "success")
            return redirect(url_for("referrals.service_point_list"))
    return render_template(
        "referrals/service_point_form.html", form=form, point=point, conflict=conflict
    ), _status(form, conflict)


@bp.post("/service-points/<int:point_id>/checked")
def service_point_checked(point_id: int):
    point = services.get_service_point_or_404(point_id, current_user, for_edit=True)
    services.mark_service_point_checked(point)
    db.session.commit()
    flash(_("%(name)s was marked as checked today.", name=point.name), "success")
    return redirect(url_for("referrals.service_point_list"))


# ---- slips -------------------------------------------------------------------------------------


def _slip_filters() -> services.SlipFilters:
    return services.SlipFilters(
        scheme_id=arg_int("scheme"),
        station_id=arg_int("station"),
        route=arg_str("route"),
        number=arg_str("number"),
        state=arg_str("state"),
    )


@bp.get("/slips")
def slip_list():
    filters = _slip_filters()
    page = paginate(services.slip_query(current_user, filters))
    return render_template(
        "referrals/slip_list.html",
        page=page,
        filters=filters,
        schemes=db.session.scalars(services.scheme_query(current_user)).all(),
        stations=services.issuing_stations(current_user),
        routes=list(Route),
        show_redemptions=can_see_client_codes(current_user),
    )


@bp.get("/slips/export.<fmt>")
def slip_export(fmt: str):
    slips = db.session.scalars(services.slip_query(current_user, _slip_filters()))
    return send_table(
        exports.slips_table(slips, with_redemptions=can_see_client_codes(current_user)),
        "slips",
        fmt,
    )


@bp.route("/slips/new", methods=["GET", "POST"])
def slip_create():
    schemes = services.schemes_for_issue(current_user)
    stations = services.issuing_stations(current_user)
    form = SlipForm(
        schemes=schemes, stations=stations, officers=services.officers_at(s.id for s in stations)
    )
    if request.method == "GET":
        form.issued_on.data = date.today()
        form.scheme_id.data = arg_int("scheme") or (schemes[0].id if len(schemes) == 1 else None)
        form.station_id.data = stations[0].id if len(stations) == 1 else None
    if form.validate_on_submit():
        try:
            slip = services.issue_slip(_form_data(form), current_user)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("Slip %(number)s was recorded.", number=slip.number), "success")
            if request.form.get("another"):
                return redirect(url_for("referrals.slip_create", scheme=slip.scheme_id))
            return redirect(url_for("referrals.slip_list"))
    return render_template("referrals/slip_form.html", form=form, no_schemes=not schemes), _status(
        form
    )


def _run_import(kind: str):  # noqa: ANN202
    schemes = db.session.scalars(services.scheme_query(current_user)).all()
    form = ImportForm(schemes=schemes)
    result = None
    if request.method == "GET":
        form.scheme_id.data = arg_int("scheme")
    if form.validate_on_submit():
        scheme = services.get_scheme_or_404(form.scheme_id.data, current_user)
        upload = form.file.data
        try:
            if upload and getattr(upload, "filename", ""):
                headers, rows = read_rows(upload.filename, upload.read())
            elif (form.pasted.data or "").strip():
                headers, rows = read_rows("pasted.csv", form.pasted.data.encode("utf-8"))
            else:
                raise FieldError("file", _("Choose a file or paste rows."))
            if not rows:
                raise FieldError("file", _("The file has a header row but no data rows."))
            run = imports.import_slips if kind == "slips" else imports.import_redemptions
            result = run(scheme, headers, rows, current_user)
        except SpreadsheetError as error:
            form.file.errors = [*form.file.errors, _(str(error))]
        except FieldError as error:
            attach_field_error(form, error)
        if result is not None and result.ok:
            db.session.commit()
            flash(
                _("%(n)s rows were imported.", n=result.created)
                if kind == "slips"
                else _("%(n)s redemptions were imported.", n=result.created),
                "success",
            )
            target = "referrals.slip_list" if kind == "slips" else "referrals.redemption_list"
            return redirect(url_for(target, scheme=scheme.id))
        db.session.rollback()
    failed = bool(form.errors or (result is not None and not result.ok))
    return render_template("referrals/import_form.html", form=form, kind=kind, result=result), (
        422 if failed else 200
    )


@bp.route("/slips/import", methods=["GET", "POST"])
def slip_import():
    return _run_import("slips")


@bp.get("/slips/import-template.<fmt>")
def slip_import_template(fmt: str):
    return send_table(imports.slip_template(), "slip-import-template", fmt)


# ---- redemptions (NGO editors only) ------------------------------------------------------------


@bp.route("/redemptions/new", methods=["GET", "POST"])
def slip_redeem():
    schemes = [
        s
        for s in db.session.scalars(services.scheme_query(current_user))
        if s.status is not SchemeStatus.PLANNED
    ]
    scheme_id = form_int("scheme_id") or arg_int("scheme")
    if scheme_id is None and len(schemes) == 1:
        scheme_id = schemes[0].id
    chosen = next((s for s in schemes if s.id == scheme_id), None)
    points = services.service_points_for(chosen) if chosen else []
    stations = services.issuing_stations(current_user, chosen) if chosen else []
    form = RedemptionForm(schemes=schemes, stations=stations, points=points)
    if request.method == "GET":
        form.scheme_id.data = scheme_id
        form.slip_number.data = arg_str("slip")
        form.redeemed_on.data = date.today()
    if form.validate_on_submit():
        try:
            services.record_redemption(_form_data(form), current_user)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("The visit was recorded."), "success")
            return redirect(url_for("referrals.slip_redeem", scheme=scheme_id))
    return render_template(
        "referrals/redemption_form.html",
        form=form,
        scheme=chosen,
        code_rule=CLIENT_CODE_RULES.get(chosen.client_code_rule) if chosen else None,
    ), _status(form)


def _redemption_filters() -> services.RedemptionFilters:
    return services.RedemptionFilters(
        scheme_id=arg_int("scheme"), service_point_id=arg_int("point"), code=arg_str("code")
    )


@bp.get("/redemptions")
def redemption_list():
    filters = _redemption_filters()
    page = paginate(services.redemption_query(filters))
    return render_template(
        "referrals/redemption_list.html",
        page=page,
        filters=filters,
        schemes=db.session.scalars(services.scheme_query(current_user)).all(),
    )


@bp.get("/redemptions/export.<fmt>")
def redemption_export(fmt: str):
    redemptions = db.session.scalars(services.redemption_query(_redemption_filters()))
    audit.record_event("export", label="redemptions")
    db.session.commit()
    return send_table(exports.redemptions_table(redemptions), "redemptions", fmt)


@bp.route("/redemptions/import", methods=["GET", "POST"])
def redemption_import():
    return _run_import("redemptions")


@bp.get("/redemptions/import-template.<fmt>")
def redemption_import_template(fmt: str):
    return send_table(imports.redemption_template(), "redemption-import-template", fmt)


# ---- officer feedback --------------------------------------------------------------------------


@bp.get("/feedback")
def station_feedback():
    """What became of a station's referrals, as suppressed counts: what officers see.

    NGO editors can open the same view for any station to see exactly what its officers see."""
    scope = station_scope(current_user)
    station_id = arg_int("station")
    if scope is not None:
        station_ids = frozenset(scope)
        if station_id is not None:
            if station_id not in scope:
                abort(404)
            station_ids = frozenset({station_id})
    elif station_id is not None:
        station_ids = frozenset({station_id})
    else:
        station_ids = None
    stations = services.issuing_stations(current_user)
    rows = []
    if station_ids is not None:
        schemes = db.session.scalars(
            services.scheme_query(current_user).where(
                services.Scheme.status != SchemeStatus.PLANNED
            )
        ).all()
        for scheme in schemes:
            m = measures.scheme_measures(scheme, current_user, station_ids=station_ids)
            rows.append((scheme, measures.protect_totals(m)))

    def count(n: int) -> str:
        return measures.count_text(n, True)

    return render_template(
        "referrals/station_feedback.html",
        rows=rows,
        stations=stations,
        station_id=station_id,
        chosen=station_ids,
        count=count,
        rate=lambda part, whole: measures.rate_text(part, whole, True),
        labels=LABELS,
    )
