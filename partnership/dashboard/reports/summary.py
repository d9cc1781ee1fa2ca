"""The report's summary sheet: the dashboard's indicators, with what each one counts, and its
monthly series for the native charts."""

from __future__ import annotations

from flask_babel import gettext as _

from partnership import disclosure
from partnership.dashboard import services
from partnership.dashboard.services import DashboardFilters, station_and_officer_counts
from partnership.numbers import round_half_up
from partnership.spreadsheets import ChartSpec, Indicator


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
    gain_shown = disclosure.mean_shown(gain.n, suppressed)
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
            "—" if training.share(suppressed) is None else training.share(suppressed),
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
        Indicator(_("Action points open (today)"), count(loop.open_points), today),
        Indicator(_("Action points overdue (today)"), count(loop.overdue_points),
                  _("Open and past their due date, %(when)s", when=today)),
        Indicator(_("Action points escalated to the command (today)"), count(loop.escalated_points),
                  _("Overdue longer than the escalation period, %(when)s", when=today)),
        Indicator(_("Action points verified in the period"), count(loop.verified_in_period), period),
        Indicator(_("… of which done on time"), count(loop.verified_on_time),
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
