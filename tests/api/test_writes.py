"""The API's writes for the field flows: the same rules as the forms (an officer only for their
own stations), messages by the field on 422 with nothing stored, a retried request stored once
(Idempotency-Key), an audit entry per record, and no session-cookie sign-in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from tests.api.helpers import call, new_token
from tests.meetings.helpers import create_meeting

KEY = "retry-key-0123456789abcdef"


def count(app, model, **where) -> int:  # noqa: ANN001, ANN003
    from partnership.extensions import db

    with app.app_context():
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        n = db.session.scalar(stmt)
        db.session.remove()
        return n


def audited(app, entity_type: str, entity_id: int) -> list[tuple[str, int | None]]:  # noqa: ANN001
    from partnership.audit import AuditEntry
    from partnership.extensions import db

    with app.app_context():
        rows = db.session.execute(
            select(AuditEntry.action, AuditEntry.user_id).where(
                AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id
            )
        ).all()
        db.session.remove()
        return [tuple(r) for r in rows]


def slip(world, referrals, **extra) -> dict:  # noqa: ANN001, ANN003
    return {"scheme_id": referrals.scheme_id, "number": "00042", "route": "social_contact",
            "station_id": world.station_a.id, "issued_on": date.today().isoformat(), **extra}  # fmt: skip


def test_an_officer_issues_a_slip_once_however_often_the_script_retries(app, world, login_as,  # noqa: ANN001
                                                                         referrals) -> None:  # fmt: skip
    from partnership.referrals.models import Slip

    token = new_token(login_as("officer"))
    first = call(app, token, "/api/v1/slips", "POST", json=slip(world, referrals),
                 headers={"Idempotency-Key": KEY})  # fmt: skip
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["number"] == "00042" and first.json["station_id"] == world.station_a.id
    again = call(app, token, "/api/v1/slips", "POST", json=slip(world, referrals),
                 headers={"Idempotency-Key": KEY})  # fmt: skip
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert count(app, Slip, number="00042") == 1
    assert audited(app, "Slip", first.json["id"]) == [("create", world.users["officer"].id)]
    # Without the key a second request is a second slip: refused as a number already taken.
    twice = call(app, token, "/api/v1/slips", "POST", json=slip(world, referrals))
    assert twice.status_code == 422 and "number" in twice.json["errors"]["json"]


def test_an_officer_cannot_issue_for_another_station(app, world, login_as, referrals) -> None:  # noqa: ANN001
    from partnership.referrals.models import Slip

    token = new_token(login_as("officer"))
    answer = call(app, token, "/api/v1/slips", "POST",
                  json=slip(world, referrals, station_id=world.station_c.id))  # fmt: skip
    assert answer.status_code == 422
    assert answer.json["errors"]["json"]["station_id"] == [
        "Choose one of your own stations that takes part in this scheme."
    ]
    assert count(app, Slip) == 0


def test_refusals_name_the_field_and_store_nothing(app, world, login_as, referrals) -> None:  # noqa: ANN001
    from partnership.referrals.models import Slip

    token = new_token(login_as("coordinator"))
    missing = call(app, token, "/api/v1/slips", "POST", json={"scheme_id": referrals.scheme_id})
    assert missing.status_code == 422
    assert {"number", "station_id", "issued_on", "route"} <= set(missing.json["errors"]["json"])
    future = (date.today() + timedelta(days=3)).isoformat()
    answer = call(app, token, "/api/v1/slips", "POST",
                  json=slip(world, referrals, issued_on=future))  # fmt: skip
    assert answer.json["errors"]["json"] == {
        "issued_on": ["A slip cannot be issued in the future."]
    }
    bad_key = call(app, token, "/api/v1/slips", "POST", json=slip(world, referrals),
                   headers={"Idempotency-Key": "short"})  # fmt: skip
    assert bad_key.status_code == 422 and "Idempotency-Key" in bad_key.json["errors"]["headers"]
    assert count(app, Slip) == 0


def test_a_message_in_the_users_language(app, world, login_as, referrals) -> None:  # noqa: ANN001
    from partnership.accounts.models import User
    from partnership.extensions import db

    token = new_token(login_as("officer"))
    with app.app_context():
        db.session.get(User, world.users["officer"].id).locale = "sw"
        db.session.commit()
        db.session.remove()
    answer = call(app, token, "/api/v1/slips", "POST",
                  json=slip(world, referrals, station_id=world.station_c.id))  # fmt: skip
    assert answer.status_code == 422
    message = answer.json["errors"]["json"]["station_id"][0]
    assert "Choose one of your own" not in message and message


def test_the_browser_session_does_not_sign_in_to_the_api(app, world, login_as, referrals) -> None:  # noqa: ANN001
    from partnership.referrals.models import Slip

    client = login_as("coordinator")  # signed in, with a session cookie: no token
    assert client.get("/api/v1/stations").status_code == 401
    answer = client.post("/api/v1/slips", json=slip(world, referrals))
    assert answer.status_code == 401 and answer.is_json
    assert count(app, Slip) == 0


def test_attendance_is_recorded_on_the_register_once(app, world, login_as, make_person) -> None:  # noqa: ANN001
    from meetings.models import AttendanceMark, Attendee

    start = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0)
    meeting_id = create_meeting(app, [world.station_a], starts=start - timedelta(days=1),
                                status="held")  # fmt: skip
    day = (start - timedelta(days=1)).date().isoformat()
    people = [make_person("officer", world.station_a, name=f"Present {n}") for n in range(3)]
    marks = [{"person_id": p.id, "day": day, "status": "present"} for p in people]
    marks[2]["status"] = "absent"
    token = new_token(login_as("coordinator"))
    path = f"/api/v1/meetings/{meeting_id}/attendance"
    first = call(app, token, path, "POST", json={"marks": marks}, headers={"Idempotency-Key": KEY})
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json == {"meeting_id": meeting_id, "on_register": 3,
                          "days": [{"day": day, "attended": 2}]}  # fmt: skip
    again = call(app, token, path, "POST", json={"marks": marks}, headers={"Idempotency-Key": KEY})
    assert again.status_code == 200 and again.json == first.json
    assert count(app, Attendee, meeting_id=meeting_id) == 3
    assert count(app, AttendanceMark) == 3
    wrong_day = [{**marks[0], "day": "2020-01-01"}]
    refused = call(app, token, path, "POST", json={"marks": wrong_day})
    assert refused.status_code == 422
    assert refused.json["errors"]["json"] == {
        "marks.0.day": ["The meeting does not take place on that day."]
    }
    officer = new_token(login_as("officer"))
    assert call(app, officer, path, "POST", json={"marks": marks}).status_code == 403
    # Trainers edit the registers of trainings only, as on the register page.
    trainer = new_token(login_as("trainer"))
    assert call(app, trainer, path, "POST", json={"marks": marks}).status_code == 403


def test_an_officer_adds_a_follow_up_to_their_stations_point(app, world, login_as,  # noqa: ANN001
                                                              make_action_point) -> None:  # fmt: skip
    from partnership.actions.models import FollowUp

    own = make_action_point(world.station_a)
    other = make_action_point(world.station_c)
    token = new_token(login_as("officer"))
    path = f"/api/v1/action-points/{own.id}/follow-ups"
    done = call(app, token, path, "POST", json={"status": "done"})
    assert done.status_code == 422
    assert done.json["errors"]["json"] == {"action_taken": ["Describe the action taken."]}
    first = call(app, token, path, "POST", json={"note": "Met the OCS", "version": 1},
                 headers={"Idempotency-Key": KEY})  # fmt: skip
    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["note"] == "Met the OCS" and first.json["point_status"] == "open"
    again = call(app, token, path, "POST", json={"note": "Met the OCS", "version": 1},
                 headers={"Idempotency-Key": KEY})  # fmt: skip
    assert again.status_code == 200 and again.json == first.json
    assert count(app, FollowUp, action_point_id=own.id) == 1
    assert audited(app, "FollowUp", first.json["id"]) == [("create", world.users["officer"].id)]
    moved = call(app, token, path, "POST",
                 json={"status": "in_progress", "version": first.json["point_version"]})  # fmt: skip
    assert moved.status_code == 201 and moved.json["point_status"] == "in_progress"
    stale = call(app, token, path, "POST", json={"note": "Late", "version": 1})
    assert stale.status_code == 409
    assert count(app, FollowUp, action_point_id=own.id) == 2
    foreign = f"/api/v1/action-points/{other.id}/follow-ups"
    assert call(app, token, foreign, "POST", json={"note": "x"}).status_code == 404
    viewer = new_token(login_as("viewer"))
    assert call(app, viewer, path, "POST", json={"note": "x"}).status_code == 403
