"""Concerns, action points, follow-ups, the officer's review, measures and the station brief."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy.orm.exc import StaleDataError

from partnership import audit, disclosure
from partnership.actions import exports, measures, services
from partnership.actions.forms import (
    ActionPointForm,
    AnnotationForm,
    ConcernForm,
    ConcernStatusForm,
    FollowUpForm,
    VerifyForm,
)
from partnership.actions.models import (
    ActionStatus,
    ConcernCategory,
    ConcernStatus,
    Side,
)
from partnership.extensions import db
from partnership.forms import FieldError, attach_field_error
from partnership.organisations.models import OrganisationKind
from partnership.organisations.services import (
    get_organisation_or_404,
    organisations_of_kinds,
    stations,
)
from partnership.pagination import arg_bool, arg_int, arg_str, paginate
from partnership.permissions import (
    can_acknowledge_action_point,
    can_agree_action_point,
    can_see_restricted_details,
    can_update_action_point,
    can_verify_action_point,
    is_police,
    sees_concern_summaries,
)
from partnership.spreadsheets import send_table

bp = Blueprint("actions", __name__)


# ---- concerns ----------------------------------------------------------------------------------


def _concern_filters() -> services.ConcernFilters:
    return services.ConcernFilters(
        q=arg_str("q"),
        status=arg_str("status"),
        category=arg_str("category"),
        station_id=arg_int("station"),
        open_only=arg_bool("open"),
    )


@bp.get("/concerns")
def concern_list():
    filters = _concern_filters()
    page = paginate(services.concern_query(current_user, filters))
    return render_template(
        "actions/concern_list.html",
        page=page,
        filters=filters,
        statuses=list(ConcernStatus),
        categories=list(ConcernCategory),
        stations=stations(current_user),
    )


@bp.get("/concerns/export.<fmt>")
def concern_export(fmt: str):
    concerns = db.session.scalars(services.concern_query(current_user, _concern_filters()))
    table = exports.concerns_table(concerns, can_see_restricted_details(current_user))
    return send_table(table, "concerns", fmt)


def _concern_form(**kwargs) -> ConcernForm:  # noqa: ANN003
    return ConcernForm(
        stations=stations(),
        organisations=organisations_of_kinds(
            [OrganisationKind.NGO, OrganisationKind.SERVICE, OrganisationKind.COMMUNITY_GROUP]
        ),
        **kwargs,
    )


def _concern_data(form: ConcernForm) -> dict:
    return {name: f.data for name, f in form._fields.items()}


@bp.route("/concerns/new", methods=["GET", "POST"])
def concern_create():
    form = _concern_form()
    if request.method == "GET":
        form.station_id.data = arg_int("station")
        form.occurred_on.data = date.today()
        form.raised_by_id.data = current_user.organisation_id
    if form.validate_on_submit():
        try:
            concern = services.create_concern(_concern_data(form), current_user)
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("The concern was logged."), "success")
            return redirect(url_for("actions.concern_detail", concern_id=concern.id))
    return render_template("actions/concern_form.html", form=form, concern=None), (
        422 if form.errors else 200
    )


@bp.get("/concerns/<int:concern_id>")
def concern_detail(concern_id: int):
    concern = services.get_concern_or_404(concern_id, current_user)
    editor = can_see_restricted_details(current_user)
    return render_template(
        "actions/concern_detail.html",
        concern=concern,
        show_restricted=editor,
        notes=services.visible_notes(concern, current_user),
        status_form=ConcernStatusForm(allowed=services.concern_transitions(concern))
        if editor
        else None,
        note_form=AnnotationForm() if editor else None,
    )


@bp.route("/concerns/<int:concern_id>/edit", methods=["GET", "POST"])
def concern_edit(concern_id: int):
    concern = services.get_concern_or_404(concern_id, current_user, for_edit=True)
    if concern.sealed:
        flash(_("This concern is sealed: it can only be annotated."), "error")
        return redirect(url_for("actions.concern_detail", concern_id=concern.id))
    form = _concern_form(obj=concern)
    if request.method == "GET":
        form.category.data = concern.category.value
        form.consent_scope.data = concern.consent_scope.value
        form.version.data = concern.version
    conflict = None
    if form.validate_on_submit():
        try:
            audit.check_version(concern, form.loaded_version())
            services.update_concern(concern, _concern_data(form))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, concern)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("actions.concern_detail", concern_id=concern.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template(
        "actions/concern_form.html", form=form, concern=concern, conflict=conflict
    ), status


@bp.post("/concerns/<int:concern_id>/status")
def concern_status(concern_id: int):
    concern = services.get_concern_or_404(concern_id, current_user, for_edit=True)
    form = ConcernStatusForm(allowed=list(ConcernStatus))
    if form.validate_on_submit():
        try:
            services.change_concern_status(
                concern, ConcernStatus(form.status.data), form.reason.data or ""
            )
            db.session.commit()
        except (services.TransitionError, FieldError) as error:
            db.session.rollback()
            flash(str(getattr(error, "message", error)), "error")
        else:
            flash(_("The concern is now “%(status)s”.", status=concern.status.label), "success")
    else:
        flash(_("Choose a status."), "error")
    return redirect(url_for("actions.concern_detail", concern_id=concern_id))


@bp.post("/concerns/<int:concern_id>/seal")
def concern_seal(concern_id: int):
    concern = services.get_concern_or_404(concern_id, current_user, for_edit=True)
    try:
        services.seal_concern(concern, current_user)
        db.session.commit()
    except services.SealedError:
        db.session.rollback()
        flash(_("This concern is already sealed."), "error")
    else:
        flash(_("The concern is sealed: from now on it can only be annotated."), "success")
    return redirect(url_for("actions.concern_detail", concern_id=concern_id))


@bp.post("/concerns/<int:concern_id>/notes")
def concern_annotate(concern_id: int):
    concern = services.get_concern_or_404(concern_id, current_user, for_edit=True)
    form = AnnotationForm()
    if form.validate_on_submit():
        services.annotate_concern(concern, current_user, form.text.data, form.restricted.data)
        db.session.commit()
        flash(_("The note was added."), "success")
    else:
        flash(_("Write the note."), "error")
    return redirect(url_for("actions.concern_detail", concern_id=concern_id))


# ---- action points -----------------------------------------------------------------------------


def _action_point_filters() -> services.ActionPointFilters:
    return services.ActionPointFilters(
        q=arg_str("q"),
        status=arg_str("status"),
        station_id=arg_int("station"),
        side=arg_str("side"),
        overdue=arg_bool("overdue"),
        open_only=arg_bool("open"),
    )


@bp.get("/action-points")
def action_point_list():
    filters = _action_point_filters()
    page = paginate(services.action_point_query(current_user, filters))
    return render_template(
        "actions/action_point_list.html",
        page=page,
        filters=filters,
        statuses=list(ActionStatus),
        sides=list(Side),
        stations=stations(current_user),
    )


@bp.get("/action-points/export.<fmt>")
def action_point_export(fmt: str):
    points = db.session.scalars(services.action_point_query(current_user, _action_point_filters()))
    return send_table(exports.action_points_table(points), "action-points", fmt)


def _action_point_form(station_id: int | None, **kwargs) -> ActionPointForm:  # noqa: ANN003
    open_concerns = services.open_concerns_of_stations([station_id]) if station_id else []
    point = kwargs.get("obj")
    if point is not None:
        open_concerns = list({c.id: c for c in [*open_concerns, *point.concerns]}.values())
    return ActionPointForm(
        stations=stations(),
        concerns=open_concerns,
        officers=services.police_owner_choices(station_id),
        ngo_users=services.ngo_owner_choices(),
        **kwargs,
    )


def _action_point_data(form: ActionPointForm) -> dict:
    return {name: f.data for name, f in form._fields.items()}


@bp.route("/action-points/new", methods=["GET", "POST"])
def action_point_create():
    station_id = request.form.get("station_id", type=int) or arg_int("station")
    meeting_id = request.form.get("meeting_id", type=int) or arg_int("meeting")
    meeting = _origin_meeting(meeting_id) if meeting_id else None
    if meeting is not None and not can_agree_action_point(current_user, meeting):
        # The meeting page hides the button; a direct request is refused the same way.
        flash(_("No action point can be agreed at a cancelled meeting."), "error")
        return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id), 303)
    form = _action_point_form(station_id)
    if request.method == "GET":
        form.station_id.data = station_id
        concern_id = arg_int("concern")
        if concern_id:
            form.concern_ids.data = [concern_id]
    if form.validate_on_submit():
        try:
            point = services.create_action_point(
                _action_point_data(form), current_user, meeting_id=meeting.id if meeting else None
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        else:
            flash(_("The action point was added."), "success")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
    return render_template(
        "actions/action_point_form.html", form=form, point=None, meeting=meeting
    ), (422 if form.errors else 200)


def _origin_meeting(meeting_id: int):  # noqa: ANN202
    """The meeting an action point is agreed at; 404 when it does not exist."""
    from partnership.actions.meetings_link import get_meeting

    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


@bp.get("/action-points/<int:point_id>")
def action_point_detail(point_id: int):
    point = services.get_action_point_or_404(point_id, current_user)
    return _render_detail(point)


def _render_detail(point, follow_up_form=None, verify_form=None, status: int = 200):  # noqa: ANN001, ANN202
    may_update = can_update_action_point(current_user, point)
    allowed = services.allowed_status_changes(point, current_user) if may_update else []
    if follow_up_form is None and may_update:
        follow_up_form = FollowUpForm(allowed=allowed)
        follow_up_form.on_date.data = date.today()
    may_verify = can_verify_action_point(current_user, point)
    if verify_form is None and may_verify:
        verify_form = VerifyForm()
    # Viewers read action points but only aggregates of concerns.
    concerns = point.concerns if sees_concern_summaries(current_user) else []
    from partnership.actions.meetings_link import get_meeting

    return render_template(
        "actions/action_point_detail.html",
        point=point,
        origin=get_meeting(point.origin_meeting_id) if point.origin_meeting_id else None,
        concerns=concerns,
        timeline=services.action_point_timeline(point),
        follow_up_form=follow_up_form if may_update else None,
        verify_form=verify_form if may_verify else None,
        may_acknowledge=can_acknowledge_action_point(current_user, point),
        overdue_days=point.overdue_days(date.today()),
        escalated=services.is_escalated(point),
    ), status


@bp.route("/action-points/<int:point_id>/edit", methods=["GET", "POST"])
def action_point_edit(point_id: int):
    point = services.get_action_point_or_404(point_id, current_user, for_edit=True)
    station_id = request.form.get("station_id", type=int) or point.station_id
    form = _action_point_form(station_id, obj=point)
    if request.method == "GET":
        form.priority.data = point.priority.value
        form.concern_ids.data = [c.id for c in point.concerns]
        form.version.data = point.version
    conflict = None
    if form.validate_on_submit():
        try:
            audit.check_version(point, form.loaded_version())
            services.update_action_point(point, _action_point_data(form))
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except (audit.EditConflict, StaleDataError) as exc:
            db.session.rollback()
            conflict = audit.conflict_entries(exc, point)
        else:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template(
        "actions/action_point_form.html", form=form, point=point, conflict=conflict, meeting=None
    ), status


@bp.post("/action-points/<int:point_id>/follow-up")
def action_point_follow_up(point_id: int):
    point = services.get_action_point_or_404(point_id, current_user)
    if not can_update_action_point(current_user, point):
        abort(403)
    form = FollowUpForm(allowed=list(ActionStatus))
    if form.validate_on_submit():
        try:
            services.add_follow_up(
                point,
                current_user,
                note=form.note.data or "",
                on_date=form.on_date.data,
                to_status=ActionStatus(form.status.data) if form.status.data else None,
                action_taken=form.action_taken.data or "",
                reason=form.reason.data or "",
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except services.TransitionError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The follow-up was recorded."), "success")
            return redirect(_back(point))
    point = services.get_action_point_or_404(point_id, current_user)
    form.status.choices = FollowUpForm(
        allowed=services.allowed_status_changes(point, current_user)
    ).status.choices
    return _render_detail(point, follow_up_form=form, status=422)


def _back(point) -> str:  # noqa: ANN001
    """Back to the officer's review when the change was made there, else to the point."""
    if request.form.get("next") == "review" and is_police(current_user):
        return url_for("actions.my_review")
    return url_for("actions.action_point_detail", point_id=point.id)


