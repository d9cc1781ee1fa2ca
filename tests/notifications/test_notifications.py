"""Notifications: who is told of what in the app and by email (sent by the queue to a local SMTP
server, in the recipient's language), opting out of emails, never about records out of reach,
the unread count in the header, marking read, the list's query budget, and emails whose consumer
died sent by the sweep."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import select, update

from partnership.notifications.models import KIND_LABELS, Notification, NotificationKind
from tests.conftest import csrf_token_from
from tests.test_password_reset import smtp_server  # noqa: F401 - the local SMTP server fixture


@pytest.fixture()
def emails(app, smtp_server):  # noqa: F811 - the fixture imported above
    """Notification emails switched on, received by the local SMTP server."""
    app.config["NOTIFICATION_EMAILS"] = True
    yield smtp_server
    app.config["NOTIFICATION_EMAILS"] = False


def _received(handler, n: int, settle: float = 0.3) -> list:
    for _ in range(50):
        if len(handler.messages) >= n:
            break
        time.sleep(0.1)
    time.sleep(settle)  # nothing more arrives
    return [message_from_bytes(e.content, policy=policy.default) for e in handler.messages]


def _notifications(app, db, user=None) -> list[Notification]:
    with app.app_context():
        stmt = select(Notification).order_by(Notification.id)
        if user is not None:
            stmt = stmt.where(Notification.user_id == user.id)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def _point_form(world, **overrides) -> dict:
    from datetime import date

    data = {
        "title": "Brief the night shift on the NSP agreement",
        "station_id": world.station_a.id,
        "police_owner_id": world.users["officer"].id,
        "ngo_owner_id": world.users["coordinator"].id,
        "due_on": (date.today() + timedelta(days=14)).isoformat(),
        "priority": "high",
        "details": "",
    }
    data.update(overrides)
    return data


def _unread_in_header(html: str) -> str | None:
    match = re.search(r'class="notifications-link[^"]*"[^>]*>(.*?)</a>', html, re.S)
    assert match, "no notifications link in the header"
    count = re.search(r'<span class="count"[^>]*>([^<]+)</span>', match.group(1))
    return count.group(1) if count else None


def test_an_owner_named_on_a_new_point_is_told_in_the_app_and_by_email(
    app, db, world, emails, coordinator_client, login_as
):
    response = coordinator_client.post("/action-points/new", data=_point_form(world))
    assert response.status_code == 302
    # The coordinator named themselves: only the officer is told.
    rows = _notifications(app, db)
    assert [(r.user_id, r.kind) for r in rows] == [
        (world.users["officer"].id, NotificationKind.ASSIGNED)
    ]
    messages = _received(emails, 1)
    assert [m["To"] for m in messages] == ["officer@test.example"]
    body = messages[0].get_content()
    assert f"AP-{rows[0].action_point_id}" in messages[0]["Subject"]
    assert messages[0]["Auto-Submitted"] == "auto-generated"
    assert f"https://pm.example.org/action-points/{rows[0].action_point_id}" in body
    assert "https://pm.example.org/notifications/settings" in body
    with app.app_context():
        assert db.session.get(Notification, rows[0].id).emailed_at is not None

    officer = login_as("officer")
    home = officer.get("/").data.decode()
    assert _unread_in_header(home) == "1"
    assert "1 unread" in home  # the link's accessible name
    page = officer.get("/notifications").data.decode()
    assert "Test coordinator made you an owner of action point" in page
    assert "Brief the night shift on the NSP agreement" in page
    assert "Alpha Police Station" in page
    assert f'href="/action-points/{rows[0].action_point_id}"' in page


def test_editing_a_point_tells_only_a_newly_named_owner(
    app, db, world, make_user, make_action_point, coordinator_client
):
    other_officer = make_user("officer", world.station_a, email="second@test.example")
    point = make_action_point(
        world.station_a,
        police_owner_id=world.users["officer"].id,
        ngo_owner_id=world.users["coordinator"].id,
    )
    form = coordinator_client.get(f"/action-points/{point.id}/edit").data.decode()
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    data = _point_form(world, police_owner_id=other_officer.id)
    if version:
        data["version"] = version.group(1)
    response = coordinator_client.post(f"/action-points/{point.id}/edit", data=data)
    assert response.status_code == 302, response.data
    assert [(r.user_id, r.kind) for r in _notifications(app, db)] == [
        (other_officer.id, NotificationKind.ASSIGNED)
    ]


def test_the_email_is_in_the_recipients_language(app, db, world, emails, coordinator_client):
    from partnership.accounts.models import User

    with app.app_context():
        db.session.execute(
            update(User).where(User.id == world.users["officer"].id).values(locale="sw")
        )
        db.session.commit()
    coordinator_client.post("/action-points/new", data=_point_form(world))
    message = _received(emails, 1)[0]
    assert message["Subject"].startswith("Umepewa:"), message["Subject"]
    assert "Habari Test officer," in message.get_content()


def test_done_verified_acknowledged_and_reopened_reach_the_other_side(
    app, db, world, make_action_point, officer_client, coordinator_client
):
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    point = make_action_point(
        world.station_a, police_owner_id=officer.id, ngo_owner_id=coordinator.id
    )
    officer_client.post(f"/action-points/{point.id}/acknowledge")
    officer_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"status": "done", "action_taken": "Circular posted at the front desk."},
    )
    assert (
        coordinator_client.post(
            f"/action-points/{point.id}/verify", data={"adequate": "no", "note": "Not at night."}
        ).status_code
        == 302
    )
    officer_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"status": "done", "action_taken": "Briefed the night shift too."},
    )
    coordinator_client.post(f"/action-points/{point.id}/verify", data={"adequate": "yes"})
    assert [(r.user_id, r.kind) for r in _notifications(app, db)] == [
        (coordinator.id, NotificationKind.ACKNOWLEDGED),
        (coordinator.id, NotificationKind.TO_VERIFY),
        (officer.id, NotificationKind.REOPENED),
        (coordinator.id, NotificationKind.TO_VERIFY),
        (officer.id, NotificationKind.VERIFIED),
    ]


def test_an_opted_out_user_gets_no_email_but_still_sees_it_in_the_app(
    app, db, world, emails, coordinator_client, login_as
):
    officer = login_as("officer")
    page = officer.get("/notifications/settings").data.decode()
    assert page.count('type="checkbox"') == len(KIND_LABELS)
    assert page.count("checked") == len(KIND_LABELS)
    kept = [k.value for k in KIND_LABELS if k is not NotificationKind.ASSIGNED]
    response = officer.post(
        "/notifications/settings", data={"kinds": kept, "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    assert "Your email settings were saved." in officer.get(response.location).data.decode()

    coordinator_client.post("/action-points/new", data=_point_form(world))
    assert _received(emails, 1, settle=0.5) == []
    rows = _notifications(app, db, world.users["officer"])
    assert [r.kind for r in rows] == [NotificationKind.ASSIGNED]
    assert rows[0].email_pending is False and rows[0].emailed_at is None


def test_the_settings_refuse_an_unknown_kind_by_the_field(app, world, login_as):
    officer = login_as("officer")
    response = officer.post("/notifications/settings", data={"kinds": ["everything"]})
    assert response.status_code == 422
    assert 'class="error"' in response.data.decode()


def test_an_officer_of_another_station_is_never_told(
    app, db, world, make_user, make_action_point, emails, coordinator_client
):
    # An owner posted to another command since the point was agreed (postings change often).
    moved = make_user("officer", world.station_c, email="moved@test.example")
    trainer = world.users["trainer"]
    point = make_action_point(
        world.station_a,
        status="done",
        done_side="police",
        action_taken="Done.",
        police_owner_id=moved.id,
        ngo_owner_id=trainer.id,
    )
    response = coordinator_client.post(
        f"/action-points/{point.id}/follow-up", data={"status": "reopened", "note": "Not yet."}
    )
    assert response.status_code == 302
    assert [(r.user_id, r.kind) for r in _notifications(app, db)] == [
        (trainer.id, NotificationKind.REOPENED)
    ]
    assert [m["To"] for m in _received(emails, 1)] == ["trainer@test.example"]


def test_a_resolved_concern_tells_whoever_logged_it_without_its_details(
    app, db, world, make_concern, coordinator_client, login_as
):
    trainer, viewer = world.users["trainer"], world.users["viewer"]
    told = make_concern(
        world.station_a,
        status="being_addressed",
        created_by_id=trainer.id,
        summary="Syringes taken from two clients near the drop-in centre.",
        restricted_details="Client J.K., aged 24, arrested on Tuesday.",
        place="Old Town hotspot",
    )
    # Viewers read aggregates only: a concern is never named to them.
    untold = make_concern(world.station_a, status="being_addressed", created_by_id=viewer.id)
    for concern in (told, untold):
        response = coordinator_client.post(
            f"/concerns/{concern.id}/status", data={"status": "resolved"}
        )
        assert response.status_code == 302
    rows = _notifications(app, db)
    assert [(r.user_id, r.kind, r.concern_id) for r in rows] == [
        (trainer.id, NotificationKind.CONCERN_RESOLVED, told.id)
    ]
    page = login_as("trainer").get("/notifications").data.decode()
    assert f"resolved concern C-{told.id} (Confiscation of syringes" in page
    for secret in ("J.K.", "arrested", "two clients", "Old Town"):
        assert secret not in page
    assert "notifications-link" in login_as("viewer").get("/notifications").data.decode()
    assert _notifications(app, db, viewer) == []


def test_unread_count_mark_read_and_mark_all_read(
    app, db, world, make_action_point, login_as, coordinator_client
):
    officer = world.users["officer"]
    points = [
        make_action_point(world.station_a, title=f"Point {i}", ngo_owner_id=None) for i in range(3)
    ]
    for point in points:
        data = _point_form(world, title=point.title, ngo_owner_id="")
        form = coordinator_client.get(f"/action-points/{point.id}/edit").data.decode()
        version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
        if version:
            data["version"] = version.group(1)
        assert (
            coordinator_client.post(f"/action-points/{point.id}/edit", data=data).status_code == 302
        )
    client = login_as("officer")
    page = client.get("/notifications").data.decode()
    assert _unread_in_header(page) == "3"
    assert page.count("Mark read") == 3
    first = _notifications(app, db, officer)[0]
    response = client.post(
        f"/notifications/{first.id}/read", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    page = client.get("/notifications").data.decode()
    assert _unread_in_header(page) == "2"
    # Someone else's notification: not found, and nothing changes.
    assert login_as("trainer").post(f"/notifications/{first.id + 1}/read").status_code == 404
    assert _unread_in_header(client.get("/").data.decode()) == "2"
    response = client.post("/notifications/read", data={"csrf_token": csrf_token_from(page)})
    page = client.get(response.location).data.decode()
    assert "All your notifications are marked read." in page
    assert _unread_in_header(page) is None
    assert "Mark all read" not in page
    assert all(n.read_at is not None for n in _notifications(app, db, officer))


def test_marking_read_needs_a_csrf_token(app, world, login_as):
    client = login_as("officer")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/notifications/read")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400


def _many_notifications(app, db, user, points, concerns, actor) -> None:
    with app.app_context():
        kinds = [k for k in NotificationKind if k is not NotificationKind.CONCERN_RESOLVED]
        for i, point in enumerate(points):
            db.session.add(
                Notification(
                    user_id=user.id,
                    kind=kinds[i % len(kinds)],
                    actor_id=actor.id,
                    action_point_id=point.id,
                )
            )
        for concern in concerns:
            db.session.add(
                Notification(
                    user_id=user.id,
                    kind=NotificationKind.CONCERN_RESOLVED,
                    actor_id=actor.id,
                    concern_id=concern.id,
                )
            )
        db.session.commit()


def test_the_list_keeps_a_fixed_number_of_queries(
    app, db, world, make_action_point, make_concern, login_as, count_queries
):
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    client = login_as("officer")

    def load() -> int:
        with count_queries() as counter:
            assert client.get("/notifications").status_code == 200
        return counter.count

    _many_notifications(
        app,
        db,
        officer,
        [make_action_point(world.station_a)],
        [make_concern(world.station_a)],
        coordinator,
    )
    few = load()
    stations = [world.station_a, world.station_b]
    _many_notifications(
        app, db, officer,
        [make_action_point(stations[i % 2], title=f"P{i}") for i in range(18)],
        [make_concern(stations[i % 2]) for i in range(6)],
        coordinator,
    )  # fmt: skip
    assert load() == few
    assert few <= 8


def test_an_email_whose_consumer_died_is_sent_by_the_sweep_once(
    app, db, world, emails, make_action_point
):
    from partnership.mixins import utcnow
    from partnership.notifications.tasks import send_owed_emails

    point = make_action_point(world.station_a, police_owner_id=world.users["officer"].id)
    lease = timedelta(seconds=app.config["JOB_LEASE_SECONDS"])
    now = utcnow()
    with app.app_context():
        rows = [
            # Claimed by a consumer that was killed before it sent (its queue message is gone).
            Notification(
                user_id=world.users["officer"].id,
                kind=NotificationKind.ASSIGNED,
                action_point_id=point.id,
                email_pending=True,
                created_at=now - 3 * lease,
                email_claimed_at=now - 2 * lease,
                email_attempts=1,
            ),
            # Being sent right now by a live consumer: left alone.
            Notification(
                user_id=world.users["officer"].id,
                kind=NotificationKind.REOPENED,
                action_point_id=point.id,
                email_pending=True,
                created_at=now - 3 * lease,
                email_claimed_at=now - lease / 4,
                email_attempts=1,
            ),
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
        db.session.remove()  # the consumer works on connections of its own
        assert send_owed_emails() == 1
        assert send_owed_emails() == 0
        sent, live = (db.session.get(Notification, i) for i in ids)
        assert sent.emailed_at is not None and not sent.email_pending
        assert sent.email_attempts == 2
        assert live.email_pending and live.emailed_at is None
    messages = _received(emails, 1)
    assert len(messages) == 1 and messages[0]["Subject"].startswith("Assigned to you:")


def test_an_unreachable_mail_server_keeps_the_email_owed(app, db, world, make_action_point):
    from partnership.notifications.tasks import deliver

    point = make_action_point(world.station_a)
    with app.app_context():
        row = Notification(
            user_id=world.users["officer"].id,
            kind=NotificationKind.ASSIGNED,
            action_point_id=point.id,
            email_pending=True,
        )
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()  # the consumer works on connections of its own
        old = app.config["MAIL_SERVER"], app.config["MAIL_PORT"]
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)
        try:
            with pytest.raises(OSError):
                deliver([row_id])
        finally:
            app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1])
        db.session.expire_all()
        row = db.session.get(Notification, row_id)
        assert row.email_pending and row.email_claimed_at is None and row.email_attempts == 1


def test_overdue_points_tell_their_owners_and_escalated_ones_the_command_once(
    app, db, world, make_user, make_action_point, login_as
):
    from datetime import date

    from partnership.notifications.overdue import notify_overdue

    officer, coordinator = world.users["officer"], world.users["coordinator"]
    commander = make_user("officer", world.command, email="commander@test.example")
    make_user("officer", world.other_command, email="inland@test.example")
    late = make_action_point(
        world.station_a,
        due_on=date.today() - timedelta(days=2),
        police_owner_id=officer.id,
        ngo_owner_id=coordinator.id,
    )
    escalated = make_action_point(
        world.station_b, title="Meet the night shift", due_on=date.today() - timedelta(days=20)
    )
    make_action_point(world.station_a, due_on=date.today() + timedelta(days=1))  # not yet due
    make_action_point(world.station_a, status="done", due_on=date.today() - timedelta(days=30))
    with app.app_context():
        assert notify_overdue(date.today()) == 3
        db.session.commit()
        assert notify_overdue(date.today()) == 0  # once per point and person
        db.session.commit()
    rows = _notifications(app, db)
    assert sorted((r.user_id, r.action_point_id, r.kind) for r in rows) == sorted(
        [
            (officer.id, late.id, NotificationKind.OVERDUE),
            (coordinator.id, late.id, NotificationKind.OVERDUE),
            (commander.id, escalated.id, NotificationKind.ESCALATED),
        ]
    )
    assert not any(r.email_pending for r in rows)  # the daily digest emails these
    page = login_as("officer").get("/notifications").data.decode()
    assert f"AP-{late.id}" in page and "is overdue: it was due on" in page


def test_notifications_read_long_ago_are_pruned_and_unread_ones_kept(
    app, db, world, make_action_point
):
    from partnership.mixins import utcnow
    from partnership.notifications.tasks import prune_read_notifications

    point = make_action_point(world.station_a)
    now = utcnow()
    keep = timedelta(days=app.config["NOTIFICATION_KEEP_DAYS"])
    officer = world.users["officer"]
    with app.app_context():
        for read_at, created_at in (
            (now - keep - timedelta(days=1), now - keep - timedelta(days=2)),  # pruned
            (now - timedelta(days=1), now - keep - timedelta(days=2)),  # read recently: kept
            (None, now - keep - timedelta(days=2)),  # never read: kept
        ):
            db.session.add(
                Notification(
                    user_id=officer.id,
                    kind=NotificationKind.ASSIGNED,
                    action_point_id=point.id,
                    read_at=read_at,
                    created_at=created_at,
                )
            )
        db.session.commit()
        db.session.remove()
        assert prune_read_notifications() == 1
    assert len(_notifications(app, db, officer)) == 2


def test_the_demo_officer_finds_notifications_and_no_email_is_owed(app, db, client):
    from tests.conftest import login

    assert "Demo data created." in app.test_cli_runner().invoke(args=["seed-demo"]).output
    with app.app_context():
        assert not db.session.scalars(select(Notification).where(Notification.email_pending)).all()
    login(client, "officer@demo.example", "partnership-demo")
    page = client.get("/notifications").data.decode()
    assert "made you an owner of action point" in page
    assert "Brief night patrols that NSP kits are legal to carry" in page
    assert _unread_in_header(page) is not None


def test_the_request_only_queues_the_email_and_the_consumer_sends_it(
    app, db, world, emails, coordinator_client
):
    from partnership.jobs import huey

    huey.immediate = False  # a real queue: nothing runs until a consumer takes the task
    try:
        huey.flush()
        response = coordinator_client.post("/action-points/new", data=_point_form(world))
        assert response.status_code == 302
        assert emails.messages == []  # the answer came back without talking to the mail server
        assert huey.pending_count() == 1
        with app.app_context():
            huey.execute(huey.dequeue())  # what the consumer does
    finally:
        huey.flush()
        huey.immediate = True
    assert [m["To"] for m in _received(emails, 1)] == ["officer@test.example"]


def test_the_unread_count_in_the_header_costs_no_query(
    app, db, world, make_action_point, login_as, count_queries
):
    from partnership.accounts.models import User

    client = login_as("officer")

    def load() -> tuple[int, str]:
        with count_queries() as counter:
            page = client.get("/action-points").data.decode()
        return counter.count, page

    before, page = load()
    assert _unread_in_header(page) is None
    _many_notifications(
        app, db, world.users["officer"], [make_action_point(world.station_a)], [],
        world.users["coordinator"],
    )  # fmt: skip
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == world.users["officer"].id).values(unread_notifications=1)
        )
        db.session.commit()
    after, page = load()
    assert _unread_in_header(page) == "1"
    assert after == before
