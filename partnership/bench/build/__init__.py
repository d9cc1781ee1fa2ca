"""Build a programme-scale database for the benchmark.

The demo programme is loaded first (its accounts, schemes, modules and services); on top of it a
national programme is written in bulk through the models' tables (``insert(Model)`` with lists of
rows: executemany), with the values the services would write (month keys, days to verification,
a redemption's station copied from its slip, ...). A deterministic seed makes two builds equal.

The build runs in steps, one module each, in this order (the seed makes the order matter):
``places``, ``referrals``, ``meetings``, ``loop``; ``rows`` writes in bulk; ``state`` is what the
steps share.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from partnership.bench.build.loop import build_loop
from partnership.bench.build.meetings import build_meetings
from partnership.bench.build.places import build_places
from partnership.bench.build.referrals import build_referrals
from partnership.bench.build.rows import Ids, reset_sequences
from partnership.bench.build.state import (
    BENCH_PASSWORD,
    COMMAND_OFFICER_EMAIL,
    STATION_OFFICER_EMAIL,
    Programme,
)
from partnership.extensions import db

__all__ = [
    "BENCH_PASSWORD",
    "COMMAND_OFFICER_EMAIL",
    "STATION_OFFICER_EMAIL",
    "Sizes",
    "already_built",
    "build",
    "marker_path",
]


@dataclass(frozen=True)
class Sizes:
    """How big a programme to build; the defaults are the programme of issue "programme scale"."""

    commands: int = 10
    stations: int = 300
    officers: int = 8000
    slips: int = 200_000
    redeemed_share: float = 0.4
    action_points: int = 15_000
    follow_ups: int = 45_000
    concerns: int = 3000
    meetings: int = 5000
    attendance_marks: int = 60_000
    trainings: int = 300
    participants: int = 6000
    seed: int = 20261201

    @classmethod
    def tiny(cls) -> Sizes:
        """A few of everything: for the test that proves the bench works."""
        return cls(
            commands=2, stations=6, officers=60, slips=400, action_points=80, follow_ups=200,
            concerns=30, meetings=40, attendance_marks=400, trainings=4, participants=60,
        )  # fmt: skip


def marker_path() -> Path:
    return Path(current_app.instance_path) / "bench-built.json"


def already_built(sizes: Sizes) -> bool:
    """True when this database holds a programme built with exactly these sizes."""
    from partnership.accounts.models import User

    path = marker_path()
    if not path.exists():
        return False
    recorded = json.loads(path.read_text())
    if recorded.get("sizes") != asdict(sizes) or recorded.get("database") != _database_key():
        return False
    return bool(db.session.scalar(select(User.id).where(User.email == COMMAND_OFFICER_EMAIL)))


def _database_key() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def build(sizes: Sizes, echo=print) -> None:  # noqa: ANN001
    """Load the demo and write the programme on top of it, in one transaction."""
    from curricula.models import Participant, Training
    from meetings.models import AttendanceMark, Attendee, Meeting
    from partnership.accounts.models import User
    from partnership.actions.models import ActionPoint, Concern, FollowUp
    from partnership.audit import set_system_actor
    from partnership.demo import seed
    from partnership.organisations.models import Organisation, Person, Posting
    from partnership.referrals.models import Redemption, Scheme, ServicePoint, Slip

    rng = random.Random(sizes.seed)
    today = date.today()
    now = datetime.now(UTC)
    set_system_actor("bench")
    echo("Loading the demo programme...")
    seed()
    db.session.flush()
    ids = Ids()
    for model in (Organisation, Person, Posting, User, Scheme, ServicePoint, Slip, Redemption,
                  Concern, ActionPoint, FollowUp, Meeting, Attendee, AttendanceMark, Training,
                  Participant):  # fmt: skip
        ids.start(model)
    reach_out = db.session.scalar(
        select(Organisation.id).where(Organisation.name == "Reach Out Centre Trust")
    )
    coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.example"))
    prog = Programme(
        sizes, rng, today, now, ids, echo, reach_out=reach_out, coordinator=coordinator
    )
    for step in (build_places, build_referrals, build_meetings, build_loop):
        step(prog)
    reset_sequences()
    # Rows written past the ORM: the search index is built from the tables in one go.
    from partnership.search.index import rebuild

    echo(f"Search index: {rebuild(db.session.connection())} entries.")
    from partnership.referrals import summary

    echo(f"Slips summary: {summary.rebuild(db.session.connection())} rows.")
    from partnership.actions import summary as point_summary

    echo(f"Action points summary: {point_summary.rebuild(db.session.connection())} rows.")
    from meetings import reach

    echo(f"Officers reached: {reach.rebuild(db.session.connection())} rows.")
    db.session.commit()
    marker_path().write_text(json.dumps({"sizes": asdict(sizes), "database": _database_key()}))
    echo("Built.")