@bp.post("/action-points/<int:point_id>/acknowledge")
def action_point_acknowledge(point_id: int):
    point = services.get_action_point_or_404(point_id, current_user)
    try:
        services.acknowledge_action_point(point, current_user)
        db.session.commit()
    except services.TransitionError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("You acknowledged this action point."), "success")
    return redirect(_back(point))


@bp.route("/action-points/<int:point_id>/verify", methods=["GET", "POST"])
def action_point_verify(point_id: int):
    point = services.get_action_point_or_404(point_id, current_user)
    if not can_verify_action_point(current_user, point):
        abort(403)
    form = VerifyForm()
    if request.method == "GET":
        return render_template("actions/verify_form.html", form=form, point=point)
    if form.validate_on_submit():
        try:
            services.verify_action_point(
                point, current_user, form.adequate.data == "yes", form.note.data or ""
            )
            db.session.commit()
        except FieldError as error:
            db.session.rollback()
            attach_field_error(form, error)
        except services.TransitionError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            flash(_("The verification was recorded."), "success")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
    return render_template("actions/verify_form.html", form=form, point=point), 422


@bp.post("/meetings/<int:meeting_id>/action-points/<int:point_id>/review")
def action_point_review(meeting_id: int, point_id: int):
    """Record that the point was reviewed at the meeting (optionally with a note)."""
    from partnership.actions.meetings_link import meeting_station_ids

    meeting = _origin_meeting(meeting_id)
    point = services.get_action_point_or_404(point_id, current_user)
    if point.station_id not in meeting_station_ids(meeting.id):
        abort(404)
    services.record_review_at_meeting(
        point, current_user, meeting.id, (request.form.get("note") or "")[:2000]
    )
    db.session.commit()
    flash(
        _("Recorded that “%(title)s” was reviewed at this meeting.", title=point.title), "success"
    )
    return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id) + "#loop")


