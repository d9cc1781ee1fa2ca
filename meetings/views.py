"""Meetings with police stations: scheduling, calendar, attendance, agenda, minutes."""

from __future__ import annotations

import calendar as calendar_module
import difflib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from meetings import exports, ical, imports, services
from meetings.forms import (
    AgendaItemForm,
    CancelForm,
    DecisionForm,
    MeetingForm,
    MinutesForm,
    NewAttendeeForm,
    PostponeForm,
    RegisterImportForm,
)
from meetings.models import (
    ATTENDANCE_STATUS_LABELS,
    MEETING_KIND_LABELS,
    MEETING_STATUS_LABELS,
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from partnership import audit
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error, country_choices
from partnership.organisations import services as org_services
from partnership.organisations.models import (
    POLICE_KINDS,
    Organisation,
    OrganisationKind,
    PersonKind,
)
from partnership.pagination import arg_bool, arg_int, arg_str, paginate
from partnership.permissions import can_see_community_names, can_see_security_notes
from partnership.spreadsheets import send_table

bp = Blueprint("meetings", __name__, url_prefix="/meetings")


# ---- template helpers --------------------------------------------------------------------------


@bp.app_template_global()
def meeting_when(meeting: Meeting) -> str:
    """“Mon 5 Jan 2026, 10:00–12:00 (Africa/Nairobi)” in the meeting's own zone."""
    start, end = meeting.local_start, meeting.local_end
    first = format_date(start.date(), "full")
    start_t = format_time(start, "short", rebase=False)
    end_t = format_time(end, "short", rebase=False)
    if start.date() == end.date():
        text = f"{first}, {start_t}–{end_t}"
    else:
        text = f"{first}, {start_t} – {format_date(end.date(), 'full')}, {end_t}"
    return f"{text} ({meeting.timezone.replace('_', ' ')})"


@bp.app_template_global()
def meeting_local_time(meeting: Meeting) -> str:
    return format_time(meeting.local_start, "short", rebase=False)


@bp.app_template_global()
def can_edit_meeting(meeting: Meeting | None = None, kind: MeetingKind | None = None) -> bool:
    return services.can_edit_meeting(current_user, meeting, kind)


@bp.app_template_global()
def can_schedule_visits() -> bool:
    return services.can_edit_meeting(current_user, kind=MeetingKind.STATION_VISIT)


@bp.app_template_global()
def today_utc() -> date:
    return datetime.now(UTC).date()


# ---- lists and calendar ------------------------------------------------------------------------


def _filters() -> services.MeetingFilters:
    return services.MeetingFilters(
        station_id=arg_int("station"),
        command_id=arg_int("command"),
        country=arg_str("country"),
        organiser_id=arg_int("organiser"),
        kind=arg_str("kind"),
        status=arg_str("status"),
        q=arg_str("q"),
        upcoming=arg_bool("upcoming"),
    )


def _filter_choices() -> dict:
    unscoped = services.station_scope(current_user) is None
    return {
        "kinds": MEETING_KIND_LABELS,
        "statuses": MEETING_STATUS_LABELS,
        "stations": org_services.stations(current_user),
        "commands": org_services.commands() if unscoped else [],
        "countries": country_choices() if unscoped else [],
        "organisers": services.organiser_choices() if unscoped else [],
    }


@bp.get("/")
def meeting_index():
    filters = _filters()
    page = paginate(services.meeting_query(current_user, filters))
    return render_template(
        "meetings/meeting_list.html", page=page, filters=filters, **_filter_choices()
    )


@bp.get("/export.<fmt>")
def meeting_export(fmt: str):
    meetings = db.session.scalars(services.meeting_query(current_user, _filters()))
    return send_table(exports.meetings_table(meetings), "meetings", fmt)


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value) if value else datetime.now(UTC).date()
    except ValueError:
        return datetime.now(UTC).date()


