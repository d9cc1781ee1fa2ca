"""The bench programme's problem-solving loop: concerns, action points, follow-ups."""

from __future__ import annotations

from datetime import timedelta

from partnership.bench.build.rows import at, insert_rows
from partnership.bench.build.state import Programme


def build_loop(prog: Programme) -> None:
    """Concerns, action points (some answering a concern) and their follow-ups."""
    from partnership.actions.models import (
        ActionPoint,
        ActionStatus,
        Concern,
        ConcernCategory,
        ConcernStatus,
        FollowUp,
        Priority,
        Side,
        action_point_concerns,
    )

    (
        sizes,
        rng,
        today,
        now,
        ids,
        echo,
        reach_out,
        coordinator,
        all_stations,
        weights,
        police_users,
        versioned,
    ) = (
        prog.sizes,
        prog.rng,
        prog.today,
        prog.now,
        prog.ids,
        prog.echo,
        prog.reach_out,
        prog.coordinator,
        prog.all_stations,
        prog.weights,
        prog.police_users,
        prog.versioned,
    )
    echo(f"Problem-solving loop: {sizes.concerns} concerns, {sizes.action_points} action points...")
    concerns, points_rows, follow_ups, point_concerns = [], [], [], []
    categories = list(ConcernCategory)
    open_concern = [ConcernStatus.OPEN, ConcernStatus.ON_AGENDA, ConcernStatus.BEING_ADDRESSED]
    closed_concern = [ConcernStatus.RESOLVED, ConcernStatus.CLOSED_UNRESOLVED]
    concern_ids_at: dict[int, list[int]] = {}
    for _ in range(sizes.concerns):
        station = rng.choices(all_stations, weights=weights)[0]
        occurred = today - timedelta(days=rng.randint(0, 3 * 365))
        concern_id = ids.take(Concern)
        concern_ids_at.setdefault(station, []).append(concern_id)
        concerns.append({
            "id": concern_id, "category": rng.choice(categories), "station_id": station,
            "occurred_on": occurred, "occurred_month": occurred.strftime("%Y-%m"),
            "place": "Market hotspot", "raised_by_id": reach_out,
            "people_affected": rng.randint(1, 6),
            "summary": "Outreach workers stopped and syringes taken near the drop-in centre.",
            "restricted_details": "", "consent_scope": "anonymous_advocacy",
            "status": rng.choice(open_concern if occurred > today - timedelta(days=120)
                                 else closed_concern + open_concern[:1]),
            "status_reason": "", **versioned,
        })  # fmt: skip
    statuses = [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE,
                ActionStatus.VERIFIED, ActionStatus.VERIFIED, ActionStatus.VERIFIED,
                ActionStatus.DROPPED, ActionStatus.REOPENED]  # fmt: skip
    follow_budget = sizes.follow_ups
    for n in range(sizes.action_points):
        station = rng.choices(all_stations, weights=weights)[0]
        agreed = today - timedelta(days=rng.randint(0, 3 * 365))
        status = rng.choice(statuses)
        point_id = ids.take(ActionPoint)
        verified = status is ActionStatus.VERIFIED
        done = status in (ActionStatus.DONE, ActionStatus.VERIFIED)
        done_on = min(agreed + timedelta(days=rng.randint(3, 60)), today) if done else None
        verified_on = min(done_on + timedelta(days=rng.randint(0, 20)), today) if verified else None
        points_rows.append({
            "id": point_id, "title": f"Agreed action {n + 1}: stop confiscating syringes at hotspot",
            "details": "", "station_id": station, "origin_meeting_id": None,
            "police_owner_id": police_users.get(station), "ngo_owner_id": coordinator.id,
            "due_on": agreed + timedelta(days=rng.choice([14, 30, 60])),
            "priority": rng.choice([Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW]),
            "status": status, "action_taken": "Briefed the shift" if done else "",
            "done_on": done_on, "done_side": rng.choice([Side.POLICE, Side.NGO]) if done else None,
            "verified_at": at(verified_on) if verified else None,
            "verified_adequate": True if verified else None, "verification_note": "",
            "days_to_verification": (verified_on - agreed).days if verified else None,
            "dropped_reason": "No longer relevant" if status is ActionStatus.DROPPED else "",
            "created_at": at(agreed), "updated_at": now, "version": 1,
        })  # fmt: skip
        if concern_ids_at.get(station) and rng.random() < 0.3:
            point_concerns.append({"action_point_id": point_id,
                                   "concern_id": rng.choice(concern_ids_at[station])})  # fmt: skip
        count = 50 if n == 0 else min(follow_budget, rng.randint(0, 5))
        follow_budget -= count
        for k in range(count):
            on = agreed + timedelta(days=k + 1)
            follow_ups.append({"id": ids.take(FollowUp), "action_point_id": point_id,
                               "user_id": coordinator.id, "at": at(on), "on_date": on,
                               "note": f"Follow-up {k + 1}: discussed with the station commander."})  # fmt: skip
    insert_rows(Concern, concerns)
    insert_rows(ActionPoint, points_rows)
    insert_rows(action_point_concerns, point_concerns)
    insert_rows(FollowUp, follow_ups)
