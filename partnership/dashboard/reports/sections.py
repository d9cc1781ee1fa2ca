"""The report's sheets, one per area: how many rows each will have, and the rows, streamed
from the database within the user's scope (aggregates only where the user reads no lists)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from partnership import disclosure
from partnership.dashboard import services
from partnership.dashboard.services import DashboardFilters, station_ids_query
from partnership.disclosure import Figure
from partnership.extensions import db
from partnership.forms import country_name
from partnership.organisations.models import Organisation, Person, PersonKind
from partnership.permissions import sees_concern_summaries, sees_people_lists


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

    start, end = services.period_bounds(filters)
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
    from partnership.referrals.summary import slip_counts

    counts = slip_counts(
        ("station_id", "year", "month"),
        start=filters.start,
        end=filters.end,
        stations=station_ids_query(user, filters),
    ).subquery()
    stmt = (
        select(Organisation.name, counts.c.year, counts.c.month,
               func.sum(counts.c.issued), func.sum(counts.c.redeemed))
        .join(Organisation, Organisation.id == counts.c.station_id)
        .group_by(Organisation.name, counts.c.year, counts.c.month)
        .order_by(Organisation.name, counts.c.year, counts.c.month)
    )  # fmt: skip
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
