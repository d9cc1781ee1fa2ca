from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from partnership.caching import render_kept
from partnership.extensions import db
from partnership.forms import form_status, save_form
from partnership.jobs.exports import ExportSource, ListExport, list_export, register_export
from partnership.organisations import exports, services
from partnership.organisations.forms import OrganisationForm, PersonForm, TransferForm
from partnership.organisations.models import (
    ORGANISATION_KIND_LABELS,
    PERSON_KIND_LABELS,
    POLICE_KINDS,
    OrganisationKind,
)
from partnership.pagination import arg_bool, arg_int, arg_str, paginate
from partnership.permissions import station_scope
from partnership.spreadsheets import send_table, streamed

bp = Blueprint("organisations", __name__)


def _organisation_filters() -> services.OrganisationFilters:
    return services.OrganisationFilters(
        q=arg_str("q"),
        kind=arg_str("kind"),
        country=arg_str("country"),
        command_id=arg_int("command"),
        include_inactive=arg_bool("inactive"),
    )


@bp.get("/organisations")
def organisation_list():
    # Kept rendered for who looks and the address asked for, until a write changes what it
    # was read from (partnership.caching); the layout around it is rendered afresh.
    return render_kept(
        "organisations/organisation_list.html",
        "organisations/_organisation_list_body.html",
        _organisation_list_context,
    )


def _organisation_list_context() -> dict:
    filters = _organisation_filters()
    return {
        "page": paginate(services.organisation_query(current_user, filters)),
        "filters": filters,
        "kinds": ORGANISATION_KIND_LABELS,
        "countries": services.programme_countries(filters.country),
        "commands": services.commands() if station_scope(current_user) is None else [],
    }


@bp.get("/organisations/export.<fmt>")
def organisation_export(fmt: str):
    orgs = db.session.scalars(services.organisation_query(current_user, _organisation_filters()))
    return send_table(exports.organisations_table(orgs), "organisations", fmt)


@bp.get("/organisations/<int:organisation_id>")
def organisation_detail(organisation_id: int):
    org = services.get_organisation_or_404(organisation_id, current_user)
    if org.is_station:
        # A station has one page, composed on top of every domain (partnership.dashboard).
        return redirect(_page_of(org))
    officers = db.session.scalars(
        services.person_query(current_user, services.PersonFilters(organisation_id=org.id)).limit(
            50
        )
    ).all()
    return render_template(
        "organisations/organisation_detail.html",
        org=org,
        stations=services.stations_of(org) if org.kind is OrganisationKind.POLICE_COMMAND else [],
        people=officers,
    )


def _page_of(org) -> str:  # noqa: ANN001
    """Where an organisation is shown: a station has one page, composed on top of every domain
    (partnership.dashboard); any other organisation its page here."""
    if org.is_station:
        return url_for("dashboard.station_page", station_id=org.id)
    return url_for("organisations.organisation_detail", organisation_id=org.id)


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_create():
    form = OrganisationForm(commands=services.commands())
    if request.method == "GET":
        form.kind.data = request.args.get("kind") or OrganisationKind.POLICE_STATION.value
        form.command_id.data = arg_int("command")
        form.country.data = request.args.get("country") or "KE"
        form.timezone.data = "Africa/Nairobi"
    if form.validate_on_submit():
        saved = save_form(form, services.create_organisation)
        if saved.ok:
            org = saved.record
            flash(_("%(name)s was created.", name=org.name), "success")
            return redirect(_page_of(org))
    return render_template("organisations/organisation_form.html", form=form, org=None), (
        422 if form.errors else 200
    )


@bp.route("/organisations/<int:organisation_id>/edit", methods=["GET", "POST"])
def organisation_edit(organisation_id: int):
    org = services.get_organisation_or_404(organisation_id, current_user, for_edit=True)
    form = OrganisationForm(obj=org, commands=[c for c in services.commands() if c.id != org.id])
    if request.method == "GET":
        form.kind.data = org.kind.value
        form.version.data = org.version
    conflict = None
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.update_organisation(org, data), org)
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes to %(name)s were saved.", name=org.name), "success")
            return redirect(_page_of(org))
    status = 409 if conflict is not None else (422 if form.errors else 200)
    return render_template(
        "organisations/organisation_form.html", form=form, org=org, conflict=conflict
    ), status


@bp.post("/organisations/<int:organisation_id>/deactivate")
def organisation_deactivate(organisation_id: int):
    org = services.get_organisation_or_404(organisation_id, current_user, for_edit=True)
    services.set_organisation_active(org, False)
    db.session.commit()
    flash(_("%(name)s was deactivated.", name=org.name), "success")
    return redirect(_page_of(org))


@bp.post("/organisations/<int:organisation_id>/reactivate")
def organisation_reactivate(organisation_id: int):
    org = services.get_organisation_or_404(organisation_id, current_user, for_edit=True)
    services.set_organisation_active(org, True)
    db.session.commit()
    flash(_("%(name)s was reactivated.", name=org.name), "success")
    return redirect(_page_of(org))


# ---- people ------------------------------------------------------------------------------------