@bp.get("/calendar")
def meeting_calendar():
    """A month or a week of meetings, each placed on its local day."""
    view = "week" if arg_str("view") == "week" else "month"
    anchor = _parse_day(arg_str("date"))
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        last = first + timedelta(days=6)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        month_start = anchor.replace(day=1)
        first = month_start - timedelta(days=month_start.weekday())
        days_in_month = calendar_module.monthrange(anchor.year, anchor.month)[1]
        month_end = anchor.replace(day=days_in_month)
        last = month_end + timedelta(days=6 - month_end.weekday())
        previous = (month_start - timedelta(days=1)).replace(day=1)
        following = month_end + timedelta(days=1)
    # A day later and earlier than the grid: meetings are placed on their own local day.
    window_start = datetime.combine(first - timedelta(days=1), time.min, tzinfo=UTC)
    window_end = datetime.combine(last + timedelta(days=2), time.min, tzinfo=UTC)
    filters = _filters()
    stmt = services.meeting_query(current_user, filters, window_start, window_end).limit(500)
    by_day: dict[date, list[Meeting]] = {}
    for meeting in db.session.scalars(stmt):
        for day in meeting.days:
            by_day.setdefault(day, []).append(meeting)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    weeks = [days[i : i + 7] for i in range(0, len(days), 7)]
    return render_template(
        "meetings/meeting_calendar.html",
        view=view,
        anchor=anchor,
        weeks=weeks,
        by_day=by_day,
        today=datetime.now(UTC).date(),
        previous=previous,
        following=following,
        filters=filters,
        **_filter_choices(),
    )


