"""Agenda, decisions and minutes with revision history; officers read, never edit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from meetings.models import AgendaItem, Meeting, MeetingStatus, MinutesRevision
from partnership.extensions import db
from tests.meetings.helpers import create_meeting

PAST = datetime.now(UTC) - timedelta(days=1)


def test_agenda_items_are_ordered_and_movable(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a])
    for title in ("Welcome", "Raids near the drop-in centre", "Referral slips"):
        coordinator_client.post(f"/meetings/{meeting_id}/agenda", data={"agenda-title": title})
    with app.app_context():
        third = db.session.scalar(select(AgendaItem.id).where(AgendaItem.title == "Referral slips"))
    coordinator_client.post(f"/meetings/{meeting_id}/agenda/{third}/move", data={"direction": "up"})
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert [i.title for i in meeting.agenda_items] == [
            "Welcome", "Referral slips", "Raids near the drop-in centre",
        ]  # fmt: skip
    response = coordinator_client.post(f"/meetings/{meeting_id}/agenda", data={"agenda-title": ""})
    assert "Give the agenda item a title." in coordinator_client.get(response.location).text


def test_minutes_need_a_held_meeting_and_keep_revisions(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], status="confirmed", starts=PAST)
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/minutes", data={"body": "Too early"}
    )
    assert response.status_code == 422
    assert "Minutes are written once the meeting has been held." in response.text
    coordinator_client.post(f"/meetings/{meeting_id}/hold")
    coordinator_client.post(f"/meetings/{meeting_id}/minutes", data={"body": "Line one"})
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status is MeetingStatus.MINUTES_RECORDED
    coordinator_client.post(f"/meetings/{meeting_id}/minutes", data={"body": "Line one\nLine two"})
    with app.app_context():
        revisions = db.session.scalars(
            select(MinutesRevision).order_by(MinutesRevision.number)
        ).all()
        assert [(r.number, r.user_id) for r in revisions] == [
            (1, world.users["coordinator"].id), (2, world.users["coordinator"].id),
        ]  # fmt: skip
    history = coordinator_client.get(f"/meetings/{meeting_id}/minutes").text
    assert "Revision 2" in history and "+Line two" in history
    assert "Line two" in coordinator_client.get(f"/meetings/{meeting_id}").text


def test_decisions_and_officer_read_only(app, world, coordinator_client, officer_client):
    meeting_id = create_meeting(app, [world.station_a], security_notes="Informer risk")
    coordinator_client.post(
        f"/meetings/{meeting_id}/decisions", data={"decision-text": "Joint outreach walk monthly"}
    )
    page = officer_client.get(f"/meetings/{meeting_id}").text
    assert "Joint outreach walk monthly" in page
    assert "Informer risk" not in page and "Security notes" not in page
    assert "Take attendance" not in page and f"/meetings/{meeting_id}/edit" not in page
    response = officer_client.post(f"/meetings/{meeting_id}/decisions", data={"decision-text": "x"})
    assert response.status_code == 403


def test_trainer_reads_security_notes_viewer_does_not(app, world, login_as):
    meeting_id = create_meeting(app, [world.station_a], security_notes="Informer risk")
    assert "Informer risk" in login_as("trainer").get(f"/meetings/{meeting_id}").text
    viewer_page = login_as("viewer").get(f"/meetings/{meeting_id}").text
    assert "Informer risk" not in viewer_page and "Minutes" not in viewer_page
    export = login_as("viewer").get("/meetings/export.csv").data
    assert b"Informer risk" not in export
