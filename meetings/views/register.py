"""The register of a meeting: attendance by day, new people, exports and imports."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from meetings import exports, imports
from meetings.forms import (
    NewAttendeeForm,
    RegisterImportForm,
)
from meetings.models import (
    ATTENDANCE_STATUS_LABELS,
    Meeting,
)
from meetings.services import queries, register
from meetings.views import bp
from meetings.views.lists import parse_day
from partnership.extensions import db
from partnership.forms import save_action, save_form
from partnership.organisations import services as org_services
from partnership.organisations.models import (
    POLICE_KINDS,
    OrganisationKind,
    Person,
    PersonKind,
)
from partnership.pagination import arg_int, form_int, form_ints
from partnership.permissions import can_see_community_names
from partnership.signals import meeting_page_links
from partnership.spreadsheets import send_table

# ---- register ----------------------------------------------------------------------------------


def _register_page(meeting: Meeting, new_person_form=None, status: int = 200):  # noqa: ANN001, ANN202
    attendees = register.register_of(meeting)
    # A page of the register at a time: a national workshop's 300 people, each with a choice
    # per day, would make one page of several hundred kilobytes on a phone.
    page = register.RegisterPage(attendees, arg_int("page") or 1)
    return render_template(
        "meetings/register_form.html",
        meeting=meeting,
        attendees=page.items,
        register_page=page,
        roster=register.roster_for(meeting, attendees),
        statuses=ATTENDANCE_STATUS_LABELS,
        new_person_form=new_person_form or _new_person_form(meeting),
        PersonKind=PersonKind,
        # Links that higher layers add (curricula: entering a training's scores).
        extra_links=[
            link
            for _receiver, links in meeting_page_links.send(
                meeting, user=current_user, page="register"
            )
            for link in (links or [])
        ],
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
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    if request.method == "GET":
        return _register_page(meeting)
    attendees = register.register_of(meeting)
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
    changes = register.set_marks(meeting, attendees, marks)
    if action.startswith("all-present"):
        day = None
        if action != "all-present":
            day = parse_day(action.removeprefix("all-present-"))
            if day not in meeting.days:
                abort(400)
        changes += register.mark_all_present(meeting, attendees, day)
    db.session.commit()
    flash(
        ngettext_changes(changes),
        "success",
    )
    return redirect(url_for("meetings.register_edit", meeting_id=meeting.id, page=arg_int("page")))


def ngettext_changes(n: int) -> str:
    from flask_babel import ngettext

    if n == 0:
        return _("The register is saved; nothing changed.")
    return ngettext(
        "The register is saved: %(num)s change.", "The register is saved: %(num)s changes.", n
    )


@bp.post("/<int:meeting_id>/register/add")
def attendee_add(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    ids = form_ints("person_ids")
    if not ids:
        flash(_("Tick the people to add to the register."), "error")
        return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))
    saved = save_action(lambda: register.add_attendees(meeting, ids))
    if saved.ok:
        flash(_("%(n)s added to the register.", n=len(saved.record)), "success")
    else:
        flash(saved.refused, "error")
    return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))


@bp.post("/<int:meeting_id>/register/new-person")
def attendee_create(meeting_id: int):
    """Record someone who is not in the system yet and put them on the register."""
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = _new_person_form(meeting)
    if form.validate_on_submit():

        def add_new_person(data: dict) -> Person:
            person = org_services.create_person(
                {"kind": data["kind"], "name": data["name"],
                 "organisation_id": data["organisation_id"], "rank": data["rank"] or "",
                 "unit": data["unit"] or "", "posted_since": meeting.local_start.date()}
            )  # fmt: skip
            register.add_attendee(meeting, person)
            return person

        saved = save_form(form, add_new_person)
        if saved.ok:
            person = saved.record
            flash(_("%(name)s was added to the register.", name=person.name), "success")
            return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))
    return _register_page(meeting, form, 422)


@bp.post("/<int:meeting_id>/register/remove")
def attendee_remove(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    attendee_id = form_int("attendee_id")
    if attendee_id is None:
        flash(_("Choose who to remove from the register."), "error")
    else:
        register.remove_attendee(meeting, attendee_id)
        db.session.commit()
        flash(_("Removed from the register."), "success")
    return redirect(url_for("meetings.register_edit", meeting_id=meeting.id))


@bp.get("/<int:meeting_id>/register.<fmt>")
def register_export(meeting_id: int, fmt: str):
    meeting = queries.get_meeting_or_404(meeting_id, current_user)
    shown, _not_shown = register.visible_register(register.register_of(meeting), current_user)
    table = exports.register_table(meeting, shown, can_see_community_names(current_user))
    return send_table(table, f"register-meeting-{meeting.id}", fmt)


@bp.get("/<int:meeting_id>/register-template.<fmt>")
def register_template(meeting_id: int, fmt: str):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    return send_table(exports.register_template(meeting), f"register-template-{meeting.id}", fmt)


@bp.route("/<int:meeting_id>/register/import", methods=["GET", "POST"])
def register_import(meeting_id: int):
    """Upload, then review, then write: nothing is saved until every row is right."""
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = RegisterImportForm()
    context = {"meeting": meeting, "form": form, "result": None, "payload": None, "errors": []}
    if request.method == "POST" and request.form.get("step") == "confirm":
        try:
            result = imports.unpack(request.form.get("payload", ""), meeting)
        except imports.RegisterFileError as error:
            flash(error.message, "error")
            return render_template("meetings/register_import.html", **context), 422
        choices = {row.line: request.form.get(f"match-{row.line}", "") for row in result.ambiguous}
        problems = imports.apply_import(meeting, result, choices)
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
