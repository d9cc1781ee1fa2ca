"""Pages of the loop issue a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

from datetime import UTC, date, timedelta

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
    ("coordinator", "/concerns"): 6,  # with the command and country choices of the place filters
    # Downloads: the count that chooses between sending at once and a background job, the rows.
    ("coordinator", "/concerns/export.csv"): 3,
    ("coordinator", "/action-points"): 6,
    ("coordinator", "/action-points/export.xlsx"): 3,
    ("coordinator", "/measures"): 4,  # the points summary (medians on it), points not yet due
    ("coordinator", "/stations/{a}/brief"): 10,
    # The station page: facts, people, meetings, the loop (open, verified and closed, and the
    # counts of its whole history), training, referrals and the story.
    # (+1: when the coming meetings next change by themselves, so the page is kept until then)
    ("coordinator", "/stations/{a}"): 37,
    ("officer", "/stations/{a}"): 36,
    ("viewer", "/stations/{a}"): 34,
    ("officer", "/my-review"): 5,  # each group and the concerns: the first 20 and the total
    ("officer", "/concerns"): 4,
    ("officer", "/action-points"): 4,
    ("viewer", "/measures"): 4,
}


@pytest.mark.parametrize(("role", "path"), sorted(BUDGETS))
def test_query_count_does_not_grow_with_the_data(app, world, login_as, count_queries, role, path):
    client = login_as(role)
    url = path.format(a=world.station_a.id)
    add_rows(app, world, 6)
    from partnership.caching import cache

    def get_computed() -> None:  # the page's own queries, not the figures' cached copy
        with app.app_context():
            cache.clear()
        response = client.get(url)
        assert response.status_code == 200
        response.get_data()  # a streamed download reads its rows while it is sent

    client.get(url)  # warm-up: the session row is touched at most once a minute
    with count_queries() as small:
        get_computed()
    add_rows(app, world, 114)
    with count_queries() as large:
        get_computed()
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
    # session, point, concerns, timeline totals, its follow-ups, its audit rows
    assert counter.count == 6, counter.statements


def _add_follow_ups(app, point_id: int, n: int, start: int = 0) -> None:  # noqa: ANN001
    from datetime import datetime, timedelta

    with app.app_context():
        base = datetime(2025, 1, 1, tzinfo=UTC)
        db.session.add_all(
            FollowUp(
                action_point_id=point_id,
                on_date=date(2025, 1, 1),
                at=base + timedelta(minutes=i),
                note=f"Follow-up number {i}",
            )
            for i in range(start, start + n)
        )
        db.session.commit()


def test_a_long_timeline_shows_the_newest_entries_and_pages_to_older_ones(
    app, world, coordinator_client, count_queries
):
    """An action point followed up 1,100 times: the page shows the newest entries, the same
    number of queries as with 30, and "show older" reaches the first follow-up."""
    add_rows(app, world, 1)
    with app.app_context():
        point_id = db.session.scalar(db.select(ActionPoint.id).limit(1))
    _add_follow_ups(app, point_id, 30)
    url = f"/action-points/{point_id}"
    coordinator_client.get(url)
    with count_queries() as short:
        small_page = coordinator_client.get(url)
    _add_follow_ups(app, point_id, 1070, start=30)
    with count_queries() as long:
        page = coordinator_client.get(url)
    assert page.status_code == 200
    assert long.count == short.count, (short.statements, long.statements)
    html = page.get_data(as_text=True)
    assert "Follow-up number 1099<" in html and "Follow-up number 1074<" not in html
    assert len(page.data) < 2 * len(small_page.data)
    assert "Entries 1 to 25 of 1,102, newest first." in html
    assert f'href="/action-points/{point_id}?timeline=2#timeline-h"' in html
    last = coordinator_client.get(f"{url}?timeline=45").get_data(as_text=True)
    assert "Follow-up number 0<" in last and "Entries 1,101 to 1,102 of 1,102" in last
    assert "Show older entries" not in last
    # A page number past the end shows the oldest page; nonsense shows the newest.
    assert "Follow-up number 0<" in coordinator_client.get(f"{url}?timeline=999").get_data(
        as_text=True
    )
    assert "Follow-up number 1099<" in coordinator_client.get(f"{url}?timeline=x").get_data(
        as_text=True
    )


def test_a_concern_with_many_notes_shows_the_newest_and_pages_to_older_ones(
    app, world, coordinator_client, count_queries
):
    from datetime import datetime

    from partnership.actions.models import ConcernNote

    add_rows(app, world, 1)
    with app.app_context():
        concern_id = db.session.scalar(db.select(Concern.id).limit(1))

    def add_notes(start: int, n: int) -> None:
        with app.app_context():
            base = datetime(2025, 1, 1, tzinfo=UTC)
            db.session.add_all(
                ConcernNote(
                    concern_id=concern_id,
                    at=base + timedelta(minutes=i),
                    text=f"Note number {i}",
                    restricted=i % 10 == 0,
                )
                for i in range(start, start + n)
            )
            db.session.commit()

    add_notes(0, 3)
    url = f"/concerns/{concern_id}"
    coordinator_client.get(url)
    with count_queries() as few:
        assert coordinator_client.get(url).status_code == 200
    add_notes(3, 297)
    with count_queries() as many:
        page = coordinator_client.get(url)
    assert many.count == few.count, (few.statements, many.statements)
    html = page.get_data(as_text=True)
    assert "Note number 299<" in html and "Note number 274<" not in html
    assert "Notes 1 to 25 of 300, newest first." in html
    last = coordinator_client.get(f"{url}?notes=12").get_data(as_text=True)
    assert "Note number 0<" in last and "Show older notes" not in last
