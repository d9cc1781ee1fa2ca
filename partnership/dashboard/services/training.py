"""Training: the share of officers posted now who completed a training, stations to
re-sensitise, and the knowledge gain of the period's trainings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from partnership import disclosure
from partnership.collation import by_name
from partnership.dashboard.services.filters import (
    DashboardFilters,
    place_restricted,
    station_ids_query,
)
from partnership.extensions import db
from partnership.organisations.models import Organisation


@dataclass(frozen=True)
class StationRef:
    """A station named in a figure: plain values, so figures can be cached."""

    id: int
    name: str


@dataclass
class TrainingIndicators:
    officers: int
    trained: int
    flagged_stations: list
    gain: object  # curricula.stats.GainSummary

    def share(self, suppress: bool) -> float | None:
        """Officers who completed a training / officers posted now, as the user may see it:
        none when a withheld count could be worked out from it and the count beside it."""
        return disclosure.share(
            disclosure.figure(self.trained, suppress), disclosure.figure(self.officers, suppress)
        )


def training_indicators(
    user, filters: DashboardFilters, today: date | None = None
) -> TrainingIndicators:  # noqa: ANN001
    """Share of the officers posted now who completed a training (transfers included: the
    training moves with the officer), stations whose share fell after transfers, and the
    knowledge gain of the trainings in the period."""
    from curricula.services.coverage import coverage_for
    from curricula.services.knowledge import pooled_summary

    today = today or date.today()
    stations = list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.id.in_(station_ids_query(user, filters)), Organisation.active.is_(True)
            )
            .order_by(by_name(Organisation.name), Organisation.id)
        )
    )
    coverage = coverage_for(stations, since=today - timedelta(days=180))
    gain = pooled_summary(
        user,
        {"date_from": filters.start, "date_to": filters.end},
        station_ids=station_ids_query(user, filters) if place_restricted(user, filters) else None,
    )
    return TrainingIndicators(
        officers=sum(c.officers for c in coverage),
        trained=sum(c.trained for c in coverage),
        flagged_stations=[
            StationRef(c.station.id, c.station.name) for c in coverage if c.needs_resensitisation
        ],
        gain=gain,
    )
