"""The dashboard's "concerns ready to resolve" (one query reading the concerns in date order
and each one's points by its id) lists exactly the concerns the concern page offers to resolve
(``ready_to_resolve`` on the loaded points): on a random set, after a write, for a
coordinator and scoped to an officer's station."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from partnership.accounts.models import User
from partnership.actions.models import ActionPoint, ActionStatus, Concern
from partnership.actions.services.concerns.resolution import ready_to_resolve
from partnership.actions.services.review import concerns_ready_to_resolve
from partnership.extensions import db

TODAY = date.today()
CONCERN_STATUSES = ["open", "on_agenda", "being_addressed", "resolved", "closed_unresolved"]
POINT_STATUSES = ["open", "in_progress", "done", "verified", "reopened", "dropped"]


def _plain(user: User) -> list[int]:
    """Every concern in the user's stations that its page would offer to resolve, in the
    dashboard's order."""
    from partnership.permissions import station_scope

    scope = station_scope(user)
    concerns = db.session.scalars(select(Concern).options(selectinload(Concern.action_points)))
    ready = [c for c in concerns if ready_to_resolve(c) and (scope is None or c.station_id in scope)]
    return [c.id for c in sorted(ready, key=lambda c: (c.occurred_on, c.id))]


def _listed(user: User, limit: int) -> list[int]:
    return [c.id for c in concerns_ready_to_resolve(user, limit)]


@pytest.fixture()
def concerns(app, world, make_concern, make_action_point):  # noqa: ANN001, ANN201
    rng = random.Random(20261202)
    stations = [world.station_a, world.station_b, world.station_c]
    made = []
    for i in range(45):
        concern = make_concern(
            rng.choice(stations),
            summary=f"Concern {i}",
            status=rng.choice(CONCERN_STATUSES),
            # Several on the same day: the id breaks the tie.
            occurred_on=TODAY - timedelta(days=rng.randrange(0, 12)),
        )
        # Half of them with settled points only (verified or dropped), to be ready or not.
        statuses = POINT_STATUSES if i % 2 else ["verified", "verified", "dropped"]
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            make_action_point(rng.choice(stations), title=f"Point for {i}", concerns=[concern],
                              status=rng.choice(statuses))  # fmt: skip
        made.append(concern)
    # A point shared by two concerns, unsettled: neither is ready.
    shared = [c for c in made if c.status.is_open][:2]
    make_action_point(world.station_a, title="Shared", concerns=shared, status="in_progress")
    return made


@pytest.mark.parametrize("role", ["coordinator", "officer"])
def test_the_list_equals_the_concerns_the_pages_offer_to_resolve(app, world, concerns, role):
    with app.app_context():
        user = db.session.get(User, world.users[role].id)
        plain = _plain(user)
        assert len(plain) >= 3  # the random set has some of each kind
        for limit in (1, 3, 6, len(plain) + 5):
            assert _listed(user, limit) == plain[:limit]
        if role == "officer":
            assert {db.session.get(Concern, i).station_id for i in plain} == {world.station_a.id}


def test_right_after_a_point_is_verified_or_reopened(app, world, concerns):
    with app.app_context():
        coordinator = db.session.get(User, world.users["coordinator"].id)
        officer = db.session.get(User, world.users["officer"].id)
        before = _plain(coordinator)
        # An open concern at the officer's station whose only unsettled point gets verified.
        waiting = next(
            c
            for c in db.session.scalars(
                select(Concern).where(Concern.station_id == world.station_a.id)
                .options(selectinload(Concern.action_points)).order_by(Concern.id)
            )
            if c.status.is_open and c.id not in before
            and sum(p.status not in (ActionStatus.VERIFIED, ActionStatus.DROPPED)
                    for p in c.action_points) == 1
        )  # fmt: skip
        point = next(p for p in waiting.action_points if p.status is not ActionStatus.VERIFIED)
        if point.status is ActionStatus.DROPPED:
            pytest.skip("the random set changed")
        point.status = ActionStatus.VERIFIED
        db.session.commit()
        after = _plain(coordinator)
        assert waiting.id in after
        assert _listed(coordinator, 100) == after
        assert _listed(officer, 100) == _plain(officer)
        assert waiting.id in _listed(officer, 100)
        # Reopened, it leaves the list again.
        db.session.get(ActionPoint, point.id).status = ActionStatus.REOPENED
        db.session.commit()
        assert waiting.id not in _listed(coordinator, 100)
        assert _listed(coordinator, 100) == _plain(coordinator) == before
        db.session.remove()
