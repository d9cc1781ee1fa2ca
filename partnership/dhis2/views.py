"""The DHIS2 pages: the connection and the mapping (administrators), the dry run and its JSON
(NGO editors), pushes and their import summaries. Who may open each is in
partnership/permissions.py."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from partnership import audit
from partnership.dashboard.services import INDICATORS
from partnership.dhis2 import imports, services
from partnership.dhis2.forms import ConnectionForm, MappingForm, MappingImportForm, PeriodForm
from partnership.dhis2.models import Dhis2Push, PeriodType
from partnership.dhis2.tasks import give_up_if_abandoned, push_task
from partnership.extensions import db
from partnership.spreadsheets import send_table

bp = Blueprint("dhis2", __name__, url_prefix="/dhis2")


def _period_type() -> PeriodType:
    connection = services.get_connection()
    return connection.period_type if connection is not None else PeriodType.MONTHLY


@bp.route("/connection", methods=["GET", "POST"])
def connection_edit():
    connection = services.get_connection()
    secret_stored = connection is not None and bool(connection.secret_encrypted)
    form = ConnectionForm(obj=connection, secret_stored=secret_stored)
    if request.method == "GET":
        form.secret.data = ""
        if connection is not None:
            form.auth_kind.data = str(connection.auth_kind)
            form.period_type.data = str(connection.period_type)
            form.version.data = connection.version
    conflict = None
    if form.validate_on_submit():
        try:
            if connection is not None:
                audit.check_version(connection, form.loaded_version())
            services.save_connection(connection, form.data)
            db.session.commit()
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, connection)
        else:
            flash(_("The DHIS2 connection was saved."), "success")
            return redirect(url_for("dhis2.connection_edit"))
    return render_template(
        "dhis2/connection_form.html",
        form=form,
        connection=connection,
        conflict=conflict,
        secret_readable=services.secret_readable(connection),
    ), (409 if conflict is not None else 422 if form.errors else 200)


def _mapping_data() -> dict:
    data = {f"ou_{sid}": uid for sid, uid in services.org_units().items()}
    for key, (de, coc) in services.data_elements().items():
        data[f"de_{key}"], data[f"coc_{key}"] = de, coc
    return data


@bp.route("/mapping", methods=["GET", "POST"])
def mapping_edit():
    stations = services.stations()
    data = _mapping_data()
    formdata = request.form if request.method == "POST" else None
    form = MappingForm.build(stations, list(INDICATORS), formdata=formdata, data=data)
    if request.method == "POST" and form.validate():
        n_stations, n_indicators = services.save_mapping(form.station_uids(), form.indicator_uids())
        db.session.commit()
        flash(
            _(
                "The mapping was saved: %(stations)s stations and %(indicators)s indicators mapped.",
                stations=n_stations,
                indicators=n_indicators,
            ),  # fmt: skip
            "success",
        )
        return redirect(url_for("dhis2.mapping_edit"))
    return render_template("dhis2/mapping_form.html", form=form, import_form=MappingImportForm()), (
        422 if form.errors else 200
    )


@bp.post("/mapping/import")
def mapping_import():
    """The stations' organisation units from a spreadsheet, all rows or none."""
    import_form = MappingImportForm()
    report = None
    if import_form.validate_on_submit():
        upload = import_form.file.data
        report = imports.import_mapping(upload.filename or "", upload.read())
        if report.ok:
            db.session.commit()
            flash(_("%(n)s stations' organisation units were imported.", n=report.rows),
                  "success")  # fmt: skip
            return redirect(url_for("dhis2.mapping_edit"))
        db.session.rollback()
        # What is wrong with the file as a whole is said by the field.
        import_form.file.errors = [m for line, m in report.errors if not line]
        report.errors = [(line, m) for line, m in report.errors if line]
    stations = services.stations()
    form = MappingForm.build(stations, list(INDICATORS), data=_mapping_data())
    return render_template(
        "dhis2/mapping_form.html", form=form, import_form=import_form, report=report
    ), 422


@bp.get("/mapping/template.<fmt>")
def mapping_template(fmt: str):
    return send_table(imports.mapping_template(), "dhis2-mapping", fmt)


def _chosen_period() -> services.Period:
    kind = _period_type()
    chosen = services.Period.parse(request.args.get("period", ""))
    if chosen is None or chosen.kind is not kind:
        chosen = services.default_period(kind)
    return chosen


@bp.get("/dry-run")
def dry_run():
    connection = services.get_connection()
    period = _chosen_period()
    export = services.build_export(current_user, period, connection)
    choices = services.recent_periods(period.kind)
    if period not in choices:
        choices = [period, *choices]
    return render_template(
        "dhis2/dry_run.html",
        export=export,
        period=period,
        choices=choices,
        connection=connection,
        ready=connection is not None and services.secret_readable(connection),
        push_form=PeriodForm(period=period.code),
        pushes=[p for p in services.recent_pushes() if p.period == period.code],
    )


@bp.get("/dry-run.json")
def dry_run_json():
    period = _chosen_period()
    export = services.build_export(current_user, period)
    body = json.dumps(export.payload, indent=2, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="dhis2-{period.code}.json"'},
    )


@bp.post("/pushes")
def push_create():
    form = PeriodForm()
    connection = services.get_connection()
    if not form.validate_on_submit():
        flash(_("Choose a period."), "error")
        return redirect(url_for("dhis2.dry_run"))
    period = services.Period.parse(form.period.data)
    if connection is None or not services.secret_readable(connection):
        flash(_("Set the DHIS2 server and its sign-in first."), "error")
        return redirect(url_for("dhis2.dry_run", period=period.code))
    export = services.build_export(current_user, period, connection)
    if not export.data_values:
        flash(_("There is nothing to send for this period: map stations and indicators first."),
              "error")  # fmt: skip
        return redirect(url_for("dhis2.dry_run", period=period.code))
    push = services.create_push(current_user, export, connection)
    push_id = push.id
    db.session.commit()  # the push exists before a consumer can pick the task up
    push_task(push_id)
    return redirect(url_for("dhis2.push_detail", push_id=push_id))


def _get_push_or_404(push_id: int) -> Dhis2Push:
    push = db.session.get(Dhis2Push, push_id)
    if push is None:
        abort(404)
    return push


@bp.get("/pushes")
def push_list():
    return render_template("dhis2/push_list.html", pushes=services.recent_pushes(50))


@bp.get("/pushes/<int:push_id>")
def push_detail(push_id: int):
    push = _get_push_or_404(push_id)
    if give_up_if_abandoned(push):
        db.session.rollback()
        push = _get_push_or_404(push_id)
    return render_template("dhis2/push_detail.html", push=push)


@bp.post("/pushes/<int:push_id>/again")
def push_again(push_id: int):
    push = _get_push_or_404(push_id)
    connection = services.get_connection()
    if not push.finished:
        abort(409)
    if connection is None or not services.secret_readable(connection):
        flash(_("Set the DHIS2 server and its sign-in first."), "error")
        return redirect(url_for("dhis2.push_detail", push_id=push_id))
    again = services.repeat_push(current_user, push, connection)
    again_id = again.id
    db.session.commit()
    push_task(again_id)
    return redirect(url_for("dhis2.push_detail", push_id=again_id))
