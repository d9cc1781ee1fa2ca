"""Scheduling a meeting or a series, its page, and edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from meetings.forms import (
    AgendaItemForm,
    DecisionForm,
    MeetingForm,
)
from meetings.models import (
    Meeting,
    MeetingKind,
    MeetingStatus,
)
from meetings.services import agenda, lifecycle, queries, register, scheduling
from meetings.views import bp
from partnership.caching import REPLAYED_FLAGS, cached, page_key, valid_until
from partnership.extensions import db
from partnership.forms import FieldError, save_form
from partnership.mixins import utcnow
from partnership.organisations import services as org_services
from partnership.organisations.models import (
    Organisation,
    PersonKind,
)
from partnership.pagination import arg_int, arg_str
from partnership.permissions import (
    can,
    can_agree_action_point,
    can_see_community_names,
    can_see_security_notes,
)
from partnership.signals import meeting_page_links

# ---- scheduling --------------------------------------------------------------------------------


def _meeting_form(**kwargs) -> MeetingForm:  # noqa: ANN003
    return MeetingForm(
        kinds=queries.editable_kinds(current_user) or list(MeetingKind),
        stations=org_services.stations(),
        organisers=queries.organiser_choices(),
        facilitators=queries.facilitator_choices(),
        **kwargs,
    )


def _recurrence(form: MeetingForm) -> scheduling.Recurrence | None:
    if form.repeat.data not in ("weekly", "monthly"):
        return None
    if not form.repeat_interval.data:
        raise FieldError("repeat_interval", _("Say how often the meeting repeats."))
    if not form.repeat_count.data:
        raise FieldError("repeat_count", _("Say how many meetings the series has."))
    monthly_on = form.repeat_monthly_on.data or "day"
    if monthly_on not in scheduling.MONTHLY_ON:
        raise FieldError("repeat_monthly_on", _("Choose a day of the month from the list."))
    return scheduling.Recurrence(
        form.repeat.data, form.repeat_interval.data, form.repeat_count.data, monthly_on
    )


def _conflicts_for_new(windows: list[tuple], data: dict) -> list[str]:
    zone = ZoneInfo(data["timezone"])
    warnings: list[str] = []
    for start, end in windows:
        warnings += scheduling.find_conflicts(
            start, end, zone, data["station_ids"], data["facilitator_ids"]
        )
    return warnings


def _dates_key(windows: list[tuple], zone: ZoneInfo) -> str:
    """What the preview showed: the local start of every meeting of the series."""
    return ",".join(start.astimezone(zone).strftime("%Y-%m-%dT%H:%M") for start, _end in windows)


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
        if kind in {k.value for k in queries.editable_kinds(current_user)}:
            form.kind.data = kind
        form.timezone.data = form.timezone.data or current_user.timezone
        form.organiser_id.data = current_user.organisation_id
        form.facilitator_ids.data = [current_user.id]
        form.start_time.data = time(10, 0)
        form.end_time.data = time(12, 0)
    warnings: list[str] = []
    preview: list[datetime] = []
    if form.validate_on_submit():

        def schedule(data: dict) -> list[Meeting]:
            """Scheduled once a series' dates were shown (the preview step) and any clash was
            seen; until then nothing is written."""
            recurrence = _recurrence(form)
            windows = scheduling.series_windows(data, recurrence)
            warnings.extend(_conflicts_for_new(windows, data))
            zone = ZoneInfo(data["timezone"])
            key = _dates_key(windows, zone)
            if recurrence is not None and form.confirmed_dates.data != key:
                preview.extend(start.astimezone(zone) for start, _end in windows)
                form.confirmed_dates.data = key
                return []
            if warnings and not form.proceed.data:
                return []
            return scheduling.create_meetings(data, current_user, recurrence)

        saved = save_form(form, schedule)
        if not saved.ok:
            warnings = []
        created = saved.record
        if created:
            if len(created) > 1:
                flash(_("A series of %(n)s meetings was scheduled.", n=len(created)), "success")
            else:
                flash(_("“%(title)s” was scheduled.", title=created[0].title), "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=created[0].id))
    status = 422 if (form.errors or (warnings and not preview)) else 200
    return render_template(
        "meetings/meeting_form.html", form=form, meeting=None, warnings=warnings, preview=preview
    ), status


@bp.get("/<int:meeting_id>")
def meeting_detail(meeting_id: int):
    user = current_user._get_current_object()
    number = max(arg_int("register") or 1, 1)
    # The whole page but its forms (facts, agenda, register, minutes, decisions, the loop,
    # history, and what the forms need) is kept until a write changes what it was read from
    # (partnership.caching), for who looks: one read of the cache, no query. The content holds
    # no form and no token: its buttons and fields name, by their form attribute, the few
    # small forms rendered afresh around it with this session's token.
    kept = cached(
        "meeting-page",
        lambda: _kept_page(meeting_id, number, user),
        page_key(user),
        meeting_id,
        number,
    )
    # Never kept for who may not see the meeting; checked again all the same.
    queries.check_may_see(kept.head, user)
    for flag in kept.marks:
        setattr(g, flag, True)
    return render_template(
        "meetings/meeting_detail.html",
        meeting=kept.head,
        # Our own template's output, escaped when it was rendered.
        content=Markup(kept.html),  # noqa: S704
        forms=kept.forms,
    )


@dataclass(frozen=True)
class KeptMeetingPage:
    """A meeting's page as kept (under the name "meeting-page": a new name when its shape
    changes, so that a copy kept by an older release is never read)."""

    head: queries.MeetingHead
    html: str
    # Request marks the content left (restricted details: the page is not kept offline).
    marks: tuple[str, ...]
    # The forms the content's buttons and fields name, for who looks: id -> (action, question
    # asked first); none for who may neither edit nor review at the meeting.
    forms: dict[str, tuple[str, str]]


# The forms of a meeting's page, rendered afresh around its kept content: the ids its buttons
# and fields name in their form attribute.
FORMS = {
    "buttons": "meeting-buttons",
    "agenda_add": "agenda-add",
    "agenda_remove": "agenda-item-remove",
    "decision_add": "decision-add",
    "decision_remove": "decision-remove",
}


def _kept_page(meeting_id: int, number: int, user) -> KeptMeetingPage:  # noqa: ANN001
    head = queries.meeting_head_or_404(meeting_id)
    queries.check_may_see(head, user)
    outer = {flag: g.pop(flag, None) for flag in REPLAYED_FLAGS}
    try:
        html = _render_content(meeting_id, number, user)
        marks = tuple(flag for flag in REPLAYED_FLAGS if g.get(flag))
    finally:
        for flag, value in outer.items():
            if value:
                setattr(g, flag, value)
    forms: dict[str, tuple[str, str]] = {}
    if queries.can_edit_meeting(user, head) or _may_review(user, head):
        forms[FORMS["buttons"]] = ("", "")
    if queries.can_edit_meeting(user, head):
        forms[FORMS["agenda_add"]] = (url_for("meetings.agenda_item_add", meeting_id=head.id), "")
        forms[FORMS["agenda_remove"]] = ("", _("Remove this agenda item?"))
        forms[FORMS["decision_add"]] = (url_for("meetings.decision_add", meeting_id=head.id), "")
        forms[FORMS["decision_remove"]] = ("", _("Remove this decision?"))
    return KeptMeetingPage(head, html, marks, forms)


def _may_review(user, meeting) -> bool:  # noqa: ANN001
    return can("meetings.action_point_review", user) and can_agree_action_point(user, meeting)


def _render_content(meeting_id: int, number: int, user) -> str:  # noqa: ANN001
    meeting = queries.get_meeting_or_404(meeting_id, user)
    if meeting.starts_at > utcnow():
        # "Mark as held" is offered once the meeting has started.
        valid_until(meeting.starts_at)
    attendees = register.register_lines(meeting.id)
    shown, not_shown = register.visible_register(attendees, user)
    page = register.RegisterPage(shown, number)
    editable = queries.can_edit_meeting(user, meeting)
    return render_template(
        "meetings/_meeting_page.html",
        meeting=meeting,
        forms=FORMS,
        review_form=FORMS["buttons"],
        editable=editable,
        show_security_notes=can_see_security_notes(user),
        show_minutes=queries.sees_minutes(user),
        minutes=agenda.minutes_text(meeting),
        agenda_form=AgendaItemForm(prefix="agenda", meta={"csrf": False}),
        decision_form=DecisionForm(prefix="decision", meta={"csrf": False}),
        transitions={s: lifecycle.can_transition(meeting, s) for s in MeetingStatus},
        MeetingStatus=MeetingStatus,
        loop_data=agenda.meeting_loop(meeting, user),
        # Links that higher layers add to the page (curricula: the training set up on it).
        extra_links=[
            link
            for _receiver, links in meeting_page_links.send(meeting, user=user)
            for link in (links or [])
        ],
        attendees=page.items,
        register_page=page,
        attendees_not_shown=not_shown,
        summary=register.register_summary(meeting, attendees),
        show_names=queries.sees_register_names(user),
        show_community_names=can_see_community_names(user),
        PersonKind=PersonKind,
        register_labels=register.labels(),
    )


def fill_times(form, meeting: Meeting) -> None:  # noqa: ANN001
    form.start_date.data = meeting.local_start.date()
    form.start_time.data = meeting.local_start.time()
    form.end_date.data = meeting.local_end.date()
    form.end_time.data = meeting.local_end.time()


@bp.route("/<int:meeting_id>/edit", methods=["GET", "POST"])
def meeting_edit(meeting_id: int):
    meeting = queries.get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = _meeting_form(obj=meeting)
    if request.method == "GET":
        form.kind.data = meeting.kind.value
        form.version.data = meeting.version
        form.station_ids.data = [s.id for s in meeting.stations]
        form.facilitator_ids.data = [u.id for u in meeting.facilitators]
        fill_times(form, meeting)
    if not can_see_security_notes(current_user):  # pragma: no cover - editors are NGO roles
        form.security_notes.data = meeting.security_notes
    conflict = None
    warnings: list[str] = []
    if form.validate_on_submit():
        scope = form.scope.data if meeting.series_id else "this"

        def update(data: dict) -> list[Meeting]:
            """Saved unless the new time clashes and the user has not said to go ahead."""
            starts, ends = scheduling.meeting_window(data)
            if (starts, ends) != (meeting.starts_at, meeting.ends_at) and not form.proceed.data:
                warnings.extend(scheduling.find_conflicts(
                    starts, ends, ZoneInfo(data["timezone"]), data["station_ids"],
                    data["facilitator_ids"], exclude_ids={meeting.id},
                ))  # fmt: skip
            if warnings:
                return []
            return scheduling.update_meeting(meeting, data, current_user, scope)

        saved = save_form(form, update, meeting)
        conflict = saved.conflict
        if saved.ok and not warnings:
            changed = saved.record
            if len(changed) > 1:
                flash(
                    _(
                        "Your changes were saved to %(n)s meetings of the series.",
                        n=len(changed),
                    ),
                    "success",
                )
            else:
                flash(_("Your changes to “%(title)s” were saved.", title=meeting.title), "success")
            return redirect(url_for("meetings.meeting_detail", meeting_id=meeting.id))
    status = 409 if conflict is not None else (422 if (form.errors or warnings) else 200)
    return render_template(
        "meetings/meeting_form.html",
        form=form,
        meeting=meeting,
        warnings=warnings,
        conflict=conflict,
    ), status
