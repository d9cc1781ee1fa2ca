"""Action points: list, export, create (from a concern or at a meeting), the point's page and
edits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from partnership.actions import exports
from partnership.actions.forms import (
    ActionPointForm,
    FollowUpForm,
    VerifyForm,
)
from partnership.actions.models import (
    ActionPoint,
    ActionStatus,
    Side,
    action_point_concerns,
)
from partnership.actions.services import action_points as point_services
from partnership.actions.services import concerns as concern_services
from partnership.actions.services import point_timeline
from partnership.actions.views import bp
from partnership.actions.views.concerns import ResolvableConcern, resolve_form_from
from partnership.caching import cached, depends_on, page_key, render_kept
from partnership.forms import save_form
from partnership.jobs.exports import ExportSource, ListExport, list_export, register_export
from partnership.organisations.services import place_choices, station_choices, stations
from partnership.pagination import arg_bool, arg_date, arg_int, arg_str, form_int, paginate
from partnership.permissions import (
    can_acknowledge_action_point,
    can_resolve_concern,
    can_update_action_point,
    can_verify_action_point,
    sees_concern_summaries,
)
from partnership.spreadsheets import streamed

# ---- action points -----------------------------------------------------------------------------


def _action_point_filters() -> point_services.ActionPointFilters:
    return point_services.ActionPointFilters(
        q=arg_str("q"),
        status=arg_str("status"),
        station_id=arg_int("station"),
        side=arg_str("side"),
        overdue=arg_bool("overdue"),
        open_only=arg_bool("open"),
        escalated=arg_bool("escalated"),
        country=arg_str("country"),
        command_id=arg_int("command"),
        verified_from=arg_date("verified_from"),
        verified_to=arg_date("verified_to"),
    )


@bp.get("/action-points")
def action_point_list():
    # Kept rendered for who looks and the address (filters, page) until a write changes what
    # it was read from (partnership.caching); it holds no form that posts.
    filters = _action_point_filters()
    return render_kept(
        "actions/action_point_list.html",
        "actions/_action_point_list_body.html",
        lambda: _action_point_list_context(filters),
    )


def _action_point_list_context(filters: point_services.ActionPointFilters) -> dict:
    return {
        "page": paginate(
            point_services.action_point_list_query(current_user, filters),
            # A search is counted by another plan than the one its page is read by.
            count_stmt=point_services.action_point_count_query(current_user, filters)
            if filters.q
            else None,
        ),
        "filters": filters,
        "statuses": list(ActionStatus),
        "sides": list(Side),
        "stations": station_choices(current_user),
        **place_choices(current_user, filters.country),
    }


def _action_points_export(user) -> ExportSource:  # noqa: ANN001
    query = point_services.action_point_query(user, _action_point_filters())
    return ExportSource(query, lambda: exports.action_points_table(streamed(query)))


register_export(
    ListExport("action-points", "action-points", "actions.action_point_list", _l("Action points"),
               _action_points_export)
)  # fmt: skip


@bp.get("/action-points/export.<fmt>")
def action_point_export(fmt: str):
    return list_export("action-points", fmt)


def action_point_form(station_id: int | None, **kwargs) -> ActionPointForm:  # noqa: ANN003
    open_concerns = concern_services.open_concerns_of_stations([station_id]) if station_id else []
    point = kwargs.get("obj")
    if point is not None:
        open_concerns = list({c.id: c for c in [*open_concerns, *point.concerns]}.values())
    return ActionPointForm(
        stations=stations(),
        concerns=open_concerns,
        officers=point_services.police_owner_choices(station_id),
        ngo_users=point_services.ngo_owner_choices(),
        **kwargs,
    )


@bp.route("/action-points/new", methods=["GET", "POST"])
def action_point_create():
    station_id = form_int("station_id") or arg_int("station")
    form = action_point_form(station_id)
    if request.method == "GET":
        form.station_id.data = station_id
        concern_id = arg_int("concern")
        if concern_id:
            form.concern_ids.data = [concern_id]
    if form.validate_on_submit():
        saved = save_form(form, lambda data: point_services.create_action_point(data, current_user))
        if saved.ok:
            point = saved.record
            flash(_("The action point was added."), "success")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
    return render_template("actions/action_point_form.html", form=form, point=None), (
        422 if form.errors else 200
    )


@bp.get("/action-points/<int:point_id>")
def action_point_detail(point_id: int):
    return render_detail(point_id)


# The page's own forms, rendered afresh on every load; the kept parts' fields and buttons
# belong to them by these ids.
ACK_FORM, VERIFY_FORM, FOLLOW_UP_FORM = "acknowledge-form", "verify-form", "follow-up-form"


@dataclass(frozen=True)
class PointHead:
    """What the page needs of the point besides its kept parts: who may see it (its station)
    and its title."""

    id: int
    title: str
    station_id: int


@dataclass(frozen=True)
class KeptPointPage:
    """A point's page as kept (under the name "action-point-page": a new name when its shape
    changes, so that a copy kept by an older release is never read)."""

    head: PointHead
    # Rendered parts (HTML) and what the reader may do (flags).
    parts: dict
    # Once verified, the concerns it answers that have nothing left to do.
    resolvable: tuple[ResolvableConcern, ...]


def render_detail(  # noqa: ANN202
    point_id: int,
    point=None,  # noqa: ANN001
    follow_up_form=None,  # noqa: ANN001
    verify_form=None,  # noqa: ANN001
    status: int = 200,
    conflict=None,  # noqa: ANN001
):
    """The point's page: kept whole but its forms (one read of the cache, no query) for who
    looks until a write changes what it was read from. ``follow_up_form``, ``verify_form``:
    sent back with their errors (or a conflict), rendered afresh in full with ``point``."""
    user = current_user._get_current_object()
    timeline_page = request.args.get("timeline", 1, type=int) or 1
    kept = cached(
        "action-point-page",
        lambda: _kept_point_page(point_id, user, timeline_page),
        page_key(user),
        point_id,
        timeline_page,
    )
    # Never kept for who may not see the point; checked again all the same.
    point_services.check_may_see(kept.head.station_id, user)
    # Our own templates' output, escaped when it was rendered.
    parts = {
        name: Markup(value) if isinstance(value, str) else value  # noqa: S704
        for name, value in kept.parts.items()
    }
    if verify_form is not None:
        # Verified on the point's page, beside the follow-up form: its note needs its own id.
        verify_form.note.id = verify_form.note.label.field_id = "verify-note"
    # Once verified, the concerns it answers that have nothing left to do are offered for
    # resolution here too: the next step of the loop, one click away.
    resolvable = [
        (concern, resolve_form_from(concern.id, concern.outcome, concern.version))
        for concern in kept.resolvable
        if can_resolve_concern(user, concern)
    ]
    return render_template(
        "actions/action_point_detail.html",
        point=point if point is not None else kept.head,
        parts=parts,
        resolvable=resolvable,
        follow_up_form=follow_up_form if parts["may_update"] else None,
        verify_form=verify_form if parts["may_verify"] else None,
        conflict=conflict,
        ack_form=ACK_FORM,
        verify_form_id=VERIFY_FORM,
        follow_up_form_id=FOLLOW_UP_FORM,
        # Opened from the officer's review ("Comment or mark done"): the follow-up goes back
        # there once recorded.
        back_to_review=request.values.get("next") == "review",
    ), status


def _kept_point_page(point_id: int, user, timeline_page: int) -> KeptPointPage:  # noqa: ANN001
    """What the point is, what may be done with it (the fields and buttons of its forms, not
    the forms), one page of its timeline and the concerns ready to resolve."""
    point = point_services.get_action_point_or_404(point_id, user, with_related=False)
    # A point already in the session (a form sent back) is read without a query: the page
    # depends on those tables as if it had read them itself.
    depends_on(
        ActionPoint.__table__.name,
        action_point_concerns.name,
        *{r.mapper.local_table.name for r in ActionPoint.__mapper__.relationships},
    )
    # Viewers read action points but only aggregates of concerns.
    concerns = point.concerns if sees_concern_summaries(user) else []
    resolvable = ()
    if point.status is ActionStatus.VERIFIED and concerns:
        resolvable = tuple(
            ResolvableConcern.of(concern)
            for concern in concern_services.concerns_ready_to_resolve([c.id for c in concerns])
        )
    return KeptPointPage(
        head=PointHead(point.id, point.title, point.station_id),
        parts=_point_parts(point, user, concerns, timeline_page),
        resolvable=resolvable,
    )


def _point_parts(point, user, concerns: list, timeline_page: int) -> dict:  # noqa: ANN001
    may_update = can_update_action_point(user, point)
    may_verify = can_verify_action_point(user, point)
    may_acknowledge = can_acknowledge_action_point(user, point)
    follow_up = verify = ""
    if may_update:
        form = FollowUpForm(
            formdata=None,
            allowed=point_services.allowed_status_changes(point, user),
            meta={"csrf": False},
        )
        form.on_date.data = date.today()
        follow_up = render_template(
            "actions/_action_point_forms.html",
            section="follow_up",
            point=point,
            follow_up_form=form,
            form_id=FOLLOW_UP_FORM,
        )
    if may_verify:
        form = VerifyForm(formdata=None, meta={"csrf": False})
        form.version.data = point.version
        form.note.id = form.note.label.field_id = "verify-note"
        verify = render_template(
            "actions/_action_point_forms.html",
            section="verify",
            point=point,
            verify_form=form,
            form_id=VERIFY_FORM,
        )
    return {
        "head": render_template(
            "actions/_action_point_head.html",
            point=point,
            may_acknowledge=may_acknowledge,
            may_verify=may_verify,
            ack_form=ACK_FORM,
        ),
        "facts": render_template(
            "actions/_action_point_facts.html",
            point=point,
            origin=point.origin_meeting,
            concerns=concerns,
            overdue_days=point.overdue_days(date.today()),
            escalated=point_services.is_escalated(point),
        ),
        "verify": verify,
        "follow_up": follow_up,
        "timeline": render_template(
            "actions/_action_point_timeline.html",
            point=point,
            timeline=point_timeline.action_point_timeline(point, page=timeline_page),
        ),
        "may_update": may_update,
        "may_verify": may_verify,
        "may_acknowledge": may_acknowledge,
    }


@bp.route("/action-points/<int:point_id>/edit", methods=["GET", "POST"])
def action_point_edit(point_id: int):
    point = point_services.get_action_point_or_404(point_id, current_user, for_edit=True)
    station_id = form_int("station_id") or point.station_id
    form = action_point_form(station_id, obj=point)
    if request.method == "GET":
        form.priority.data = point.priority.value
        form.concern_ids.data = [c.id for c in point.concerns]
        form.version.data = point.version
    conflict = None
    if form.validate_on_submit():
        saved = save_form(
            form, lambda data: point_services.update_action_point(point, data, current_user), point
        )
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("actions.action_point_detail", point_id=point.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template(
        "actions/action_point_form.html", form=form, point=point, conflict=conflict, meeting=None
    ), status
