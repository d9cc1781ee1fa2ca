"""What the steps of the build share: the seed, the dates, the ids, and what earlier steps made
(commands, stations, officers) for later ones to point at."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from partnership.bench.build.rows import Ids

BENCH_PASSWORD = "partnership-demo"  # noqa: S105 - the documented demo password
COMMAND_OFFICER_EMAIL = "command-officer@bench.example"
STATION_OFFICER_EMAIL = "station-officer@bench.example"


@dataclass
class Programme:
    sizes: object  # Sizes
    rng: random.Random
    today: date
    now: datetime
    ids: Ids
    echo: Callable
    reach_out: int | None = None  # the demo NGO that raises concerns and organises meetings
    coordinator: object = None  # the demo coordinator (User)
    commands: list[int] = field(default_factory=list)
    stations_of: dict[int, list[int]] = field(default_factory=dict)
    services_of: dict[int, list[int]] = field(default_factory=dict)
    all_stations: list[int] = field(default_factory=list)
    busiest: int = 0
    weights: list[int] = field(default_factory=list)
    officers_at: dict[int, list[int]] = field(default_factory=dict)
    command_of: dict[int, int] = field(default_factory=dict)
    police_users: dict[int, int] = field(default_factory=dict)

    @property
    def stamp(self) -> dict:
        return {"created_at": self.now, "updated_at": self.now}

    @property
    def versioned(self) -> dict:
        return {**self.stamp, "version": 1}
