"""Pages of the loop issue a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from partnership.actions.models import (
    ActionPoint,
    ActionStatus,
    Concern,
    ConcernCategory,
    FollowUp,
)
from partnership.extensions import db


def add_rows(app, world, n: int) -> None:  # noqa: ANN001
    today = date.today()
    with app.app_context():
        for i in range(n):
            station_id = world.station_a.id if i % 2 else world.station_b.id
            concern = Concern(category=list(ConcernCategory)[i % 8], station_id=station_id,
                              occurred_on=today, occurred_month=today.strftime("%Y-%m"),
                              summary=f"Budget concern {i}", restricted_details="x")  # fmt: skip
            point = ActionPoint(title=f"Budget point {i}", station_id=station_id,
                                due_on=today + timedelta(days=(i % 40) - 20),
                                police_owner_id=world.users["officer"].id,
                                ngo_owner_id=world.users["coordinator"].id,
                                status=list(ActionStatus)[i % 6],
                                days_to_verification=i % 30)  # fmt: skip
            point.concerns = [concern]
            db.session.add_all([concern, point])
            db.session.add(FollowUp(action_point=point, on_date=today, note=f"Note {i}",
                                    to_status=ActionStatus.IN_PROGRESS))  # fmt: skip
        db.session.commit()


# Pinned budgets: the count for 6 rows and for 120 rows is the same, and exactly this.
BUDGETS = {
    ("coordinator", "/concerns"): 4,
    ("coordinator", "/concerns/export.csv"): 2,
    ("coordinator", "/action-points"): 4,
    ("coordinator", "/action-points/export.xlsx"): 2,
    ("coordinator", "/measures"): 6,
    ("coordinator", "/stations/{a}/brief"): 10,
    ("coordinator", "/organisations/{a}"): 10,
    ("officer", "/my-review"): 3,
    ("officer", "/concerns"): 4,
    ("officer", "/action-points"): 4,
    ("viewer", "/measures"): 6,
}


@pytest.mark.parametrize(("role", "path"), sorted(BUDGETS))
def test_query_count_does_not_grow_with_the_data(app, world, login_as, count_queries, role, path):
    client = login_as(role)
    url = path.format(a=world.station_a.id)
    add_rows(app, world, 6)
    client.get(url)  # warm-up: the session row is touched at most once a minute
    with count_queries() as small:
        assert client.get(url).status_code == 200
    add_rows(app, world, 114)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert large.count == small.count, (small.statements, large.statements)
    assert small.count == BUDGETS[(role, path)], small.statements


def test_action_point_detail_budget(app, world, coordinator_client, count_queries):
    add_rows(app, world, 3)
    with app.app_context():
        point_id = db.session.scalar(db.select(ActionPoint.id).limit(1))
        point = db.session.get(ActionPoint, point_id)
        for i in range(30):
            db.session.add(FollowUp(action_point=point, on_date=date.today(), note=f"More {i}"))
        db.session.commit()
    coordinator_client.get(f"/action-points/{point_id}")
    with count_queries() as counter:
        assert coordinator_client.get(f"/action-points/{point_id}").status_code == 200
    assert counter.count == 5, counter.statements
