"""The officer's review, escalation to the command's senior officers, and the reminder digest
sent through a local SMTP server."""

from __future__ import annotations

import socket
import time
from datetime import date, timedelta

import pytest

from tests.conftest import login


def _due(days: int) -> date:
    return date.today() + timedelta(days=days)


def test_station_officer_review_groups_due_and_overdue(
    world, make_action_point, make_concern, officer_client
):
    make_action_point(world.station_a, title="Overdue point", due_on=_due(-3))
    make_action_point(world.station_a, title="Due point", due_on=_due(5))
    make_action_point(world.station_a, title="Verified point", status="verified")
    make_action_point(world.station_b, title="Other station point", due_on=_due(-3))
    make_concern(world.station_a, summary="Summary for officers", restricted_details="Secret name")
    page = officer_client.get("/my-review").data.decode()
    overdue, rest = page.split('id="due-h"')
    assert "Overdue point" in overdue and "Due point" not in overdue
    assert "Due point" in rest
    assert "Verified point" not in page
    assert "Other station point" not in page
    assert "Summary for officers" in page
    assert "Secret name" not in page
    assert "3 days overdue" in page


def test_review_actions_return_to_the_review(app, db, world, make_action_point, officer_client):
    from partnership.actions.models import ActionPoint, ActionStatus

    point = make_action_point(world.station_a, due_on=_due(2))
    response = officer_client.post(
        f"/action-points/{point.id}/acknowledge", data={"next": "review"}
    )
    assert response.location == "/my-review"
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"next": "review", "status": "done", "action_taken": "Posted the circular."},
    )
    assert response.location == "/my-review"
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.DONE


def test_review_buttons_and_the_points_page_lead_back_to_the_review(
    app, db, world, make_action_point, officer_client
):
    """The review's buttons post through its one form (its "next" sends the officer back);
    "Comment or mark done" opens the point's follow-up form, which returns to the review."""
    import re

    from partnership.actions.models import ActionPoint, ActionStatus

    point = make_action_point(world.station_a, title="Brief the shifts", due_on=_due(2))
    page = officer_client.get("/my-review").get_data(as_text=True)
    form = re.search(r'<form method="post" id="review-form"[^>]*>(.*?)</form>', page, re.S)
    assert form and 'name="next" value="review"' in form.group(1)
    assert page.count('<form method="post"') == 2  # the review's and the sign-out form
    start = f'form="review-form" formaction="/action-points/{point.id}/follow-up"'
    assert f'{start} name="status" value="in_progress"' in page
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up", data={"next": "review", "status": "in_progress"}
    )
    assert response.location == "/my-review"
    link = f"/action-points/{point.id}?next=review#follow-up-h"
    assert f'href="{link}"' in officer_client.get("/my-review").get_data(as_text=True)
    detail = officer_client.get(link.split("#")[0]).get_data(as_text=True)
    follow_up = re.search(r'<form method="post" id="follow-up-form".*?</form>', detail, re.S)
    assert 'name="next" value="review"' in follow_up.group(0)
    # Marking it done without saying what was done: the message by the field, still going
    # back to the review once corrected.
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up", data={"next": "review", "status": "done"}
    )
    assert response.status_code == 422
    again = response.get_data(as_text=True)
    assert "Required when marking it done." in again and 'name="next" value="review"' in again
    response = officer_client.post(
        f"/action-points/{point.id}/follow-up",
        data={"next": "review", "status": "done", "action_taken": "Briefed all four shifts."},
    )
    assert response.location == "/my-review"
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.DONE
    # Opened from anywhere else, the follow-up form stays on the point's page.
    plain = officer_client.get(f"/action-points/{point.id}").get_data(as_text=True)
    assert 'name="next" value="review"' not in plain


@pytest.fixture()
def commander(app, world, make_user):
    user = make_user(
        "officer", world.command, email="commander@test.example", name="County Commander"
    )
    client = app.test_client()
    login(client, user.email)
    return user, client


