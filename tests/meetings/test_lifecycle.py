"""The status lifecycle: every allowed and forbidden transition, who and when, history kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meetings.models import Meeting, MeetingStatus, MeetingStatusChange
from meetings.services import lifecycle
from partnership.audit import AuditEntry
from partnership.extensions import db
from partnership.forms import FieldError
from partnership.lifecycle import TransitionError
from tests.meetings.helpers import create_meeting

S = MeetingStatus
ALLOWED = {
    (S.PROPOSED, S.CONFIRMED), (S.PROPOSED, S.HELD), (S.PROPOSED, S.POSTPONED),
    (S.PROPOSED, S.CANCELLED),
    (S.CONFIRMED, S.HELD), (S.CONFIRMED, S.POSTPONED), (S.CONFIRMED, S.CANCELLED),
    (S.POSTPONED, S.CONFIRMED), (S.POSTPONED, S.POSTPONED), (S.POSTPONED, S.CANCELLED),
    (S.HELD, S.MINUTES_RECORDED),
}  # fmt: skip


def _apply(meeting: Meeting, user, to: MeetingStatus) -> None:  # noqa: ANN001
    if to is S.CONFIRMED:
        lifecycle.confirm_meeting(meeting, user)
    elif to is S.HELD:
        lifecycle.hold_meeting(meeting, user, now=meeting.starts_at + timedelta(hours=1))
    elif to is S.POSTPONED:
        lifecycle.postpone_meeting(
            meeting,
            user,
            meeting.starts_at + timedelta(days=7),
            meeting.ends_at + timedelta(days=7),
            "Station commander away",
        )
    elif to is S.CANCELLED:
        lifecycle.cancel_meeting(meeting, user, "Elections")
    elif to is S.MINUTES_RECORDED:
        lifecycle.save_minutes(meeting, "We agreed on referrals.", user)
    else:  # proposed is only ever the start
        raise TransitionError("no way back to proposed")


# Saving minutes again on a meeting with minutes is a new revision, not a transition.
PAIRS = [(a, b) for a in S for b in S if (a, b) != (S.MINUTES_RECORDED, S.MINUTES_RECORDED)]


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_every_transition(app, world, source, target):
    meeting_id = create_meeting(app, [world.station_a], status=source.value)
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        user = db.session.get(type(world.users["coordinator"]), world.users["coordinator"].id)
        if (source, target) in ALLOWED:
            _apply(meeting, user, target)
            db.session.commit()
            assert meeting.status is target
            change = meeting.status_changes[-1]
            assert (change.from_status, change.to_status, change.user_id) == (
                source,
                target,
                user.id,
            )
        else:
            with pytest.raises((TransitionError, FieldError)):
                _apply(meeting, user, target)
            db.session.rollback()
            assert db.session.get(Meeting, meeting_id).status is source


def test_forbidden_transition_is_refused_with_a_message(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], status="cancelled")
    response = coordinator_client.post(f"/meetings/{meeting_id}/confirm", follow_redirects=True)
    assert "A meeting that is “Cancelled” cannot become “Confirmed”." in response.text
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status is S.CANCELLED


def test_cannot_be_held_before_it_starts(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a], status="confirmed")
    response = coordinator_client.post(f"/meetings/{meeting_id}/hold", follow_redirects=True)
    assert "cannot be marked held before it starts" in response.text
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status is S.CONFIRMED


def test_confirm_and_hold_record_who_and_when_and_are_audited(app, world, coordinator_client):
    starts = datetime.now(UTC) - timedelta(hours=3)
    meeting_id = create_meeting(app, [world.station_a], starts=starts)
    assert coordinator_client.post(f"/meetings/{meeting_id}/confirm").status_code == 302
    assert coordinator_client.post(f"/meetings/{meeting_id}/hold").status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        coordinator_id = world.users["coordinator"].id
        assert meeting.status is S.HELD
        assert meeting.confirmed_by_id == coordinator_id and meeting.confirmed_at is not None
        assert meeting.held_by_id == coordinator_id and meeting.held_at is not None
        statuses = [
            e.changes["status"][1]
            for e in db.session.scalars(
                select(AuditEntry).where(
                    AuditEntry.entity_type == "Meeting", AuditEntry.entity_id == meeting_id
                )
            )
            if "status" in e.changes
        ]
        assert statuses[-2:] == ["confirmed", "held"]


def test_postponing_keeps_history(app, world, coordinator_client):
    starts = datetime(2031, 3, 10, 7, 0, tzinfo=UTC)  # 10:00 in Nairobi
    meeting_id = create_meeting(app, [world.station_a], starts=starts)
    form = {"start_date": "2031-03-17", "start_time": "14:00", "end_time": "16:00",
            "reason": "Commander on leave"}  # fmt: skip
    response = coordinator_client.post(f"/meetings/{meeting_id}/postpone", data=form)
    assert response.status_code == 302
    page = coordinator_client.get(f"/meetings/{meeting_id}").text
    assert "Postponed" in page and "Commander on leave" in page
    assert "moved from 10 Mar 2031" in page
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status is S.POSTPONED
        assert meeting.starts_at == datetime(2031, 3, 17, 11, 0, tzinfo=UTC)
        change = db.session.scalars(
            select(MeetingStatusChange).where(MeetingStatusChange.to_status == S.POSTPONED)
        ).one()
        assert change.previous_starts_at == starts
        assert change.reason == "Commander on leave"


def test_postpone_and_cancel_need_a_reason(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a])
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/postpone",
        data={"start_date": "2031-03-17", "start_time": "14:00", "end_time": "16:00"},
    )
    assert response.status_code == 422
    assert "Say why the meeting is postponed." in response.text
    response = coordinator_client.post(f"/meetings/{meeting_id}/cancel", data={"reason": ""})
    assert response.status_code == 422
    assert "Say why the meeting is cancelled." in response.text
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status is S.PROPOSED and meeting.status_changes == []


def test_cancel_records_reason(app, world, coordinator_client):
    meeting_id = create_meeting(app, [world.station_a])
    response = coordinator_client.post(
        f"/meetings/{meeting_id}/cancel", data={"reason": "Security situation"}
    )
    assert response.status_code == 302
    with app.app_context():
        meeting = db.session.get(Meeting, meeting_id)
        assert meeting.status is S.CANCELLED
        assert meeting.status_reason == "Security situation"
        assert meeting.cancelled_by_id == world.users["coordinator"].id


def test_officer_and_trainer_cannot_change_status_of_a_station_meeting(app, world, login_as):
    meeting_id = create_meeting(app, [world.station_a])
    assert login_as("officer").post(f"/meetings/{meeting_id}/confirm").status_code == 403
    assert login_as("trainer").post(f"/meetings/{meeting_id}/confirm").status_code == 403
    assert login_as("viewer").post(f"/meetings/{meeting_id}/confirm").status_code == 403
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status is S.PROPOSED


def test_trainer_edits_trainings(app, world, trainer_client):
    meeting_id = create_meeting(app, [world.station_a], kind="training", title="HIV module")
    assert trainer_client.post(f"/meetings/{meeting_id}/confirm").status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, meeting_id).status is S.CONFIRMED


def test_a_past_proposed_meeting_offers_mark_as_held(app, world, coordinator_client):
    """A visit that took place without being confirmed is not stuck at "proposed"."""
    from datetime import UTC, datetime

    past = create_meeting(app, [world.station_a], starts=datetime.now(UTC) - timedelta(days=2))
    coming = create_meeting(app, [world.station_a])
    assert "Mark as held" not in coordinator_client.get(f"/meetings/{coming}").text
    assert "Mark as held" in coordinator_client.get(f"/meetings/{past}").text
    response = coordinator_client.post(f"/meetings/{past}/hold")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Meeting, past).status is S.HELD
        assert db.session.get(Meeting, coming).status is S.PROPOSED
    # A proposed meeting still to come cannot be held by posting directly either.
    refused = coordinator_client.post(f"/meetings/{coming}/hold", follow_redirects=True)
    assert "A meeting cannot be marked held before it starts." in refused.text
    with app.app_context():
        assert db.session.get(Meeting, coming).status is S.PROPOSED
