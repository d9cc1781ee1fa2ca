"""Trainings: list, set-up, register, score grid, import, knowledge gain and coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from curricula import charts, imports
from curricula.forms import ImportForm, TrainingForm, TrainingSetupForm
from curricula.models import Module
from curricula.services import coverage as coverage_services
from curricula.services import knowledge, results
from curricula.services import trainings as services
from curricula.services.certificates import certificates_of
from curricula.services.modules import latest_modules
from curricula.views import bp
from partnership import disclosure
from partnership.caching import cached, render_kept, viewer_key
from partnership.extensions import db
from partnership.forms import form_status, save_form
from partnership.organisations.services import place_choices, station_choices
from partnership.organisations.services import stations as all_stations
from partnership.pagination import ListPage, arg_date, arg_int, arg_str, paginate
from partnership.permissions import station_scope
from partnership.spreadsheets import send_table


def _filters() -> services.TrainingFilters:
    return services.TrainingFilters(
        q=arg_str("q"),
        module_id=arg_int("module"),
        station_id=arg_int("station"),
        year=arg_int("year"),
    )


@bp.get("/trainings")
def training_list():
    # Kept rendered until a write changes what it was read from (partnership.caching).
    return render_kept(
        "curricula/training_list.html", "curricula/_training_list_body.html", _training_list_context
    )


def _training_list_context() -> dict:
    filters = _filters()
    page = paginate(services.training_query(current_user, filters))
    small = disclosure.applies_to(current_user)
    counts = {
        t_id: disclosure.figure(n, small)
        for t_id, n in services.participant_counts(list(page.items), current_user).items()
    }
    return {
        "page": page,
        "filters": filters,
        "counts": counts,
        "years": services.training_years(),
        "stations": station_choices(current_user),
        "unset": services.unset_training_meetings(current_user),
    }


@bp.route("/trainings/new", methods=["GET", "POST"])
def training_create():
    """Schedule a training (a meeting of kind training) and choose its modules in one step."""
    form = TrainingForm(modules=latest_modules(), stations=all_stations())
    if request.method == "GET":
        form.start_date.data = date.today()
        form.start_time.data = time(9, 0)
        form.end_time.data = time(16, 0)
        form.timezone.data = current_user.timezone or "Africa/Nairobi"
        module = arg_int("module")
        form.module_ids.data = [module] if module else []
    if form.validate_on_submit():
        saved = save_form(
            form,
            lambda data: services.create_training(
                {**data, "end_date": data.get("end_date") or data["start_date"]}, current_user
            ),
        )
        if saved.ok:
            training = saved.record
            flash(_("The training “%(t)s” was set up.", t=training.title), "success")
            return redirect(url_for("meetings.register_edit", meeting_id=training.meeting_id))
    return render_template("curricula/training_form.html", form=form, meeting=None), form_status(
        form
    )


@bp.route("/trainings/setup/<int:meeting_id>", methods=["GET", "POST"])
def training_setup(meeting_id: int):
    """Choose the modules and test of a training meeting scheduled in the meetings pages."""
    from meetings.services.queries import get_meeting_or_404

    meeting = get_meeting_or_404(meeting_id, current_user, for_edit=True)
    form = TrainingSetupForm(modules=latest_modules())
    if form.validate_on_submit():
        saved = save_form(form, lambda data: services.attach_training(meeting, data, current_user))
        if saved.ok:
            training = saved.record
            flash(_("The training “%(t)s” was set up.", t=training.title), "success")
            return redirect(url_for("curricula.training_detail", training_id=training.id))
    return render_template("curricula/training_form.html", form=form, meeting=meeting), (
        422 if form.errors else 200
    )


@bp.get("/trainings/<int:training_id>")
def training_detail(training_id: int):
    # Its title (404 for a training the viewer may not see), then its content: both kept until
    # a write changes what they were read from (partnership.caching); the one button that
    # posts belongs to a form rendered afresh around it.
    title = cached(
        "training-title",
        lambda: services.training_title_or_404(training_id, current_user),
        viewer_key(current_user),
        training_id,
    )
    return render_kept(
        "curricula/training_detail.html",
        "curricula/_training_detail_body.html",
        lambda: _training_context(training_id),
        title=title,
        training_id=training_id,
        certificates_form=CERTIFICATES_FORM,
    )


# The "issue certificates" button of the kept page posts through this form, by its id.
CERTIFICATES_FORM = "certificates-form"


def _training_context(training_id: int) -> dict:
    training = services.get_training_or_404(training_id, current_user)
    participants = services.visible_participants(training, current_user)
    summary = knowledge.training_summary(training, current_user)
    show_people = services.can_see_names(current_user)
    scope = station_scope(current_user)
    small = disclosure.applies_to(current_user)
    # Fewer than five pairs: no result describes them, per question neither.
    withheld = disclosure.figure(summary.n, small).withheld
    days = training.days
    return {
        "training": training,
        "stations": [s for s in training.stations if scope is None or s.id in scope],
        "participants": participants,
        "eligibility": {
            p.attendee_id: results.eligibility(training, p, days) for p in participants
        },
        # Each distinct score written once, not twice per participant.
        "scores": _score_texts(participants),
        "summary": summary,
        "scatter": charts.scatter(participants, training.max_score) if show_people else None,
        "bars": charts.bars([(_("This training"), summary)]),
        "certificates": certificates_of(training, current_user) if show_people else [],
        "difficulty": None if withheld else knowledge.question_difficulty(training),
        "withheld": withheld,
        "small": small,
        # Pairs and those left out, each reason too, withheld as in the API.
        "counts": knowledge.result_counts(summary, summary.n + summary.left_out_total, small),
        "certificates_form": CERTIFICATES_FORM,
    }


def _score_texts(participants: list) -> dict:
    """Every score of ``participants`` as the page shows it (as the ``fmt_num`` macro of
    curricula/_charts.html writes it: one decimal at most, in the reader's language)."""
    values = {p.pre_score for p in participants} | {p.post_score for p in participants}
    return {v: "—" if v is None else format_decimal(round(v, 1)) for v in values}


@bp.route("/trainings/<int:training_id>/scores", methods=["GET", "POST"])
def training_scores(training_id: int):
    training = services.get_training_or_404(training_id, current_user, for_edit=True)
    participants = services.roster(training)
    entered: dict = {}
    shown: dict = {}
    errors: dict = {}
    conflict = False
    if request.method == "POST":
        for p in participants:
            for column in ("pre", "post"):
                key = (p.attendee_id, column)
                entered[key] = request.form.get(f"{column}-{p.attendee_id}", "")
                if f"was-{column}-{p.attendee_id}" in request.form:
                    shown[key] = request.form[f"was-{column}-{p.attendee_id}"]
        values, errors = results.validate_scores(training, entered)
        if not errors:
            values, errors = results.merge_score_edits(training, participants, values, shown)
            conflict = bool(errors)
        if not errors:
            changed = results.save_scores(training, values, participants)
            db.session.commit()
            flash(_("Scores saved (%(n)s participants changed).", n=changed), "success")
            return redirect(url_for("curricula.training_detail", training_id=training.id))
        if conflict:
            # Cells this trainer left as they were now show what is stored, and the next save
            # compares against that; their own entries stay, the clashing ones marked.
            for key, text in shown.items():
                if results.same_score_text(entered.get(key, ""), text, training.max_score):
                    entered.pop(key, None)
            shown = {}
    return render_template(
        "curricula/training_scores.html",
        training=training,
        participants=participants,
        entered=entered,
        shown=shown,
        errors=errors,
    ), (409 if conflict else 422 if errors else 200)


@bp.route("/trainings/<int:training_id>/answers/<phase>", methods=["GET", "POST"])
def training_answers(training_id: int, phase: str):
    """Question-by-question answers of one phase; scores are computed from the answer key."""
    training = services.get_training_or_404(training_id, current_user, for_edit=True)
    if phase not in results.PHASES or training.question_module is None:
        abort(404)
    participants = services.roster(training)
    questions = training.question_module.questions
    if request.method == "POST":
        given = {
            (p.attendee_id, q.id): request.form.get(f"a-{p.attendee_id}-{q.id}", "")
            for p in participants
            for q in questions
        }
        results.record_answers(training, phase, given, participants)
        db.session.commit()
        flash(_("Answers saved and scores computed."), "success")
        return redirect(url_for("curricula.training_detail", training_id=training.id))
    return render_template(
        "curricula/training_answers.html",
        training=training,
        phase=phase,
        participants=participants,
        questions=questions,
        answers=results.answers_of(training, phase),
    )


@bp.get("/trainings/<int:training_id>/template.<fmt>")
def training_import_template(training_id: int, fmt: str):
    training = services.get_training_or_404(training_id, current_user, for_edit=True)
    return send_table(imports.template_table(training), f"register-training-{training.id}", fmt)


@bp.route("/trainings/<int:training_id>/import", methods=["GET", "POST"])
def training_import(training_id: int):
    training = services.get_training_or_404(training_id, current_user, for_edit=True)
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        result = imports.import_register(training, upload.filename or "", upload.read())
        if result.errors:
            db.session.rollback()
        else:
            db.session.commit()
            flash(
                _(
                    "%(n)s rows imported (%(a)s added to the register).",
                    n=result.rows,
                    a=result.added,
                ),
                "success",
            )
            return redirect(url_for("curricula.training_detail", training_id=training.id))
    return render_template(
        "curricula/training_import.html", training=training, form=form, result=result
    ), (422 if form.errors or (result and result.errors) else 200)


# ---- knowledge gain and coverage ---------------------------------------------------------------


@bp.get("/knowledge")
def knowledge_gain():
    by = request.args.get("by", "module")
    if by not in knowledge.GROUPINGS:
        by = "module"
    filters = {
        "module_id": arg_int("module"),
        "date_from": _date_arg("from"),
        "date_to": _date_arg("to"),
        # The dashboard's place filters, so that its tile opens on the same figure.
        "station_id": arg_int("station"),
        "country": arg_str("country").upper()[:2],
        "command_id": arg_int("command"),
    }
    # Statistics over every training: kept rendered until a write changes what they were
    # read from (partnership.caching).
    return render_kept(
        "curricula/knowledge.html",
        "curricula/_knowledge_body.html",
        lambda: _knowledge_context(by, filters),
    )


def _knowledge_context(by: str, filters: dict) -> dict:
    # The figures depend on who looks only through the stations they may see: every role of
    # the same scope (coordinator, trainer, viewer) shares one computation, each page then
    # withholding what its reader may not see.
    scope = station_scope(current_user)
    rows, pooled = cached(
        "knowledge-figures",
        lambda: (
            knowledge.grouped_summaries(by, current_user, filters),
            knowledge.pooled_summary(current_user, filters),
        ),
        None if scope is None else tuple(sorted(scope)),
        by,
        sorted(filters.items()),
    )
    small = disclosure.applies_to(current_user)
    # A group of fewer than five pairs is not described: not in the table, not on the chart.
    withheld = [disclosure.figure(r.summary.n, small).withheld for r in rows]
    return {
        "rows": rows,
        "by": by,
        "groupings": knowledge.GROUPINGS,
        "filters": filters,
        "modules": db.session.scalars(
            db.select(Module).order_by(Module.code, Module.version_number)
        ).all(),
        "bars": charts.bars([(r.label, r.summary) for r in rows], withheld),
        "withheld": withheld,
        "pooled": pooled,
        "stations": all_stations(current_user),
        **place_choices(current_user, filters["country"]),
        "small": small,
    }


def _date_arg(name: str) -> date | None:
    return arg_date(name)


@bp.get("/coverage")
def coverage():
    """Coverage per station within the place filters, with the totals the dashboard's tile
    shows; ``flagged`` keeps the stations to re-sensitise."""
    since = _date_arg("since") or (date.today() - timedelta(days=180))
    filters = CoverageFilters(
        country=arg_str("country").upper()[:2],
        command_id=arg_int("command"),
        station_id=arg_int("station"),
        flagged=bool(arg_str("flagged")),
    )
    # Every station's coverage over all postings and trainings: kept rendered until a write
    # changes what it was read from (partnership.caching).
    return render_kept(
        "curricula/coverage.html",
        "curricula/_coverage_body.html",
        lambda: _coverage_context(filters, since),
    )


def _coverage_context(filters: CoverageFilters, since: date) -> dict:
    stations = db.session.scalars(
        coverage_services.station_query(
            current_user, filters.country, filters.command_id, filters.station_id
        )
    ).all()
    # Every station of the view at once (a fixed number of GROUP BY queries): the totals and
    # the flagged ones need them all; the page shows a slice.
    every = coverage_services.coverage_for(list(stations), since)
    rows = [r for r in every if r.needs_resensitisation] if filters.flagged else every
    per_page = current_app.config["PER_PAGE"]
    number = max(arg_int("page") or 1, 1)
    page = ListPage(
        rows[(number - 1) * per_page : number * per_page],
        number,
        per_page,
        len(rows),
        current_app.config["LIST_MAX_PAGES"],
    )
    return {
        "page": page,
        "rows": coverage_services.as_seen(page.items, current_user),
        "totals": coverage_services.totals_of(every, current_user),
        "since": since,
        "filters": filters,
        "stations": all_stations(current_user),
        **place_choices(current_user, filters.country),
        "small": disclosure.applies_to(current_user),
    }


@dataclass
class CoverageFilters:
    country: str = ""
    command_id: int | None = None
    station_id: int | None = None
    flagged: bool = False
