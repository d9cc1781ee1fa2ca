"""The action points summary (partnership.actions.summary) holds exactly what counting the
points gives, after every kind of write (created, status changed through the follow-up form,
verified, owners, station and due date changed, deleted), and the loop's measures read from it
equal the plain query over every point, for the whole programme, an officer's stations and a
viewer's suppressed small counts."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from flask_login import login_user
from sqlalchemy import and_, case, delete, func, select, update

from partnership.accounts.models import User
from partnership.actions import summary
from partnership.actions.measures import action_point_measures
from partnership.actions.models import (
    OPEN_ACTION_STATUSES,
    ActionPoint,
    ActionPointCount,
    ActionPointDays,
    ActionStatus,
    Side,
)
from partnership.disclosure import applies_to, figure
from partnership.organisations.models import Organisation
from partnership.permissions import station_scope

TODAY = date.today()


def _kept() -> dict:
    counts = {
        (r.station_id, Side(r.side).value, ActionStatus(r.status).value):
            (r.points, r.on_time, r.median_days)
        for r in ActionPointCount.query.all()
    }  # fmt: skip
    days = {
        (r.station_id, Side(r.side).value, r.days): r.points for r in ActionPointDays.query.all()
    }
    return {"counts": counts, "days": days}


def _plain_medians(db, owner, scope=None) -> dict:  # noqa: ANN001
    """Median days to verification per station of the verified points with an owner on one
    side, by ROW_NUMBER over the points."""
    ranked = select(
        ActionPoint.station_id.label("station_id"),
        ActionPoint.days_to_verification.label("days"),
        func.row_number().over(partition_by=ActionPoint.station_id,
                               order_by=ActionPoint.days_to_verification).label("rn"),
        func.count().over(partition_by=ActionPoint.station_id).label("n"),
    ).where(ActionPoint.status == ActionStatus.VERIFIED,
            ActionPoint.days_to_verification.is_not(None), owner.is_not(None))  # fmt: skip
    if scope is not None:
        ranked = ranked.where(ActionPoint.station_id.in_(scope))
    sub = ranked.subquery()
    return {
        station_id: float(m)
        for station_id, m in db.session.execute(
            select(sub.c.station_id, func.avg(sub.c.days * 1.0))
            .where(sub.c.rn.in_([(sub.c.n + 1) // 2, (sub.c.n + 2) // 2]))
            .group_by(sub.c.station_id)
        )
    }


SIDES = ((Side.POLICE, ActionPoint.police_owner_id), (Side.NGO, ActionPoint.ngo_owner_id))


def _counted(db) -> dict:  # noqa: ANN001
    """The summary as counting every point again gives it."""
    medians = {side.value: _plain_medians(db, owner) for side, owner in SIDES}
    counts = {
        (r.station_id, Side(r.side).value, ActionStatus(r.status).value): (
            r.points, int(r.on_time),
            medians[Side(r.side).value].get(r.station_id)
            if ActionStatus(r.status) is ActionStatus.VERIFIED else None,
        )
        for r in db.session.execute(summary.counted_select())
    }  # fmt: skip
    days = Counter()
    for side, owner in SIDES:
        for point in ActionPoint.query.where(
            owner.is_not(None),
            ActionPoint.status == ActionStatus.VERIFIED,
            ActionPoint.days_to_verification.is_not(None),
        ):
            days[(point.station_id, side.value, point.days_to_verification)] += 1
    return {"counts": counts, "days": dict(days)}


def _plain_measures(db, user: User) -> list[tuple]:  # noqa: ANN001
    """The measures as the plain query over every point computes them (GROUP BY per side, the
    median by ROW_NUMBER), as comparable tuples."""
    scope = station_scope(user)
    suppress = applies_to(user)
    is_open = ActionPoint.status.in_(list(OPEN_ACTION_STATUSES))
    finished = ActionPoint.status.in_([ActionStatus.DONE, ActionStatus.VERIFIED])
    rows = []
    for side, owner in SIDES:
        medians = _plain_medians(db, owner, scope)
        stmt = (
            select(
                ActionPoint.station_id, Organisation.name,
                func.sum(case((is_open, 1), else_=0)),
                func.sum(case((and_(is_open, ActionPoint.due_on < TODAY), 1), else_=0)),
                func.sum(case((and_(finished, ActionPoint.done_on <= ActionPoint.due_on), 1),
                              else_=0)),
                func.sum(case((finished, 1), else_=0)),
            )
            .join(Organisation, Organisation.id == ActionPoint.station_id)
            .where(owner.is_not(None))
            .group_by(ActionPoint.station_id, Organisation.name)
        )  # fmt: skip
        if scope is not None:
            stmt = stmt.where(ActionPoint.station_id.in_(scope))
        for station_id, name, open_, overdue, on_time, done in db.session.execute(stmt):
            median = medians.get(station_id)
            if suppress and figure(done, suppress).withheld:
                median = None
            rows.append((name, side.value, station_id, str(figure(open_, suppress)),
                         str(figure(overdue, suppress)), str(figure(on_time, suppress)),
                         str(figure(done, suppress)),
                         None if median is None else float(median)))  # fmt: skip
    return sorted(rows)


def _measures(user: User) -> list[tuple]:
    return sorted(
        (r.station, r.side.value, r.station_id, str(r.open), str(r.overdue),
         str(r.done_on_time), str(r.done), r.median_days_to_verification)
        for r in action_point_measures(user)
    )  # fmt: skip


def _programme(world, make_action_point, seed: int = 7) -> list[ActionPoint]:  # noqa: ANN001
    """Points of every status, side and due date at three stations."""
    rng = random.Random(seed)
    officer, coordinator = world.users["officer"].id, world.users["coordinator"].id
    points = []
    for _ in range(60):
        status = rng.choice(list(ActionStatus))
        due = TODAY + timedelta(days=rng.randint(-40, 20))
        finished = status in (ActionStatus.DONE, ActionStatus.VERIFIED)
        points.append(make_action_point(
            rng.choice([world.station_a, world.station_b, world.station_c]),
            status=status.value, due_on=due,
            police_owner_id=rng.choice([officer, None]),
            ngo_owner_id=rng.choice([coordinator, coordinator, None]),
            done_on=due + timedelta(days=rng.randint(-5, 5)) if finished else None,
            days_to_verification=rng.choice([rng.randint(0, 30), None])
            if status is ActionStatus.VERIFIED else None,
        ))  # fmt: skip
    return points


def _check(app, db, world, *others: User) -> None:  # noqa: ANN001
    """The kept summary equals a recount, and the measures read from it equal the plain query
    as a coordinator, an officer of one station, a viewer and any ``others`` (a command's
    officer)."""
    with app.test_request_context():
        assert _kept() == _counted(db)
        users = [world.users[role].id for role in ("coordinator", "officer", "viewer")]
        for user_id in users + [u.id for u in others]:
            user = db.session.get(User, user_id)
            login_user(user)
            assert _measures(user) == _plain_measures(db, user), user.email


def test_the_summary_and_the_measures_equal_the_plain_query(app, db, world, make_action_point):
    _programme(world, make_action_point)
    _check(app, db, world)


def test_the_summary_follows_every_write(app, db, world, make_action_point):  # noqa: PLR0915
    points = _programme(world, make_action_point, seed=11)
    rng = random.Random(3)
    with app.app_context():
        for point_id in rng.sample([p.id for p in points], 25):
            point = db.session.get(ActionPoint, point_id)
            change = rng.choice(
                ["status", "owners", "station", "due", "verify", "days", "reopen", "delete"]
            )
            if change == "status":
                point.status = rng.choice(list(ActionStatus))
            elif change == "owners":
                point.police_owner_id = rng.choice([world.users["officer"].id, None])
                point.ngo_owner_id = rng.choice([world.users["coordinator"].id, None])
            elif change == "station":
                point.station_id = rng.choice([world.station_a, world.station_c]).id
            elif change == "due":
                point.due_on = TODAY + timedelta(days=rng.randint(-10, 10))
            elif change == "verify":
                point.status = ActionStatus.VERIFIED
                point.done_on = point.done_on or TODAY
                point.days_to_verification = rng.randint(0, 9)
            elif change == "days":
                # Only the histogram changes: no count does.
                point.days_to_verification = rng.choice([None, rng.randint(0, 40)])
            elif change == "reopen":
                point.status = ActionStatus.REOPENED
                point.done_on = point.days_to_verification = None
            else:
                db.session.delete(point)
            db.session.commit()
    _check(app, db, world)
    # A write rolled back leaves the summary as it was.
    with app.app_context():
        point = db.session.get(ActionPoint, points[0].id) or db.session.get(
            ActionPoint, points[1].id
        )
        point.status = ActionStatus.DROPPED
        db.session.flush()
        db.session.rollback()
    _check(app, db, world)


def test_the_measures_page_follows_a_follow_up_at_once(
    app, db, world, make_action_point, officer_client, coordinator_client
):
    """Marked done through the follow-up form: the kept measures page shows it on the next
    load, as the plain query counts it."""
    point = make_action_point(world.station_a, police_owner_id=world.users["officer"].id,
                              due_on=TODAY + timedelta(days=3))  # fmt: skip
    for _ in range(5):
        make_action_point(world.station_a, police_owner_id=world.users["officer"].id,
                          status="done", done_on=TODAY, due_on=TODAY)  # fmt: skip
    before = coordinator_client.get("/measures").get_data(as_text=True)
    assert "Alpha Police Station" in before
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"status": "done", "action_taken": "Briefed the night shift"},
    )
    assert response.status_code == 302, response.data[:500]
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.DONE
    _check(app, db, world)
    after = coordinator_client.get("/measures").get_data(as_text=True)
    assert after != before


def test_the_summary_follows_the_app_s_writes(
    app, db, world, make_action_point, make_user, login_as
):
    """Created, moved on, marked done, verified (adequate or not, reopening it), reopened after
    verification, dropped, edited to another station and owners, deleted: after each write
    through the pages, the summary equals a recount and the measures the plain query, for a
    coordinator, a station's officer, a command's officer and a viewer."""
    command_officer = make_user("officer", world.command, email="command@test.example")
    coordinator, officer = login_as("coordinator"), login_as("officer")
    officer_id, coordinator_id = world.users["officer"].id, world.users["coordinator"].id
    now = datetime.now(UTC)
    # Done by the police side a number of days after it was agreed: verified by the NGO side,
    # each gives a different number of days to verification.
    done = [
        make_action_point(world.station_a if n % 3 else world.station_b, status="done",
                          done_side="police", action_taken="Briefed the shift",
                          done_on=TODAY - timedelta(days=n), due_on=TODAY - timedelta(days=5),
                          police_owner_id=officer_id if n % 2 else None,
                          ngo_owner_id=coordinator_id, created_at=now - timedelta(days=4 * n))
        for n in range(1, 12)
    ]  # fmt: skip
    _check(app, db, world, command_officer)

    def ok(response) -> None:  # noqa: ANN001
        assert response.status_code == 302, response.data[:300]
        _check(app, db, world, command_officer)

    ok(coordinator.post("/action-points/new", data={
        "title": "Brief the night shift on the NSP agreement", "station_id": world.station_a.id,
        "police_owner_id": officer_id, "ngo_owner_id": coordinator_id,
        "due_on": (TODAY + timedelta(days=14)).isoformat(), "priority": "high", "details": "",
    }))  # fmt: skip
    with app.app_context():
        created = db.session.scalar(select(func.max(ActionPoint.id)))
    ok(officer.post(f"/action-points/{created}/follow-up", data={"status": "in_progress",
                                                                 "note": "Started"}))  # fmt: skip
    ok(
        officer.post(
            f"/action-points/{created}/follow-up",
            data={"status": "done", "action_taken": "Briefed the night shift"},
        )
    )
    for point in done[:8]:
        ok(coordinator.post(f"/action-points/{point.id}/verify", data={"adequate": "yes"}))
    ok(coordinator.post(f"/action-points/{done[8].id}/verify",
                        data={"adequate": "no", "note": "Confiscations went on."}))  # fmt: skip
    ok(coordinator.post(f"/action-points/{done[0].id}/follow-up",
                        data={"status": "reopened", "note": "Raids again"}))  # fmt: skip
    ok(coordinator.post(f"/action-points/{done[9].id}/follow-up",
                        data={"status": "reopened", "note": "Not done after all"}))  # fmt: skip
    ok(coordinator.post(f"/action-points/{done[9].id}/follow-up",
                        data={"status": "dropped", "reason": "No longer relevant"}))  # fmt: skip
    with app.app_context():
        moved = db.session.get(ActionPoint, done[2].id)
        version = moved.version
    ok(coordinator.post(f"/action-points/{done[2].id}/edit", data={
        "title": "Stop the raids", "station_id": world.station_c.id, "police_owner_id": "",
        "ngo_owner_id": coordinator_id, "due_on": TODAY.isoformat(), "priority": "normal",
        "details": "", "version": version,
    }))  # fmt: skip
    with app.app_context():
        assert db.session.get(ActionPoint, done[2].id).station_id == world.station_c.id
        db.session.delete(db.session.get(ActionPoint, done[4].id))
        db.session.commit()
    _check(app, db, world, command_officer)


def test_the_measures_read_the_summary(app, db, world, make_action_point):
    """The measures come from the summary (a summary put out of step shows on the page's
    figures) and ``rebuild`` counts it again from the points."""
    _programme(world, make_action_point, seed=5)
    with app.app_context():
        db.session.execute(
            update(ActionPointCount).values(
                median_days=ActionPointCount.median_days + 1, points=ActionPointCount.points + 7
            )
        )
        db.session.commit()  # fmt: skip
    with app.test_request_context():
        user = db.session.get(User, world.users["coordinator"].id)
        login_user(user)
        assert _measures(user) != _plain_measures(db, user)
        summary.rebuild(db.session.connection())
        db.session.commit()
    _check(app, db, world)


def test_the_rebuild_command_puts_the_summary_back_in_step(
    app, db, world, make_action_point, make_user
):
    """An account deleted in the database by hand leaves its points without an owner (ON DELETE
    SET NULL), past the hook: the summary still counts them on the police side until an
    operator runs ``flask rebuild-summaries`` (here only that summary's)."""
    leaving = make_user("officer", world.station_a, email="leaving@test.example")
    _programme(world, make_action_point, seed=13)
    for n in range(6):
        make_action_point(world.station_a, police_owner_id=leaving.id, status="verified",
                          done_on=TODAY, due_on=TODAY, days_to_verification=n)  # fmt: skip
    with app.app_context():
        db.session.execute(delete(User).where(User.id == leaving.id))
        db.session.commit()
        assert _kept() != _counted(db)
    result = app.test_cli_runner().invoke(args=["rebuild-summaries", "--only", "action-points"])
    assert result.exit_code == 0, result.output
    assert "Action points summary (counts and days to verification):" in result.output
    assert "Rebuilt 1 summaries from the records in one transaction." in result.output
    _check(app, db, world)