@bp.get("/due")
def meeting_due():
    """Stations due for a visit, most overdue first."""
    filters = _filters()
    rows = services.due_stations(current_user, filters)
    per_page = 50
    page_number = max(arg_int("page") or 1, 1)
    pages = max((len(rows) + per_page - 1) // per_page, 1)
    shown = rows[(page_number - 1) * per_page : page_number * per_page]
    choices = _filter_choices()
    return render_template(
        "meetings/meeting_due.html",
        rows=shown,
        total=len(rows),
        page_number=page_number,
        pages=pages,
        filters=filters,
        commands=choices["commands"],
        countries=choices["countries"],
    )


@bp.get("/due/export.<fmt>")
def meeting_due_export(fmt: str):
    rows = services.due_stations(current_user, _filters())
    return send_table(exports.due_table(rows), "stations-due-for-a-visit", fmt)


# ---- scheduling --------------------------------------------------------------------------------


def _meeting_form(**kwargs) -> MeetingForm:  # noqa: ANN003
    return MeetingForm(
        kinds=services.editable_kinds(current_user) or list(MeetingKind),
        stations=org_services.stations(),
        organisers=services.organiser_choices(),
        facilitators=services.facilitator_choices(),
        **kwargs,
    )


def _recurrence(form: MeetingForm) -> services.Recurrence | None:
    if form.repeat.data not in ("weekly", "monthly"):
        return None
    if not form.repeat_interval.data:
        raise FieldError("repeat_interval", _("Say how often the meeting repeats."))
    if not form.repeat_count.data:
        raise FieldError("repeat_count", _("Say how many meetings the series has."))
    return services.Recurrence(form.repeat.data, form.repeat_interval.data, form.repeat_count.data)


def _conflicts_for_new(data: dict, recurrence: services.Recurrence | None) -> list[str]:
    starts, ends = services.meeting_window(data)
    zone = ZoneInfo(data["timezone"])
    windows = [(starts, ends)]
    if recurrence is not None:
        duration = ends - starts
        local_first = starts.astimezone(zone).replace(tzinfo=None)
        windows = []
        for local in recurrence.local_starts(local_first):
            start = local.replace(tzinfo=zone).astimezone(UTC)
            windows.append((start, start + duration))
    warnings: list[str] = []
    for start, end in windows:
        warnings += services.find_conflicts(
            start, end, zone, data["station_ids"], data["facilitator_ids"]
        )
    return warnings


@bp.route("/new", methods=["GET", "POST"])
def meeting_create():
    form = _meeting_form()
    if request.method == "GET":
        station = arg_int("station")
        if station:
            form.station_ids.data = [station]
            org = db.session.get(Organisation, station)
            if org is not None:
                form.timezone.data = org.timezone
        kind = arg_str("kind")
        if kind in {k.value for k in services.editable_kinds(current_user)}:
            form.kind.data = kind
        form.timezone.data = form.timezone.data or current_user.timezone
        form.organiser_id.data = current_user.organisation_id
        form.facilitator_ids.data = [current_user.id]
        form.start_time.data = time(10, 0)
        form.end_time.data = time(12, 0)
    warnings: list[str] = []
    if form.validate_on_submit():
        data = form.data_dict()
        try:
            recurrence = _recurrence(form)
            warnings = _conflicts_for_new(data, recurrence)
            if not warnings or form.proceed.data:
                created = services.create_meetings(data, current_user, recurrence)
                db.session.commit()
            else:
                created = None
                db.session.rollback()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
            warnings = []
        else:
            if created:
                if len(created) > 1:
                    flash(_("A series of %(n)s meetings was scheduled.", n=len(created)), "success")
                else:
                    flash(_("“%(title)s” was scheduled.", title=created[0].title), "success")
                return redirect(url_for("meetings.meeting_detail", meeting_id=created[0].id))
    status = 422 if (form.errors or warnings) else 200
    return render_template(
        "meetings/meeting_form.html", form=form, meeting=None, warnings=warnings
    ), status


@bp.get("/<int:meeting_id>")
def meeting_detail(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user)
    attendees = services.register_of(meeting)
    return render_template(
        "meetings/meeting_detail.html",
        meeting=meeting,
        attendees=attendees if services.sees_register_names(current_user) else [],
        summary=services.register_summary(meeting, attendees),
        show_names=services.sees_register_names(current_user),
        show_community_names=can_see_community_names(current_user),
        show_security_notes=can_see_security_notes(current_user),
        show_minutes=services.sees_minutes(current_user),
        minutes=services.minutes_text(meeting),
        editable=services.can_edit_meeting(current_user, meeting),
        agenda_form=AgendaItemForm(prefix="agenda"),
        decision_form=DecisionForm(prefix="decision"),
        transitions={s: services.can_transition(meeting, s) for s in MeetingStatus},
        PersonKind=PersonKind,
        MeetingStatus=MeetingStatus,
    )


def _fill_times(form, meeting: Meeting) -> None:  # noqa: ANN001
    form.start_date.data = meeting.local_start.date()
    form.start_time.data = meeting.local_start.time()
    form.end_date.data = meeting.local_end.date()
    form.end_time.data = meeting.local_end.time()


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = _meeting_form(obj=meeting)
    if request.method == "GET":
        form.kind.data = meeting.kind.value
        form.version.data = meeting.version
        form.station_ids.data = [s.id for s in meeting.stations]
        form.facilitator_ids.data = [u.id for u in meeting.facilitators]
        _fill_times(form, meeting)
    if not can_see_security_notes(current_user):  # pragma: no cover - editors are NGO roles
        form.security_notes.data = meeting.security_notes
    conflict = None
    warnings: list[str] = []
    if form.validate_on_submit():
        data = form.data_dict()
        scope = form.scope.data if meeting.series_id else "this"
        try:
            audit.check_version(meeting, form.loaded_version())
            starts, ends = services.meeting_window(data)
            if (starts, ends) != (meeting.starts_at, meeting.ends_at) and not form.proceed.data:
                warnings = services.find_conflicts(
                    starts,
                    ends,
                    ZoneInfo(data["timezone"]),
                    data["station_ids"],
                    data["facilitator_ids"],
                    exclude_ids={meeting.id},
                )
            if not warnings:
                changed = services.update_meeting(meeting, data, current_user, scope)
                db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, meeting)
        else:
            if not warnings:
                if len(changed) > 1:
                    flash(
                        _(
                            "Your changes were saved to %(n)s meetings of the series.",
                            n=len(changed),
                        ),
                        "success",
                    )
                else:
                    flash(
                        _("Your changes to “%(title)s” were saved.", title=meeting.title), "success"
                    )
                return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))
    status = 409 if conflict is not None else (422 if (form.errors or warnings) else 200)
    return render_template(
        "meetings/meeting_form.html",
        form=form,
        meeting=meeting,
        warnings=warnings,
        conflict=conflict,
    ), status


# ---- status changes ----------------------------------------------------------------------------


def _back(meeting: Meeting):  # noqa: ANN202
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/confirm")
def meeting_confirm(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    try:
        services.confirm_meeting(meeting, current_user)
        db.session.commit()
    except services.TransitionError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("“%(title)s” is confirmed.", title=meeting.title), "success")
    return _back(meeting)


@bp.post("/<int:meeting_id>/hold")
def meeting_hold(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    try:
        services.hold_meeting(meeting, current_user)
        db.session.commit()
    except services.TransitionError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("“%(title)s” was recorded as held.", title=meeting.title), "success")
    return _back(meeting)


