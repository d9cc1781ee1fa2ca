"""Scheduling several stations at once, from the due list."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from meetings.forms import BulkScheduleForm
from meetings.services import bulk, queries
from meetings.services.scheduling import Recurrence
from meetings.views import bp
from partnership.forms import bounded_int, save_form
from partnership.organisations import services as org_services

FIRST_DATE_AFTER = timedelta(days=7)  # the date offered first: next week, changed per station


def _visible_stations(ids: list[int]) -> dict:
    """The chosen stations the user may see, by id (an officer's scope applies)."""
    wanted = set(ids)
    return {s.id: s for s in org_services.stations(current_user) if s.id in wanted}


def _form() -> BulkScheduleForm:
    return BulkScheduleForm(facilitators=queries.facilitator_choices())


@bp.route("/due/schedule", methods=["GET", "POST"])
def meeting_bulk_schedule():
    """One form for the visits of several stations chosen on the due list: all or none."""
    form = _form()
    warnings: list[str] = []
    refused = False
    if request.method == "GET":
        ids = [n for n in (bounded_int(v, 1) for v in request.args.getlist("station")) if n]
        stations = _visible_stations(ids)
        if not stations:
            flash(_("Choose the stations to schedule on the list first."), "error")
            return redirect(url_for("meetings.meeting_due", state="overdue"))
        form.kind.data = "station_visit"
        form.start_time.data, form.end_time.data = time(10, 0), time(12, 0)
        form.facilitator_ids.data = [current_user.id]
        form.repeat.data = "monthly"
        first = date.today() + FIRST_DATE_AFTER
        for station in sorted(stations.values(), key=lambda s: ids.index(s.id)):
            form.rows.append_entry(
                {
                    "station_id": station.id,
                    "include": True,
                    "title": _("Visit to %(station)s", station=station.name),
                    "start_date": first,
                }
            )
    else:
        stations = _visible_stations(
            [bounded_int(entry.station_id.data, 1) or 0 for entry in form.rows]
        )
        if len(stations) != len(form.rows.entries):
            abort(404)  # a station outside the user's scope, or none at all
    if form.validate_on_submit():
        outcome = _schedule(form, stations)
        if isinstance(outcome, int):
            flash(
                ngettext(
                    "%(num)s station was scheduled.", "%(num)s stations were scheduled.", outcome
                ),
                "success",
            )
            return redirect(url_for("meetings.meeting_due"))
        refused = outcome is None
        warnings = outcome or []
    status = 422 if (refused or form.errors or warnings) else 200
    return render_template(
        "meetings/meeting_bulk_form.html", form=form, stations=stations, warnings=warnings
    ), status


def _schedule(form: BulkScheduleForm, stations: dict) -> int | list[str] | None:
    """The number of stations scheduled, the clash warnings to confirm, or None when it was
    refused (errors by their fields); nothing is written unless every station is scheduled."""
    chosen = [
        (entry, bulk.StationRow(
            stations[int(entry.station_id.data)], entry.title.data or "", entry.start_date.data
        ))
        for entry in form.rows
        if entry.include.data
    ]  # fmt: skip
    common = {
        "kind": form.kind.data,
        "start_time": form.start_time.data,
        "end_time": form.end_time.data,
        "facilitator_ids": list(form.facilitator_ids.data or []),
        "organiser_id": current_user.organisation_id,
        "venue": "",
        "objectives": "",
        "security_notes": "",
        "expected_participants": None,
    }
    recurrence = None
    if form.repeat.data == "monthly":
        if not form.repeat_interval.data or not form.repeat_count.data:
            form.repeat_count.errors = [_("Say how often and how many times it repeats.")]
            return None
        recurrence = Recurrence("monthly", form.repeat_interval.data, form.repeat_count.data)
    rows = [row for _entry, row in chosen]

    def schedule(_data: dict) -> int | list[str] | None:
        check = bulk.check_rows(rows, common, recurrence)
        for index, error in check.errors.items():
            entry = chosen[index][0]
            field = getattr(entry.form, error.field, None) or entry.start_date
            field.errors = [*field.errors, error.message]
        if check.errors:
            return None
        if check.warnings and not form.proceed.data:
            return check.warnings
        bulk.schedule_rows(rows, common, current_user, recurrence)
        return len(chosen)

    saved = save_form(form, schedule)
    return saved.record if saved.ok else None
