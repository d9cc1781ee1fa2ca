"""Coverage of officers per station, from the posting history: who is posted there now, how
many of them completed a training (here or at an earlier station), and whether the share fell
since a reference date because trained officers left or untrained ones arrived."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, and_, distinct, func, or_, select

from curricula.models import Training
from curricula.services.results import completed_clause
from meetings.models import HAPPENED_STATUSES, Attendee, Meeting
from partnership import disclosure
from partnership.caching import cached
from partnership.collation import by_name
from partnership.extensions import db
from partnership.organisations.models import (
    STATION_KINDS,
    Organisation,
    Person,
    PersonKind,
    Posting,
)
from partnership.organisations.services import station_ids_in_place
from partnership.permissions import station_scope


@dataclass
class StationCoverage:
    station: Organisation
    officers: int
    trained: int
    trained_elsewhere: int
    officers_then: int
    trained_then: int
    transfers: int

    @property
    def share(self) -> float | None:
        return self.trained / self.officers if self.officers else None

    @property
    def share_then(self) -> float | None:
        return self.trained_then / self.officers_then if self.officers_then else None

    @property
    def needs_resensitisation(self) -> bool:
        """The share of trained officers fell since the reference date through transfers."""
        return (
            self.transfers > 0
            and self.share_then is not None
            and (self.share or 0) < self.share_then
        )


@dataclass(frozen=True)
class SeenCoverage:
    """A station's coverage as one user may see it: counts already suppressed (see
    ``partnership.disclosure``), and no share that would give a withheld count away."""

    station: Organisation
    officers: disclosure.Figure
    trained: disclosure.Figure
    trained_elsewhere: disclosure.Figure
    share: float | None
    share_then: float | None  # its counts are not shown: the share alone gives nothing away
    needs_resensitisation: bool


def as_seen(rows: list[StationCoverage], user) -> list[SeenCoverage]:  # noqa: ANN001
    suppress = disclosure.applies_to(user)
    seen = []
    for r in rows:
        officers = disclosure.figure(r.officers, suppress)
        trained = disclosure.figure(r.trained, suppress)
        seen.append(
            SeenCoverage(
                station=r.station,
                officers=officers,
                trained=trained,
                trained_elsewhere=disclosure.figure(r.trained_elsewhere, suppress),
                share=disclosure.share(trained, officers),
                share_then=r.share_then,
                needs_resensitisation=r.needs_resensitisation,
            )
        )
    return seen


def station_query(
    user,  # noqa: ANN001
    country: str = "",
    command_id: int | None = None,
    station_id: int | None = None,
) -> Select:
    """The active stations in the user's scope, within the place filters (as the dashboard's)."""
    stmt = select(Organisation).where(
        Organisation.kind.in_(STATION_KINDS), Organisation.active.is_(True)
    )
    scope = station_scope(user)
    if scope is not None:
        stmt = stmt.where(Organisation.id.in_(scope))
    place = station_ids_in_place(country, command_id)
    if place is not None:
        stmt = stmt.where(Organisation.id.in_(place))
    if station_id:
        stmt = stmt.where(Organisation.id == station_id)
    return stmt.order_by(by_name(Organisation.name), Organisation.id)


@dataclass(frozen=True)
class CoverageTotals:
    """The whole view's officers and trained, already suppressed, and a share that gives no
    withheld count away (as the dashboard's tile shows them)."""

    officers: disclosure.Figure
    trained: disclosure.Figure
    share: float | None


def totals_of(rows: list[StationCoverage], user) -> CoverageTotals:  # noqa: ANN001
    """The officers and the trained of every station of a view, as the user may see them."""
    suppress = disclosure.applies_to(user)
    officers = disclosure.figure(sum(r.officers for r in rows), suppress)
    trained = disclosure.figure(sum(r.trained for r in rows), suppress)
    return CoverageTotals(officers, trained, disclosure.share(trained, officers))


# Up to this many stations (a station's page, a command), the completed participations are
# looked up for their people only; for more, reading all of them once is cheaper.
FEW_STATIONS = 40


def _completed(by: date | None = None, people=None):  # noqa: ANN001, ANN202
    """A common table expression: (person_id, station_id at the time) of every completed participation in a
    training that took place (held, or its minutes recorded): attendance marked ahead on a
    proposed or confirmed training trains no one yet. ``people``: a subquery of the person ids
    the caller joins it to (fewer rows read, the same result)."""
    stmt = (
        select(Attendee.person_id, Attendee.station_id)
        .join(Training, Training.meeting_id == Attendee.meeting_id)
        .join(Meeting, Meeting.id == Attendee.meeting_id)
        .where(
            completed_clause(days=Training.day_count),
            Meeting.status.in_(list(HAPPENED_STATUSES)),
        )
    )
    if by is not None:
        # Trained by then: the training had started (a training lasts at most 14 days).
        stmt = stmt.where(Training.starts_on <= by)
    if people is not None:
        stmt = stmt.where(Attendee.person_id.in_(people))
    # Computed once and then joined (the planners otherwise count every attendee's marks of
    # every meeting of each officer); PostgreSQL 12+ and SQLite 3.35+ read the hint.
    return stmt.cte("completed").prefix_with("MATERIALIZED")


def coverage_for(stations: list[Organisation], since: date) -> list[StationCoverage]:
    """Coverage of ``stations`` now and at ``since``, in a fixed number of GROUP BY queries over
    the whole training history, kept until a write changes a table they read
    (``partnership.caching``): the counts are those of a plain query, suppression is applied
    by who shows them (``as_seen``)."""
    ids = sorted(s.id for s in stations)
    if not ids:
        return []
    digest = hashlib.sha1(",".join(map(str, ids)).encode(), usedforsecurity=False).hexdigest()
    counts = cached("coverage-counts", lambda: _coverage_counts(ids, since), digest, since)
    return [StationCoverage(s, *counts.get(s.id, (0, 0, 0, 0, 0, 0))) for s in stations]


def _coverage_counts(ids: list[int], since: date) -> dict[int, tuple[int, ...]]:
    """Per station id: officers, trained, trained elsewhere, officers then, trained then,
    transfers (the fields of ``StationCoverage`` after the station)."""
    officer = and_(Person.kind == PersonKind.OFFICER, Person.active.is_(True))
    now_officers = dict(
        db.session.execute(
            select(Person.organisation_id, func.count(Person.id))
            .where(officer, Person.organisation_id.in_(ids))
            .group_by(Person.organisation_id)
        ).all()
    )
    few = len(ids) <= FEW_STATIONS
    done = _completed(
        people=select(Person.id).where(Person.organisation_id.in_(ids)) if few else None
    )
    trained_rows = db.session.execute(
        select(
            Person.organisation_id,
            func.count(distinct(Person.id)),
            func.count(distinct(case_elsewhere(done))),
        )
        .join(done, done.c.person_id == Person.id)
        .where(officer, Person.organisation_id.in_(ids))
        .group_by(Person.organisation_id)
    ).all()
    trained = {r[0]: (r[1], r[2]) for r in trained_rows}

    posted_then = and_(
        Posting.start_date <= since, or_(Posting.end_date.is_(None), Posting.end_date > since)
    )
    officers_then = dict(
        db.session.execute(
            select(Posting.station_id, func.count(distinct(Posting.person_id)))
            .where(posted_then, Posting.station_id.in_(ids))
            .group_by(Posting.station_id)
        ).all()
    )
    done_then = _completed(
        by=since,
        people=select(Posting.person_id).where(Posting.station_id.in_(ids)) if few else None,
    )
    trained_then = dict(
        db.session.execute(
            select(Posting.station_id, func.count(distinct(Posting.person_id)))
            .join(done_then, done_then.c.person_id == Posting.person_id)
            .where(posted_then, Posting.station_id.in_(ids))
            .group_by(Posting.station_id)
        ).all()
    )
    moved = or_(
        and_(Posting.start_date > since, Posting.start_date <= date.today()),
        and_(Posting.end_date.isnot(None), Posting.end_date > since),
    )
    transfers = dict(
        db.session.execute(
            select(Posting.station_id, func.count(Posting.id))
            .where(moved, Posting.station_id.in_(ids))
            .group_by(Posting.station_id)
        ).all()
    )
    return {
        i: (
            now_officers.get(i, 0),
            trained.get(i, (0, 0))[0],
            trained.get(i, (0, 0))[1],
            officers_then.get(i, 0),
            trained_then.get(i, 0),
            transfers.get(i, 0),
        )
        for i in ids
    }


def case_elsewhere(done):  # noqa: ANN001, ANN201
    """The person's id when they completed a training while posted at another station."""
    from sqlalchemy import case

    return case((done.c.station_id != Person.organisation_id, Person.id))


def station_summary(station: Organisation, user, since: date | None = None) -> dict:  # noqa: ANN001
    """Coverage and knowledge gain of one station, for the dashboard's station story."""
    from datetime import timedelta

    from curricula.services.knowledge import grouped_summaries

    since = since or (date.today() - timedelta(days=180))
    (coverage,) = as_seen(coverage_for([station], since), user)
    rows = grouped_summaries("station", user, {"station_id": station.id})
    gain = rows[0].summary if rows else None
    return {
        "coverage": coverage,
        "gain": gain,
        # A mean over fewer than five pairs would describe them one by one.
        "gain_shown": bool(gain and gain.n)
        and not disclosure.figure(gain.n, disclosure.applies_to(user)).withheld,
        "since": since,
        "small": disclosure.applies_to(user),
    }