@bp.route("/<int:meeting_id>/postpone", methods=["GET", "POST"])
def meeting_postpone(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    if not services.can_transition(meeting, MeetingStatus.POSTPONED):
        flash(
            _("A meeting that is “%(current)s” cannot be postponed.", current=meeting.status.label),
            "error",
        )
        return _back(meeting)
    form = PostponeForm()
    if request.method == "GET":
        _fill_times(form, meeting)
    warnings: list[str] = []
    if form.validate_on_submit():
        data = {
            "timezone": meeting.timezone,
            "start_date": form.start_date.data,
            "start_time": form.start_time.data,
            "end_date": form.end_date.data or form.start_date.data,
            "end_time": form.end_time.data,
        }
        try:
            starts, ends = services.meeting_window(data)
            if not form.proceed.data:
                warnings = services.find_conflicts(
                    starts,
                    ends,
                    meeting.zone,
                    [s.id for s in meeting.stations],
                    [u.id for u in meeting.facilitators],
                    exclude_ids={meeting.id},
                )
            if not warnings:
                services.postpone_meeting(meeting, current_user, starts, ends, form.reason.data)
                db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except services.TransitionError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(meeting)
        else:
            if not warnings:
                flash(_("“%(title)s” was postponed.", title=meeting.title), "success")
                return _back(meeting)
    return render_template(
        "meetings/meeting_postpone.html", form=form, meeting=meeting, warnings=warnings
    ), (422 if (form.errors or warnings) else 200)


@bp.route("/<int:meeting_id>/cancel", methods=["GET", "POST"])
def meeting_cancel(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    if not services.can_transition(meeting, MeetingStatus.CANCELLED):
        flash(
            _("A meeting that is “%(current)s” cannot be cancelled.", current=meeting.status.label),
            "error",
        )
        return _back(meeting)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel_meeting(meeting, current_user, form.reason.data)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except services.TransitionError as error:
            db.session.rollback()
            flash(error.message, "error")
            return _back(meeting)
        else:
            flash(_("“%(title)s” was cancelled.", title=meeting.title), "success")
            return _back(meeting)
    return render_template("meetings/meeting_cancel.html", form=form, meeting=meeting), (
        422 if form.errors else 200
    )


# ---- calendar files and feeds ------------------------------------------------------------------


@bp.get("/<int:meeting_id>.ics")
def meeting_ics(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user)
    body = ical.calendar_of([meeting], meeting.title)
    return ical.send_calendar(body, f"meeting-{meeting.id}")


@bp.get("/stations/<int:station_id>.ics")
def meeting_station_feed(station_id: int):
    station = org_services.get_organisation_or_404(station_id, current_user)
    meetings = db.session.scalars(services.personal_feed_query(current_user, station.id))
    body = ical.calendar_of(meetings, station.name)
    return ical.send_calendar(body, f"station-{station.id}", attachment=False)


@bp.get("/feed/<token>.ics")
def meeting_feed(token: str):
    """A personal feed for calendar programs: the secret in the address stands for a sign-in."""
    user = services.user_for_feed_token(token)
    if user is None:
        abort(404)
    station_id = arg_int("station")
    if station_id is not None:
        scope = services.station_scope(user)
        if scope is not None and station_id not in scope:
            abort(404)
    meetings = db.session.scalars(services.personal_feed_query(user, station_id))
    body = ical.calendar_of(meetings, _("Meetings of %(name)s", name=user.name))
    token_row = services.feed_token_of(user)
    token_row.last_used_at = datetime.now(UTC)
    db.session.commit()
    return ical.send_calendar(body, "meetings", attachment=False)


@bp.get("/feed")
def feed_settings():
    return render_template(
        "meetings/feed_settings.html",
        token=services.feed_token_of(current_user),
        address=None,
        stations=org_services.stations(current_user),
    )


@bp.post("/feed/new")
def feed_token_create():
    secret = services.create_feed_token(current_user)
    db.session.commit()
    address = url_for("meetings.meeting_feed", token=secret, _external=True)
    return render_template(
        "meetings/feed_settings.html",
        token=services.feed_token_of(current_user),
        address=address,
        stations=org_services.stations(current_user),
    )


@bp.post("/feed/revoke")
def feed_token_revoke():
    if services.revoke_feed_token(current_user):
        db.session.commit()
        flash(_("Your calendar feed address was revoked; it no longer works."), "success")
    return redirect(url_for("meetings.feed_settings"))


# ---- register ----------------------------------------------------------------------------------


def _register_page(meeting: Meeting, new_person_form=None, status: int = 200):  # noqa: ANN001, ANN202
    attendees = services.register_of(meeting)
    return render_template(
        "meetings/register_form.html",
        meeting=meeting,
        attendees=attendees,
        roster=services.roster_for(meeting, attendees),
        statuses=ATTENDANCE_STATUS_LABELS,
        new_person_form=new_person_form or _new_person_form(meeting),
        PersonKind=PersonKind,
    ), status


def _new_person_form(meeting: Meeting) -> NewAttendeeForm:
    orgs = org_services.organisations_of_kinds(
        POLICE_KINDS | {OrganisationKind.NGO, OrganisationKind.COMMUNITY_GROUP}
    )
    form = NewAttendeeForm(prefix="new", organisations=orgs)
    if request.method == "GET" and meeting.stations:
        form.organisation_id.data = meeting.stations[0].id
    return form


@bp.route("/<int:meeting_id>/register", methods=["GET", "POST"])
def register_edit(meeting_id: int):
    """Tick statuses per day; “mark all present” fills the blanks."""
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    if request.method == "GET":
        return _register_page(meeting)
    attendees = services.register_of(meeting)
    action = request.form.get("action", "save")
    marks = {}
    valid = {s.value for s in ATTENDANCE_STATUS_LABELS} | {""}
    for attendee in attendees:
        for day in meeting.days:
            key = f"mark-{attendee.id}-{day.isoformat()}"
            if key in request.form:
                value = request.form[key]
                if value not in valid:
                    abort(400)
                marks[(attendee.id, day)] = value
    changes = services.set_marks(meeting, attendees, marks)
    if action.startswith("all-present"):
        day = None
        if action != "all-present":
            day = _parse_day(action.removeprefix("all-present-"))
            if day not in meeting.days:
                abort(400)
        changes += services.mark_all_present(meeting, attendees, day)
    db.session.commit()
    flash(
        ngettext_changes(changes),
        "success",
    )
    return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))


