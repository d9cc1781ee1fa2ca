"""The Excel programme report: a summary sheet with indicators and native charts, then one
sheet per area, streamed from the database in constant-memory mode."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from partnership import disclosure
from partnership.dashboard import services
from partnership.dashboard.models import ReportJob
from partnership.dashboard.services import (
    DashboardFilters,
    station_and_officer_counts,
    station_ids_query,
)
from partnership.disclosure import Figure
from partnership.extensions import db
from partnership.forms import country_name
from partnership.i18n import DEFAULT_LANGUAGE, format_locale_for, normalise_language
from partnership.numbers import round_half_up
from partnership.organisations.models import Organisation, Person, PersonKind
from partnership.permissions import sees_concern_summaries, sees_people_lists
from partnership.spreadsheets import (
    ChartSpec,
    Indicator,
    ReportSheet,
    Table,
    write_report_workbook,
)


@dataclass
class Section:
    """One sheet: how many rows it will have, and the rows themselves, streamed."""

    name: str
    headers: list[str]
    count: Callable[[], int]
    rows: Callable[[], Iterator[list]]
    totals: tuple[int, ...] = ()


def _count(stmt: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _stream(stmt: Select, build: Callable) -> Iterator[list]:  # noqa: ANN001
    for obj in db.session.scalars(stmt.execution_options(yield_per=1000)):
        yield build(obj)


def stations_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    officers = (
        select(func.count(Person.id))
        .where(
            Person.organisation_id == Organisation.id,
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
        )  # fmt: skip
        .correlate(Organisation)
        .scalar_subquery()
    )
    stmt = (
        select(Organisation, officers.label("officers"))
        .options(joinedload(Organisation.command))
        .where(Organisation.id.in_(station_ids_query(user, filters)))
        .order_by(Organisation.country, Organisation.name)
    )

    def rows() -> Iterator[list]:
        for org, count in db.session.execute(stmt.execution_options(yield_per=1000)):
            yield [org.name, org.kind.label, org.command.name if org.command else "",
                   country_name(org.country), org.city, org.target_visit_days, count]  # fmt: skip

    return Section(
        _("Stations"),
        [
            _("Station"),
            _("Kind"),
            _("Command"),
            _("Country"),
            _("City"),
            _("Target visit interval (days)"),
            _("Officers posted now"),
        ],  # fmt: skip
        lambda: _count(stmt),
        rows,
        totals=(6,),
    )


def officers_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    stmt = (
        select(Person)
        .options(joinedload(Person.organisation))
        .where(
            Person.kind == PersonKind.OFFICER,
            Person.active.is_(True),
            Person.organisation_id.in_(station_ids_query(user, filters)),
        )  # fmt: skip
        .order_by(Person.name, Person.id)
    )
    return Section(
        _("Officers"),
        [_("Name"), _("Rank"), _("Unit"), _("Current station")],
        lambda: _count(stmt),
        lambda: _stream(stmt, lambda p: [p.name, p.rank, p.unit, p.organisation.name]),
    )


def meetings_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    from zoneinfo import ZoneInfo

    from meetings.models import Meeting
    from meetings.services.queries import MeetingFilters, meeting_query

    start, end = services._period_bounds(filters)
    stmt = meeting_query(
        user,
        MeetingFilters(
            station_id=filters.station_id, command_id=filters.command_id, country=filters.country
        ),  # fmt: skip
        start=start,
        end=end,
    )

    def row(m: Meeting) -> list:
        local = m.starts_at.astimezone(ZoneInfo(m.timezone))
        return [local.replace(tzinfo=None), m.timezone, m.kind.label, m.title,
                ", ".join(s.name for s in m.stations), m.status.label,
                m.organiser.name if m.organiser else ""]  # fmt: skip

    return Section(
        _("Meetings"),
        [
            _("Starts (local time)"),
            _("Time zone"),
            _("Kind"),
            _("Title"),
            _("Stations"),
            _("Status"),
            _("Organiser"),
        ],  # fmt: skip
        lambda: _count(stmt),
        lambda: _stream(stmt, row),
    )


def referrals_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    """Slips issued and redeemed per station and month: aggregates only, never a client."""
    from partnership.referrals.models import Redemption, Slip

    year, month = services._year_month(Slip.issued_on)
    stmt = (
        select(Organisation.name, year, month, func.count(Slip.id), func.count(Redemption.id))
        .join(Organisation, Organisation.id == Slip.station_id)
        .outerjoin(Redemption, Redemption.slip_id == Slip.id)
        .where(
            Slip.issued_on >= filters.start,
            Slip.issued_on <= filters.end,
            Slip.station_id.in_(station_ids_query(user, filters)),
        )  # fmt: skip
        .group_by(Organisation.name, year, month)
        .order_by(Organisation.name, year, month)
    )
    suppressed = services.suppress_small_counts(user)

    def rows() -> Iterator[list]:
        counted = {(name, f"{int(y):04d}-{int(m):02d}"): (int(issued), int(redeemed))
                   for name, y, m, issued, redeemed in db.session.execute(stmt)}  # fmt: skip
        # The summary sheet shows each month's total and the period's (issued and redeemed).
        shown = [_protected({k: v[i] for k, v in counted.items()}, suppressed, 1) for i in (0, 1)]
        for key in counted:
            yield [*key, shown[0][key], shown[1][key]]

    return Section(
        _("Referrals"),
        [_("Station"), _("Month"), _("Slips issued"), _("Slips redeemed")],
        lambda: _count(stmt),
        rows,
        totals=() if suppressed else (2, 3),
    )


def action_points_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    from partnership.actions.models import ActionPoint

    stmt = (
        select(ActionPoint)
        .options(
            joinedload(ActionPoint.station),
            joinedload(ActionPoint.police_owner),
            joinedload(ActionPoint.ngo_owner),
        )  # fmt: skip
        .where(ActionPoint.station_id.in_(station_ids_query(user, filters)))
        .order_by(ActionPoint.due_on, ActionPoint.id)
    )

    def row(p: ActionPoint) -> list:
        return [f"AP-{p.id}", p.title, p.station.name, p.status.label, p.priority.label, p.due_on,
                p.police_owner.name if p.police_owner else "",
                p.ngo_owner.name if p.ngo_owner else "", p.done_on,
                p.verified_at.date() if p.verified_at else None]  # fmt: skip

    return Section(
        _("Action points"),
        [
            _("Reference"),
            _("Action"),
            _("Station"),
            _("Status"),
            _("Priority"),
            _("Due"),
            _("Police owner"),
            _("NGO owner"),
            _("Done on"),
            _("Verified on"),
        ],  # fmt: skip
        lambda: _count(stmt),
        lambda: _stream(stmt, row),
    )


def concerns_section(user, filters: DashboardFilters) -> Section:  # noqa: ANN001
    """Concern summaries raised in the period (restricted details never leave the app); for
    viewers, counts per station, month and category only."""
    from partnership.actions.models import Concern

    stations = station_ids_query(user, filters)
    in_period = (Concern.occurred_on >= filters.start, Concern.occurred_on <= filters.end,
                 Concern.station_id.in_(stations))  # fmt: skip
    if not sees_concern_summaries(user):
        stmt = (
            select(
                Organisation.name, Concern.occurred_month, Concern.category, func.count(Concern.id)
            )
            .join(Organisation, Organisation.id == Concern.station_id)
            .where(*in_period)
            .group_by(Organisation.name, Concern.occurred_month, Concern.category)
            .order_by(Organisation.name, Concern.occurred_month)
        )

        def aggregate_rows() -> Iterator[list]:
            counted = {(name, month, category): int(n)
                       for name, month, category, n in db.session.execute(stmt)}  # fmt: skip
            # The summary sheet shows the totals per month and per category, and the period's.
            shown = _protected(counted, services.suppress_small_counts(user), 1, 2)
            for name, month, category in counted:
                yield [name, month, category.label, shown[(name, month, category)]]

        return Section(
            _("Concerns"),
            [_("Station"), _("Month"), _("Category"), _("Concerns")],
            lambda: _count(stmt),
            aggregate_rows,
        )
    stmt = (
        select(Concern)
        .options(joinedload(Concern.station))
        .where(*in_period)
        .order_by(Concern.occurred_on, Concern.id)
    )

    def row(c: Concern) -> list:
        return [f"C-{c.id}", c.occurred_on, c.station.name, c.category.label, c.place,
                c.people_affected, c.status.label, c.summary]  # fmt: skip

    return Section(
        _("Concerns"),
        [
            _("Reference"),
            _("Date"),
            _("Station"),
            _("Category"),
            _("Place"),
            _("People affected"),
            _("Status"),
            _("Summary"),
        ],  # fmt: skip
        lambda: _count(stmt),
        lambda: _stream(stmt, row),
    )


def _protected(cells: dict[tuple, int], suppressed: bool, *by: int) -> dict[tuple, Figure]:
    """A sheet's counts as the reader may see them, next to the totals the summary sheet shows:
    over each position of the key named in ``by`` (month, category) and over everything."""
    groups: list[tuple[list, tuple]] = [(list(cells), ("all",))]
    for position in by:
        members: dict[object, list] = {}
        for key in cells:
            members.setdefault(key[position], []).append(key)
        groups += [(keys, ("by", position, value)) for value, keys in members.items()]
    return disclosure.protect_groups(cells, groups, suppressed)


def report_sections(user, filters: DashboardFilters) -> list[Section]:  # noqa: ANN001
    sections = [stations_section(user, filters), meetings_section(user, filters)]
    if sees_people_lists(user):  # viewers get aggregates, not lists of people
        sections.append(officers_section(user, filters))
    sections += [
        referrals_section(user, filters),
        action_points_section(user, filters),
        concerns_section(user, filters),
    ]
    return sections


def summary_of(user, filters: DashboardFilters) -> tuple[list[Indicator], list[ChartSpec]]:  # noqa: ANN001
    """The dashboard's indicators and monthly series, for the summary sheet."""
    suppressed = services.suppress_small_counts(user)

    def count(value: int) -> int | str:
        return services.shown_count(value, suppressed)

    stations, officers = station_and_officer_counts(user, filters)
    meetings = services.meeting_indicators(user, filters)
    visits = services.visit_indicators(user, filters)
    reach = services.reach_indicators(user, filters)
    referrals = services.referral_indicators(user, filters)
    loop = services.loop_indicators(user, filters)
    training = services.training_indicators(user, filters)
    gain = training.gain
    gain_shown = gain.n >= (services.SUPPRESS_BELOW if suppressed else 1)
    rate = referrals.rate
    hidden = _("not shown: fewer than %(n)s, to protect individuals", n=services.SUPPRESS_BELOW)
    small_note = hidden if suppressed else ""
    period = _("in the period of the filters")
    today = _("on the day the report was made")
    gain_note = (
        _(
            "Percent of each test's maximum; participants with both scores only, "
            "%(left)s left out (no pre- or post-test).",
            left=count(gain.left_out_total),
        )
        if gain_shown
        else hidden
    )
    indicators = [
        Indicator(_("Police stations and posts covered"), stations,
                  _("Stations within the filters, as on the dashboard")),
        Indicator(_("Officers posted there now"), count(officers),
                  _("Active officers whose current posting is one of these stations")),
        Indicator(_("Meetings planned in the period"), meetings.planned, period),
        Indicator(_("Meetings held in the period"), meetings.held, period),
        Indicator(_("Meetings cancelled in the period"), meetings.cancelled, period),
        Indicator(_("Stations visited within their target interval (today)"),
                  visits.within_interval, _("Each station's own target interval, %(when)s",
                                            when=today)),
        Indicator(_("Stations due or overdue for a visit (today)"), visits.overdue, today),
        Indicator(_("Median days since the last visit"),
                  visits.median_days_since if visits.median_days_since is not None else "—",
                  _("Stations visited at least once; never-visited stations count as overdue")),
        Indicator(_("Unique officers reached at meetings"), count(reach.officers_sensitised),
                  small_note or _("Each officer once, however many meetings they attended")),
        Indicator(_("Unique officers trained"), count(reach.officers_trained),
                  small_note or _("Each officer once, however many trainings they attended")),
        Indicator(_("Officers posted now who completed a training"), count(training.trained),
                  small_note or _("Completed: attended every day of a held training")),
        Indicator(
            _("Share of officers posted now who completed a training"),
            training.share if training.share is not None else "—",
            _("Officers who completed a training / officers posted now"),
            percent=True,
        ),
        Indicator(
            _("Stations to re-sensitise (share fell after transfers)"),
            len(training.flagged_stations),
            ", ".join(s.name for s in training.flagged_stations),
        ),  # fmt: skip
        Indicator(_("Officers with pre- and post-test scores"), count(gain.n),
                  small_note or _("Matched pairs: each participant of a training once")),
        Indicator(
            _("Mean pre-test score (percent of maximum)"),
            gain.mean_pre / 100 if gain_shown and gain.mean_pre is not None else "—",
            gain_note, percent=True,
        ),
        Indicator(
            _("Mean post-test score (percent of maximum)"),
            gain.mean_post / 100 if gain_shown and gain.mean_post is not None else "—",
            gain_note, percent=True,
        ),
        Indicator(
            _("Mean gain (percentage points)"),
            round_half_up(gain.mean_gain, 1) if gain_shown and gain.mean_gain is not None
            else "—",
            _gain_test_note(gain) if gain_shown else hidden,
        ),
        Indicator(
            _("Normalised gain"),
            round_half_up(gain.normalised_gain, 2)
            if gain_shown and gain.normalised_gain is not None
            else "—",
            _("(mean post − mean pre) / (maximum − mean pre); low below 0.3, medium to 0.7, "
              "high from 0.7") if gain_shown and gain.normalised_gain is not None
            else hidden if not gain_shown
            else _("not available: every pre-test was already at the maximum")
            if gain.normalised_note == "all_at_ceiling" else _("no matched pairs"),
        ),
        Indicator(_("Referral slips issued"), count(referrals.issued), small_note or period),
        Indicator(_("Referral slips redeemed"), count(referrals.redeemed), small_note or period),
        Indicator(_("Redemption rate"), rate if rate is not None else "—",
                  _("Slips redeemed / slips issued") if rate is not None else hidden
                  if suppressed else _("no slips issued"), percent=True),
        Indicator(_("Action points open (today)"), loop.open_points, today),
        Indicator(_("Action points overdue (today)"), loop.overdue_points,
                  _("Open and past their due date, %(when)s", when=today)),
        Indicator(_("Action points escalated to the command (today)"), loop.escalated_points,
                  _("Overdue longer than the escalation period, %(when)s", when=today)),
        Indicator(_("Action points verified in the period"), loop.verified_in_period, period),
        Indicator(_("… of which done on time"), loop.verified_on_time,
                  _("Done on or before the due date")),
        Indicator(_("Concerns raised in the period"), count(loop.concerns_in_period),
                  small_note or period),
        *(
            Indicator(_("Concerns: %(category)s", category=label), count(n),
                      small_note or period)
            for label, n in loop.concerns_by_category
        ),
    ]  # fmt: skip
    months = services.months_between(filters.start, filters.end)
    labels = [f"{y:04d}-{m:02d}" for y, m in months]

    def series(by_month: dict, index: int, hide: bool) -> list:
        # Referral and concern figures come already suppressed from the services.
        return [by_month.get(k, (0, 0))[index] for k in months]

    charts = [
        ChartSpec(
            _("Meetings per month"),
            labels,
            {
                _("Planned"): series(meetings.by_month, 0, False),
                _("Held"): series(meetings.by_month, 1, False),
            },
        ),  # fmt: skip
        ChartSpec(
            _("Referral slips per month"),
            labels,
            {
                _("Issued"): series(referrals.by_month, 0, suppressed),
                _("Redeemed"): series(referrals.by_month, 1, suppressed),
            },
        ),
        ChartSpec(
            _("Concerns raised per month"),
            labels,
            {
                _("Concerns"): series(
                    {k: (v,) for k, v in loop.concerns_by_month.items()}, 0, suppressed
                )
            },
        ),
    ]
    return indicators, charts


