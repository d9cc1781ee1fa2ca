"""Pages that gather a programme's open items show a fixed number of them, the most pressing
first, with the total and a link to the full list: their size does not grow with the data."""

from __future__ import annotations

import re
from datetime import date, timedelta

from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernCategory
from partnership.actions.services.review import REVIEW_SHOWN
from partnership.extensions import db
from tests.meetings.helpers import create_meeting

CARRIED_FORWARD_SHOWN = 30


def _add_open_items(app, station_id: int, n: int, owner_id: int, start: int = 0) -> None:  # noqa: ANN001
    today = date.today()
    with app.app_context():
        for i in range(start, start + n):
            db.session.add(
                Concern(category=list(ConcernCategory)[0], station_id=station_id,
                        occurred_on=today - timedelta(days=i % 300),
                        occurred_month=(today - timedelta(days=i % 300)).strftime("%Y-%m"),
                        summary=f"Open concern {i}", restricted_details="x")  # fmt: skip
            )
            db.session.add(
                ActionPoint(title=f"Open point {i}", station_id=station_id,
                            due_on=today - timedelta(days=1 + i), police_owner_id=owner_id,
                            status=ActionStatus.OPEN)  # fmt: skip
            )
        db.session.commit()


def _carried(html: str, item_class: str) -> int:
    return len(re.findall(rf'<li class="agenda-carried {item_class}[" ]', html))


def test_a_meeting_carries_forward_the_first_items_and_says_how_many_there_are(  # noqa: ANN001
    app, world, coordinator_client
):
    meeting_id = create_meeting(app, [world.station_a])
    owner = world.users["officer"].id
    _add_open_items(app, world.station_a.id, 40, owner)
    page = coordinator_client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert _carried(page, "carried-point") == CARRIED_FORWARD_SHOWN
    assert _carried(page, "carried-concern") == CARRIED_FORWARD_SHOWN
    assert "The first 30 of 40." in page
    # The most overdue first; the full list one click away, filtered to the meeting's station.
    assert "Open point 39" in page and "Open point 0<" not in page
    assert f'href="/action-points?open=1&amp;station={world.station_a.id}"' in page
    size = len(page)
    _add_open_items(app, world.station_a.id, 200, owner, start=40)
    bigger = coordinator_client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert _carried(bigger, "carried-point") == CARRIED_FORWARD_SHOWN
    assert "The first 30 of 240." in bigger
    assert abs(len(bigger) - size) < 2000  # the same rows; only ids and numbers differ


def test_a_meeting_with_few_items_shows_them_all_without_a_link(app, world, coordinator_client):  # noqa: ANN001
    meeting_id = create_meeting(app, [world.station_a])
    _add_open_items(app, world.station_a.id, 3, world.users["officer"].id)
    page = coordinator_client.get(f"/meetings/{meeting_id}").get_data(as_text=True)
    assert _carried(page, "carried-point") == 3
    assert "See them all" not in page


def test_the_officers_review_shows_the_first_of_each_group_with_its_total(  # noqa: ANN001
    app, world, officer_client
):
    _add_open_items(app, world.station_a.id, REVIEW_SHOWN + 5, world.users["officer"].id)
    page = officer_client.get("/my-review").get_data(as_text=True)
    overdue = re.search(r'id="overdue-h".*?</section>', page, re.S).group(0)
    assert f"({REVIEW_SHOWN + 5})" in overdue
    assert overdue.count('class="review-item') == REVIEW_SHOWN
    assert f"The first {REVIEW_SHOWN} of {REVIEW_SHOWN + 5}." in overdue
    assert 'href="/action-points?overdue=1"' in overdue
    size = len(page)
    _add_open_items(app, world.station_a.id, 100, world.users["officer"].id, start=100)
    bigger = officer_client.get("/my-review").get_data(as_text=True)
    assert bigger.count('class="review-item') == page.count('class="review-item')
    assert abs(len(bigger) - size) < 2000
    # Another station's items never reach this officer's review.
    assert "Open point" in bigger and "Bravo Police Station" not in bigger