def ngettext_changes(n: int) -> str:
    from flask_babel import ngettext

    if n == 0:
        return _("The register is saved; nothing changed.")
    return ngettext(
        "The register is saved: %(num)s change.", "The register is saved: %(num)s changes.", n
    )


@bp.post("/<int:meeting_id>/register/add")
def attendee_add(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    ids = request.form.getlist("person_ids", type=int)
    if not ids:
        flash(_("Tick the people to add to the register."), "error")
        return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))
    try:
        added = services.add_attendees(meeting, ids)
        db.session.commit()
    except FieldError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash(_("%(n)s added to the register.", n=len(added)), "success")
    return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/register/new-person")
def attendee_create(meeting_id: int):
    """Record someone who is not in the system yet and put them on the register."""
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = _new_person_form(meeting)
    if form.validate_on_submit():
        data = {
            "kind": form.kind.data,
            "name": form.name.data,
            "organisation_id": form.organisation_id.data,
            "rank": form.rank.data or "",
            "unit": form.unit.data or "",
            "posted_since": meeting.local_start.date(),
        }
        try:
            person = org_services.create_person(data)
            services.add_attendee(meeting, person)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("%(name)s was added to the register.", name=person.name), "success")
            return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))
    return _register_page(meeting, form, 422)


@bp.post("/<int:meeting_id>/register/remove")
def attendee_remove(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    attendee_id = request.form.get("attendee_id", type=int)
    if attendee_id is None:
        flash(_("Choose who to remove from the register."), "error")
    else:
        services.remove_attendee(meeting, attendee_id)
        db.session.commit()
        flash(_("Removed from the register."), "success")
    return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/register.<fmt>")
def register_export(meeting_id: int, fmt: str):
    meeting = services.get_meeting_or_404(meeting_id, current_user)
    table = exports.register_table(
        meeting, services.register_of(meeting), can_see_community_names(current_user)
    )
    return send_table(table, f"register-meeting-{meeting.id}", fmt)


@bp.get("/<int:meeting_id>/register-template.<fmt>")
def register_template(meeting_id: int, fmt: str):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    return send_table(exports.register_template(meeting), f"register-template-{meeting.id}", fmt)


@bp.route("/<int:meeting_id>/register/import", methods=["GET", "POST"])
def register_import(meeting_id: int):
    """Upload, then review, then write: nothing is saved until every row is right."""
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = RegisterImportForm()
    context = {"meeting": meeting, "form": form, "result": None, "payload": None, "errors": []}
    if request.method == "POST" and request.form.get("step") == "confirm":
        try:
            result = imports.unpack(request.form.get("payload", ""), meeting)
        except imports.RegisterFileError as error:
            flash(error.message, "error")
            return render_template("meetings/register_import.html", **context), 422
        choices = {row.line: request.form.get(f"match-{row.line}", "") for row in result.ambiguous}
        try:
            problems = imports.apply_import(meeting, result, choices)
        except FieldError as error:
            problems = [(0, error.message)]
        if problems:
            db.session.rollback()
            context.update(result=result, payload=imports.pack(result, meeting), errors=problems)
            return render_template("meetings/register_import.html", **context), 422
        db.session.commit()
        flash(_("The register was imported: %(n)s rows written.", n=len(result.rows)), "success")
        return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = imports.read_register(meeting, upload.filename or "", upload.read())
        except imports.RegisterFileError as error:
            form.file.errors = [*form.file.errors, error.message]
            return render_template("meetings/register_import.html", **context), 422
        context.update(result=result, payload=imports.pack(result, meeting), errors=result.errors)
        return render_template("meetings/register_import.html", **context), (
            422 if result.errors else 200
        )
    return render_template("meetings/register_import.html", **context), (
        422 if form.errors else 200
    )


# ---- agenda, decisions, minutes ----------------------------------------------------------------


@bp.post("/<int:meeting_id>/agenda")
def agenda_item_add(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = AgendaItemForm(prefix="agenda")
    if form.validate_on_submit():
        services.add_agenda_item(meeting, form.title.data, form.notes.data or "")
        db.session.commit()
        flash(_("The agenda item was added."), "success")
    else:
        flash(_("Give the agenda item a title."), "error")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/move")
def agenda_item_move(meeting_id: int, item_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    services.move_agenda_item(meeting, item_id, request.form.get("direction", "down"))
    db.session.commit()
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/agenda/<int:item_id>/delete")
def agenda_item_delete(meeting_id: int, item_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    services.delete_agenda_item(meeting, item_id)
    db.session.commit()
    flash(_("The agenda item was removed."), "success")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#agenda")


@bp.post("/<int:meeting_id>/decisions")
def decision_add(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = DecisionForm(prefix="decision")
    if form.validate_on_submit():
        services.add_decision(meeting, form.text.data, current_user)
        db.session.commit()
        flash(_("The decision was recorded."), "success")
    else:
        flash(_("Write the decision before saving."), "error")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#decisions")


@bp.post("/<int:meeting_id>/decisions/<int:decision_id>/delete")
def decision_delete(meeting_id: int, decision_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    services.delete_decision(meeting, decision_id)
    db.session.commit()
    flash(_("The decision was removed."), "success")
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#decisions")


def _revision_diffs(meeting: Meeting) -> list[dict]:
    """Each revision with the lines it added and removed against the one before."""
    revisions = list(meeting.minutes_revisions)  # newest first
    out = []
    for i, rev in enumerate(revisions):
        before = revisions[i + 1].body.splitlines() if i + 1 < len(revisions) else []
        diff = [
            line
            for line in difflib.unified_diff(before, rev.body.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        ]
        out.append({"revision": rev, "diff": diff})
    return out


@bp.route("/<int:meeting_id>/minutes", methods=["GET", "POST"])
def minutes_edit(meeting_id: int):
    meeting = services.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = MinutesForm()
    if request.method == "GET":
        form.body.data = services.minutes_text(meeting)
    if form.validate_on_submit():
        try:
            revision = services.save_minutes(meeting, form.body.data, current_user)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            if revision is None:
                flash(_("The minutes did not change."), "info")
            else:
                flash(_("The minutes were saved (revision %(n)s).", n=revision.number), "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#minutes")
    return render_template(
        "meetings/minutes_form.html",
        form=form,
        meeting=meeting,
        revisions=_revision_diffs(meeting),
    ), (422 if form.errors else 200)
