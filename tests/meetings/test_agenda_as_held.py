"""A held meeting's agenda shows the concerns and action points as they stood while it took
place: not a concern logged after it, nor one closed before it; a coming meeting shows what is
open now. An officer at a joint meeting sees their own stations' items only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.meetings.helpers import create_meeting


def _ago(days: int) -> datetime:
    return (datetime.now(UTC) - timedelta(days=days)).replace(microsecond=0)


def test_a_held_meeting_shows_the_concerns_open_at_the_time(
    app, world, make_concern, make_action_point, coordinator_client
):
    a = world.station_a
    held = create_meeting(app, [a], title="Spring meeting", starts=_ago(20), status="held")
    coming = create_meeting(app, [a], title="Next meeting")
    make_concern(a, summary="Open then and now", created_at=_ago(30))
    make_concern(a, summary="Logged after the meeting", created_at=_ago(5))
    make_concern(a, summary="Resolved after the meeting", status="resolved",
                 created_at=_ago(30), status_changed_at=_ago(10))  # fmt: skip
    make_concern(a, summary="Closed before the meeting", status="resolved",
                 created_at=_ago(60), status_changed_at=_ago(40))  # fmt: skip
    make_action_point(a, title="Point agreed before", created_at=_ago(30))
    make_action_point(a, title="Point agreed later", created_at=_ago(5))
    make_action_point(a, title="Point verified since", status="verified",
                      created_at=_ago(30), verified_at=_ago(10))  # fmt: skip

    page = coordinator_client.get(f"/meetings/{held}").text
    assert "Open then and now" in page and "Resolved after the meeting" in page
    assert "Logged after the meeting" not in page and "Closed before the meeting" not in page
    assert "Point agreed before" in page and "Point verified since" in page
    assert "Point agreed later" not in page
    assert "open while this meeting took place" in page

    page = coordinator_client.get(f"/meetings/{coming}").text
    assert "Open then and now" in page and "Logged after the meeting" in page
    assert "Resolved after the meeting" not in page and "Point verified since" not in page
    assert "open while this meeting took place" not in page


def test_an_officer_sees_only_their_stations_part_of_a_held_joint_meeting(
    app, world, make_concern, officer_client, login_as
):
    a, c = world.station_a, world.station_c
    held = create_meeting(app, [a, c], title="Joint workshop", starts=_ago(20), status="held")
    make_concern(a, summary="Alpha concern", created_at=_ago(30))
    for n in range(6):
        make_concern(c, summary=f"Charlie concern {n}", created_at=_ago(30))
    page = officer_client.get(f"/meetings/{held}").text
    assert "Alpha concern" in page and "Charlie concern" not in page
    assert "Other stations of this meeting have 6 open concerns" in page
    # Viewers read the meeting but no concern summaries.
    viewer = login_as("viewer").get(f"/meetings/{held}").text
    assert "Alpha concern" not in viewer