def test_escalation_after_the_threshold(app, world, make_action_point, commander):
    _, client = commander
    make_action_point(world.station_a, title="Late by thirteen days", due_on=_due(-13))
    make_action_point(world.station_b, title="Late by fourteen days", due_on=_due(-14))
    make_action_point(world.station_c, title="Other command, very late", due_on=_due(-40))
    page = client.get("/my-review").data.decode()
    assert "Late by fourteen days" in page
    assert "Late by thirteen days" not in page
    assert "Other command, very late" not in page
    # The threshold is configurable.
    app.config["ESCALATION_DAYS"] = 10
    try:
        assert "Late by thirteen days" in client.get("/my-review").data.decode()
    finally:
        app.config["ESCALATION_DAYS"] = 14


def test_overdue_is_flagged_in_red_on_lists_and_detail(
    world, make_action_point, coordinator_client
):
    point = make_action_point(world.station_a, due_on=_due(-20))
    listing = coordinator_client.get("/action-points").data.decode()
    assert 'class="is-overdue"' in listing and "overdue-flag" in listing and "escalated" in listing
    detail = coordinator_client.get(f"/action-points/{point.id}").data.decode()
    assert "overdue-flag" in detail and "20 days overdue" in detail
    station = coordinator_client.get(f"/stations/{world.station_a.id}").data.decode()
    assert "overdue-flag" in station


# ---- reminder digest ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def smtp_server(app):
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self) -> None:
            self.messages: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            self.messages.append(envelope)
            return "250 OK"

    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    old = (app.config["MAIL_SERVER"], app.config["MAIL_PORT"])
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    yield handler
    app.config.update(MAIL_SERVER=old[0], MAIL_PORT=old[1])
    controller.stop()


def test_send_reminders_emails_each_owner_and_reviewer(
    app, world, make_user, make_action_point, smtp_server
):
    commander = make_user("officer", world.command, email="commander@test.example")
    officer, coordinator = world.users["officer"], world.users["coordinator"]
    make_action_point(world.station_a, title="Due in three days", due_on=_due(3),
                      police_owner_id=officer.id)  # fmt: skip
    make_action_point(world.station_a, title="Escalated point", due_on=_due(-20),
                      police_owner_id=officer.id, ngo_owner_id=coordinator.id)  # fmt: skip
    make_action_point(world.station_a, title="Far in the future", due_on=_due(60),
                      police_owner_id=officer.id)  # fmt: skip
    make_action_point(world.station_a, title="Already verified", due_on=_due(-30),
                      status="verified", police_owner_id=officer.id)  # fmt: skip
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "Sent 3" in result.output
    for _ in range(50):
        if len(smtp_server.messages) == 3:
            break
        time.sleep(0.1)
    by_rcpt = {env.rcpt_tos[0]: env.content.decode() for env in smtp_server.messages}
    assert set(by_rcpt) == {officer.email, coordinator.email, commander.email}
    assert "Due in three days" in by_rcpt[officer.email]
    assert "Escalated point" in by_rcpt[officer.email]
    assert "20 days overdue" in by_rcpt[officer.email]
    assert "Far in the future" not in by_rcpt[officer.email]
    assert "Already verified" not in by_rcpt[officer.email]
    assert "Escalated point" in by_rcpt[coordinator.email]
    assert "Due in three days" not in by_rcpt[coordinator.email]
    assert "Escalated to your command" in by_rcpt[commander.email]
    assert "Due in three days" not in by_rcpt[commander.email]


def test_send_reminders_with_nothing_due_sends_nothing(app, world, smtp_server):
    result = app.test_cli_runner().invoke(args=["send-reminders"])
    assert result.exit_code == 0
    assert "Sent 0" in result.output
    assert smtp_server.messages == []


def test_send_reminders_reports_an_unreachable_mail_server(app, world, make_action_point):
    make_action_point(world.station_a, due_on=_due(1), police_owner_id=world.users["officer"].id)
    old = app.config["MAIL_PORT"]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())
    try:
        result = app.test_cli_runner().invoke(args=["send-reminders"])
    finally:
        app.config["MAIL_PORT"] = old
    assert result.exit_code == 1
    assert "Could not send the reminders" in result.output