def _gain_test_note(gain) -> str:  # noqa: ANN001
    """The paired t-test as a report cites it: t(df), p, the 95 % interval and d_z."""
    if gain.t_statistic is None:
        return _("paired t-test not possible: fewer than two pairs or every gain the same")
    p = "< 0.001" if gain.p_value < 0.001 else f"= {round_half_up(gain.p_value, 3):.3f}"
    return _(
        "95%% CI [%(low)s, %(high)s]; paired t-test t(%(df)s) = %(t)s, p %(p)s; dz = %(dz)s",
        low=f"{round_half_up(gain.ci_low, 1):.1f}",
        high=f"{round_half_up(gain.ci_high, 1):.1f}",
        df=gain.df,
        t=f"{round_half_up(gain.t_statistic, 2):.2f}",
        p=p,
        dz=f"{round_half_up(gain.effect_size, 2):.2f}",
    )


def report_path(job: ReportJob) -> Path:
    folder = Path(current_app.instance_path) / "reports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"report-{job.id}.xlsx"


def build_report(
    job: ReportJob, on_total: Callable[[int], None], progress: Callable[[int], None]
) -> Path:
    """Write the workbook in the language of the page that asked for it (or the user's own)."""
    language = normalise_language(job.params.get("lang")) or normalise_language(job.user.locale)
    with force_locale(format_locale_for(language or DEFAULT_LANGUAGE)):
        return _build_report(job, on_total, progress)


