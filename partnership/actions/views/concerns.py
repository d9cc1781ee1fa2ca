"""Concerns: list, export, create, edit, status, sealing and notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from partnership.actions import exports
from partnership.actions.forms import (
    AnnotationForm,
    ConcernForm,
    ConcernResolveForm,
    ConcernStatusForm,
)
from partnership.actions.models import (
    ActionPoint,
    Concern,
    ConcernCategory,
    ConcernStatus,
    action_point_concerns,
)
from partnership.actions.services import concern_notes
from partnership.actions.services import concerns as concern_services
from partnership.actions.views import bp
from partnership.caching import REPLAYED_FLAGS, cached, depends_on, page_key, render_kept
from partnership.extensions import db
from partnership.forms import save_action, save_form
from partnership.jobs.exports import ExportSource, ListExport, list_export, register_export
from partnership.organisations.models import OrganisationKind
from partnership.organisations.services import (
    organisations_of_kinds,
    place_choices,
    station_choices,
    stations,
)
from partnership.pagination import arg_bool, arg_date, arg_int, arg_str, paginate
from partnership.permissions import (
    can,
    can_resolve_concern,
    can_see_restricted_details,
)
from partnership.signals import concern_page_links
from partnership.spreadsheets import streamed

# ---- concerns ----------------------------------------------------------------------------------


def _concern_filters() -> concern_services.ConcernFilters:
    return concern_services.ConcernFilters(
        q=arg_str("q"),
        status=arg_str("status"),
        category=arg_str("category"),
        station_id=arg_int("station"),
        open_only=arg_bool("open"),
        ready=arg_bool("ready"),
        country=arg_str("country"),
        command_id=arg_int("command"),
        occurred_from=arg_date("from"),
        occurred_to=arg_date("to"),
    )


@bp.get("/concerns")
def concern_list():
    # Kept rendered for who looks and the address (filters, page) until a write changes what
    # it was read from (partnership.caching); it holds no form that posts.
    filters = _concern_filters()
    return render_kept(
        "actions/concern_list.html",
        "actions/_concern_list_body.html",
        lambda: _concern_list_context(filters),
    )


def _concern_list_context(filters: concern_services.ConcernFilters) -> dict:
    return {
        "page": paginate(concern_services.concern_list_query(current_user, filters)),
        "filters": filters,
        "statuses": list(ConcernStatus),
        "categories": list(ConcernCategory),
        "stations": station_choices(current_user),
        **place_choices(current_user, filters.country),
    }


def _concerns_export(user) -> ExportSource:  # noqa: ANN001
    query = concern_services.concern_query(user, _concern_filters())
    restricted = can_see_restricted_details(user)
    return ExportSource(query, lambda: exports.concerns_table(streamed(query), restricted))


register_export(
    ListExport("concerns", "concerns", "actions.concern_list", _l("Concerns"), _concerns_export)
)


@bp.get("/concerns/export.<fmt>")
def concern_export(fmt: str):
    return list_export("concerns", fmt)


def _concern_form(**kwargs) -> ConcernForm:  # noqa: ANN003
    return ConcernForm(
        stations=stations(),
        organisations=organisations_of_kinds(
            [OrganisationKind.NGO, OrganisationKind.SERVICE, OrganisationKind.COMMUNITY_GROUP]
        ),
        **kwargs,
    )


@bp.route("/concerns/new", methods=["GET", "POST"])
def concern_create():
    form = _concern_form()
    if request.method == "GET":
        form.station_id.data = arg_int("station")
        form.occurred_on.data = date.today()
        form.raised_by_id.data = current_user.organisation_id
    if form.validate_on_submit():
        saved = save_form(form, lambda data: concern_services.create_concern(data, current_user))
        if saved.ok:
            concern = saved.record
            flash(_("The concern was logged."), "success")
            return redirect(url_for("actions.concern_detail", concern_id=concern.id))
    return render_template("actions/concern_form.html", form=form, concern=None), (
        422 if form.errors else 200
    )


@bp.get("/concerns/<int:concern_id>")
def concern_detail(concern_id: int):
    return _render_concern(concern_id)


@dataclass(frozen=True)
class ResolvableConcern:
    """A concern ready to resolve, as a page keeps it to offer "Resolve this concern": who may
    resolve it (its station), what the prompt shows, and the form's pre-filled outcome and
    version."""

    id: int
    station_id: int
    label: str
    summary: str
    version: int
    outcome: str

    @classmethod
    def of(cls, concern: Concern) -> ResolvableConcern:
        return cls(
            concern.id,
            concern.station_id,
            concern.label,
            concern.summary,
            concern.version,
            concern_services.resolution_outcome(concern),
        )


def resolve_form_from(concern_id: int, outcome: str, version: int) -> ConcernResolveForm:
    """The "Resolve this concern" form, its outcome pre-filled from the verified points."""
    form = ConcernResolveForm.for_concern(concern_id, formdata=None)
    form.outcome.data = outcome
    form.version.data = version
    return form


@dataclass(frozen=True)
class ConcernHead:
    """What the concern's page needs of it besides its kept parts: who may see it (its
    station)."""

    id: int
    station_id: int


@dataclass(frozen=True)
class KeptConcernPage:
    """A concern's page as kept (under the name "concern-page": a new name when its shape
    changes, so that a copy kept by an older release is never read)."""

    head: ConcernHead
    # Rendered parts (HTML) and whether it may be sealed.
    parts: dict
    # Set when it is ready to resolve.
    resolvable: ResolvableConcern | None
    # Request marks the parts left (restricted details: the page is not kept offline).
    marks: tuple[str, ...]


# The page's own forms, rendered afresh on every load; the kept parts' fields and buttons
# belong to them by these ids.
SEAL_FORM, STATUS_FORM, NOTE_FORM = "concern-seal-form", "concern-status-form", "concern-note-form"


def _render_concern(  # noqa: ANN202
    concern_id: int,
    resolve_form: ConcernResolveForm | None = None,
    status: int = 200,
    conflict: list | None = None,
):
    """The concern's page: kept whole but its forms (one read of the cache, no query) for who
    looks until a write changes what it was read from. ``resolve_form``: sent back with its
    errors (or a conflict)."""
    user = current_user._get_current_object()
    editor = can_see_restricted_details(user)
    notes_page = request.args.get("notes", 1, type=int) or 1
    kept = cached(
        "concern-page",
        lambda: _kept_concern_page(concern_id, user, editor, notes_page),
        page_key(user),
        concern_id,
        notes_page,
    )
    # Never kept for who may not see the concern; checked again all the same.
    concern_services.check_may_see(kept.head.station_id, user)
    for flag in kept.marks:
        setattr(g, flag, True)
    ready = kept.resolvable
    if (
        resolve_form is None
        and conflict is None
        and ready is not None
        and can_resolve_concern(user, ready)
    ):
        resolve_form = resolve_form_from(ready.id, ready.outcome, ready.version)
    return render_template(
        "actions/concern_detail.html",
        concern=kept.head,
        show_restricted=editor,
        # Our own templates' output, escaped when it was rendered.
        parts={
            name: Markup(value) if isinstance(value, str) else value  # noqa: S704
            for name, value in kept.parts.items()
        },
        resolve_form=resolve_form,
        conflict=conflict,
        seal_form=SEAL_FORM,
        status_form_id=STATUS_FORM,
        note_form_id=NOTE_FORM,
    ), status


def _kept_concern_page(concern_id: int, user, editor: bool, notes_page: int) -> KeptConcernPage:  # noqa: ANN001
    """What the concern is, what may be done with it (the fields and buttons of its forms,
    not the forms), its action points, one page of its notes, and whether it is ready to
    resolve."""
    concern = concern_services.get_concern_or_404(concern_id, user, with_related=False)
    _loaded_concern_tables()
    outer = {flag: g.pop(flag, None) for flag in REPLAYED_FLAGS}
    try:
        parts = _concern_parts(concern, editor, notes_page)
        marks = tuple(flag for flag in REPLAYED_FLAGS if g.get(flag))
    finally:
        for flag, value in outer.items():
            if value:
                setattr(g, flag, value)
    return KeptConcernPage(
        head=ConcernHead(concern.id, concern.station_id),
        parts=parts,
        resolvable=ResolvableConcern.of(concern)
        if concern_services.ready_to_resolve(concern)
        else None,
        marks=marks,
    )


def _concern_parts(concern, editor: bool, notes_page: int) -> dict:  # noqa: ANN001
    may_edit = can("actions.concern_edit")
    status_form = (
        ConcernStatusForm(
            formdata=None,
            allowed=concern_services.concern_transitions(concern),
            meta={"csrf": False},
        )
        if editor
        else None
    )
    return {
        "head": render_template("actions/_concern_head.html", concern=concern, seal_form=SEAL_FORM),
        "sealable": may_edit and not concern.sealed,
        "facts": _concern_facts(concern, editor),
        "status": render_template(
            "actions/_concern_status.html",
            status_form=status_form,
            status_form_id=STATUS_FORM,
        )
        if status_form is not None and status_form.status.choices
        else "",
        "points_and_notes": _concern_points_and_notes(concern, notes_page),
        "notes_form": render_template(
            "actions/_concern_note_fields.html",
            note_form=AnnotationForm(formdata=None, meta={"csrf": False}),
            note_form_id=NOTE_FORM,
        )
        if editor
        else "",
    }


def _loaded_concern_tables() -> None:
    # The concern was loaded (with its station, who raised and sealed it, its action points)
    # before the fragment began: the fragment depends on those tables as if it had read them.
    depends_on(
        Concern.__table__.name,
        action_point_concerns.name,
        *{r.mapper.local_table.name for r in Concern.__mapper__.relationships},
        *{r.mapper.local_table.name for r in ActionPoint.__mapper__.relationships},
    )


def _concern_facts(concern, editor: bool) -> str:  # noqa: ANN001
    return render_template(
        "actions/_concern_facts.html",
        concern=concern,
        show_restricted=editor,
        # The meetings whose agenda carries it (the meetings domain answers).
        meeting_links=[
            link
            for _receiver, links in concern_page_links.send(concern, user=current_user)
            for link in (links or [])
        ],
    )


def _concern_points_and_notes(concern, notes_page: int) -> str:  # noqa: ANN001
    return render_template(
        "actions/_concern_points_notes.html",
        concern=concern,
        points=concern_services.concern_points(concern),
        notes=concern_notes.visible_notes(concern, current_user, page=notes_page),
    )


@bp.route("/concerns/<int:concern_id>/edit", methods=["GET", "POST"])
def concern_edit(concern_id: int):
    concern = concern_services.get_concern_or_404(concern_id, current_user, for_edit=True)
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
        saved = save_form(
            form, lambda data: concern_services.update_concern(concern, data), concern
        )
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("actions.concern_detail", concern_id=concern.id))
    status = 409 if conflict else (422 if form.errors else 200)
    return render_template(
        "actions/concern_form.html", form=form, concern=concern, conflict=conflict
    ), status


@bp.post("/concerns/<int:concern_id>/status")
def concern_status(concern_id: int):
    concern = concern_services.get_concern_or_404(concern_id, current_user, for_edit=True)
    form = ConcernStatusForm(allowed=list(ConcernStatus))
    if form.validate_on_submit():
        saved = save_action(
            lambda: concern_services.change_concern_status(
                concern, ConcernStatus(form.status.data), current_user, form.reason.data or ""
            )
        )
        if saved.refused:
            flash(saved.refused, "error")
        else:
            flash(_("The concern is now “%(status)s”.", status=concern.status.label), "success")
    else:
        flash(_("Choose a status."), "error")
    return redirect(url_for("actions.concern_detail", concern_id=concern_id))


@bp.post("/concerns/<int:concern_id>/resolve")
def concern_resolve(concern_id: int):
    """Resolve the concern with its outcome: offered once its action points are verified. A
    form loaded before someone else changed the concern saves nothing and shows what changed."""
    concern = concern_services.get_concern_or_404(concern_id, current_user)
    if not can_resolve_concern(current_user, concern):
        abort(403)
    form = ConcernResolveForm.for_concern(concern.id)
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: concern_services.resolve_concern(concern, current_user, data["outcome"]),
            concern,
        )
        if saved.refused:
            # Resolved or closed meanwhile: the concern's page shows where it stands now.
            flash(saved.refused, "error")
            return redirect(url_for("actions.concern_detail", concern_id=concern_id))
        if saved.ok:
            flash(_("The concern is now “%(status)s”.", status=concern.status.label), "success")
            return redirect(url_for("actions.concern_detail", concern_id=concern_id))
        if saved.conflict is not None:
            concern = concern_services.get_concern_or_404(concern_id, current_user)
            still = concern.status.is_open and concern_services.ready_to_resolve(concern)
            form.version.data = concern.version  # saving again applies the outcome on top
            return _render_concern(
                concern_id,
                resolve_form=form if still else None,
                conflict=saved.conflict,
                status=409,
            )
    return _render_concern(concern_id, resolve_form=form, status=422)


@bp.post("/concerns/<int:concern_id>/seal")
def concern_seal(concern_id: int):
    concern = concern_services.get_concern_or_404(concern_id, current_user, for_edit=True)
    try:
        concern_services.seal_concern(concern, current_user)
        db.session.commit()
    except concern_services.SealedError:
        db.session.rollback()
        flash(_("This concern is already sealed."), "error")
    else:
        flash(_("The concern is sealed: from now on it can only be annotated."), "success")
    return redirect(url_for("actions.concern_detail", concern_id=concern_id))


@bp.post("/concerns/<int:concern_id>/notes")
def concern_annotate(concern_id: int):
    concern = concern_services.get_concern_or_404(concern_id, current_user, for_edit=True)
    form = AnnotationForm()
    if form.validate_on_submit():
        concern_notes.annotate_concern(concern, current_user, form.text.data, form.restricted.data)
        db.session.commit()
        flash(_("The note was added."), "success")
    else:
        flash(_("Write the note."), "error")
    return redirect(url_for("actions.concern_detail", concern_id=concern_id))