@bp.app_template_global()
def meeting_loop(meeting):  # noqa: ANN001, ANN201
    """For the meeting page's problem-solving section."""
    return services.meeting_loop(meeting.id, [s.id for s in meeting.stations], current_user)


# ---- officer review, measures, station brief ---------------------------------------------------


@bp.get("/my-review")
def my_review():
    review = services.review_for(current_user)
    return render_template(
        "actions/my_review.html", review=review, today=date.today(), FollowUpForm=FollowUpForm
    )


@bp.get("/measures", endpoint="measures")
def measures_page():
    return render_template(
        "actions/measures.html",
        rows=measures.action_point_measures(current_user),
        by_month=measures.concerns_by_category_month(current_user),
        suppress=disclosure.applies_to(current_user),
    )


def _since() -> date | None:
    value = arg_str("since")
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _brief_station(station_id: int):  # noqa: ANN202
    station = get_organisation_or_404(station_id, current_user)
    if not station.is_station:
        abort(404)
    return station


@bp.get("/stations/<int:station_id>/brief")
def station_brief(station_id: int):
    station = _brief_station(station_id)
    brief = measures.station_brief(station, current_user, _since())
    return render_template("actions/station_brief.html", brief=brief)


@bp.get("/stations/<int:station_id>/brief.pdf")
def station_brief_pdf(station_id: int):
    from partnership.actions.pdf import brief_pdf

    station = _brief_station(station_id)
    brief = measures.station_brief(station, current_user, _since())
    response = Response(brief_pdf(brief), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="brief-{station.id}.pdf"'
    return response


LOOP_REF = re.compile(r"\b(C|AP)-(\d{1,9})\b")


@bp.app_template_filter("loop_refs")
def loop_refs(text: str) -> Markup:
    """Minutes text with references to concerns (C-12) and action points (AP-34) as links;
    the page that opens still applies the reader's access rules."""
    escaped = str(escape(text or ""))

    def link(match: re.Match) -> str:
        kind, number = match.group(1), int(match.group(2))
        url = (
            url_for("actions.concern_detail", concern_id=number)
            if kind == "C"
            else url_for("actions.action_point_detail", point_id=number)
        )
        return f'<a href="{url}">{match.group(0)}</a>'

    # Safe: the text was escaped above; only our own links (digits and url_for) are inserted.
    return Markup(LOOP_REF.sub(link, escaped))  # noqa: S704