def _build_report(
    job: ReportJob, on_total: Callable[[int], None], progress: Callable[[int], None]
) -> Path:
    user = job.user
    filters = DashboardFilters.from_params(job.params)
    sections = report_sections(user, filters)
    on_total(sum(section.count() for section in sections))
    indicators, charts = summary_of(user, filters)
    filter_rows = [
        (_("Period"), f"{format_date(filters.start)} – {format_date(filters.end)}"),
        (_("Country"), country_name(filters.country) if filters.country else _("All")),
        (_("Command"), _name(filters.command_id) or _("All")),
        (_("Station"), _name(filters.station_id) or _("All")),
        (_("Prepared for"), f"{user.name} ({user.role.label})"),
        (_("Generated on"), format_datetime(datetime.now(UTC), "short", rebase=False) + " UTC"),
    ]
    path = report_path(job)
    write_report_workbook(
        str(path),
        _("Partnership programme report"),
        filter_rows,
        indicators,
        charts,
        [ReportSheet(Table(s.headers, s.rows(), s.name), totals=s.totals) for s in sections],
        progress=progress,
    )
    return path


def _name(organisation_id: int | None) -> str:
    if not organisation_id:
        return ""
    return (
        db.session.scalar(select(Organisation.name).where(Organisation.id == organisation_id)) or ""
    )