def _person_filters() -> services.PersonFilters:
    return services.PersonFilters(
        q=arg_str("q"),
        kind=arg_str("kind"),
        organisation_id=arg_int("organisation"),
        command_id=arg_int("command"),
        country=arg_str("country"),
        include_inactive=arg_bool("inactive"),
    )


@bp.get("/people")
def person_list():
    # Kept rendered like the organisations list.
    return render_kept(
        "organisations/person_list.html",
        "organisations/_person_list_body.html",
        _person_list_context,
    )


def _person_list_context() -> dict:
    filters = _person_filters()
    unscoped = station_scope(current_user) is None
    return {
        "page": paginate(
            services.person_list_query(current_user, filters),
            count_stmt=services.person_count_query(current_user, filters),
        ),
        "filters": filters,
        "kinds": PERSON_KIND_LABELS,
        "countries": services.programme_countries(filters.country) if unscoped else [],
        "commands": services.commands() if unscoped else [],
    }


def _people_export(user) -> ExportSource:  # noqa: ANN001
    query = services.person_query(user, _person_filters())
    return ExportSource(query, lambda: exports.people_table(streamed(query), user))


register_export(ListExport("people", "people", "organisations.person_list", _l("People"),
                           _people_export))  # fmt: skip


@bp.get("/people/export.<fmt>")
def person_export(fmt: str):
    return list_export("people", fmt)


@bp.get("/people/<int:person_id>")
def person_detail(person_id: int):
    # Checked and titled afresh from one row; the heading (its buttons' forms with their
    # tokens as slots), facts and postings kept rendered until a write changes them.
    person = services.person_heading_or_404(person_id, current_user)
    return render_kept(
        "organisations/person_detail.html",
        "organisations/_person_page_body.html",
        lambda: {"person": services.get_person_or_404(person_id, current_user)},
        person=person,
    )


def _person_form(**kwargs) -> PersonForm:  # noqa: ANN003
    orgs = services.organisations_of_kinds(
        POLICE_KINDS | {OrganisationKind.NGO, OrganisationKind.COMMUNITY_GROUP}
    )
    return PersonForm(organisations=orgs, **kwargs)


@bp.route("/people/new", methods=["GET", "POST"])
def person_create():
    form = _person_form()
    if request.method == "GET":
        form.kind.data = request.args.get("kind") or "officer"
        form.organisation_id.data = arg_int("organisation")
    if form.validate_on_submit():
        saved = save_form(form, services.create_person)
        if saved.ok:
            person = saved.record
            flash(_("%(name)s was added.", name=person.name), "success")
            return redirect(url_for("organisations.person_detail", person_id=person.id))
    return render_template("organisations/person_form.html", form=form, person=None), (
        422 if form.errors else 200
    )


@bp.route("/people/<int:person_id>/edit", methods=["GET", "POST"])
def person_edit(person_id: int):
    person = services.get_person_or_404(person_id, current_user, for_edit=True)
    form = _person_form(obj=person)
    if request.method == "GET":
        form.kind.data = person.kind.value
        form.version.data = person.version
    conflict = None
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.update_person(person, data), person)
        conflict = saved.conflict
        if saved.ok:
            flash(_("Your changes to %(name)s were saved.", name=person.name), "success")
            return redirect(url_for("organisations.person_detail", person_id=person.id))
    status = 409 if conflict is not None else (422 if form.errors else 200)
    return render_template(
        "organisations/person_form.html", form=form, person=person, conflict=conflict
    ), status


@bp.route("/people/<int:person_id>/transfer", methods=["GET", "POST"])
def person_transfer(person_id: int):
    person = services.get_person_or_404(person_id, current_user, for_edit=True)
    if not person.is_officer:
        flash(_("Only officers are posted to stations."), "error")
        return redirect(url_for("organisations.person_detail", person_id=person.id))
    form = TransferForm(stations=services.organisations_of_kinds(POLICE_KINDS))
    if request.method == "GET":
        form.station_id.data = arg_int("station")
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: services.transfer_officer(
                person, data["station_id"], data["transfer_date"], data["note"] or ""
            ),
        )
        if saved.ok:
            posting = saved.record
            flash(
                _(
                    "%(name)s was transferred to %(station)s.",
                    name=person.name,
                    station=posting.station.name,
                ),
                "success",
            )
            return redirect(url_for("organisations.person_detail", person_id=person.id))
    return render_template(
        "organisations/transfer_form.html", form=form, person=person
    ), form_status(form)


@bp.post("/people/<int:person_id>/deactivate")
def person_deactivate(person_id: int):
    person = services.get_person_or_404(person_id, current_user, for_edit=True)
    services.set_person_active(person, False)
    db.session.commit()
    flash(_("%(name)s was deactivated.", name=person.name), "success")
    return redirect(url_for("organisations.person_detail", person_id=person.id))


@bp.post("/people/<int:person_id>/reactivate")
def person_reactivate(person_id: int):
    person = services.get_person_or_404(person_id, current_user, for_edit=True)
    services.set_person_active(person, True)
    db.session.commit()
    flash(_("%(name)s was reactivated.", name=person.name), "success")
    return redirect(url_for("organisations.person_detail", person_id=person.id))
