"""Concerns: logging, validation, status changes, sealing and annotations."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from partnership.actions.models import Concern, ConcernStatus
from partnership.actions.services.concerns import change_concern_status
from partnership.audit import MASK, AuditEntry
from partnership.forms import FieldError
from partnership.lifecycle import TransitionError


def _form(world, **overrides):
    data = {
        "station_id": world.station_a.id,
        "category": "harassment_outreach",
        "occurred_on": (date.today() - timedelta(days=1)).isoformat(),
        "place": "Kongowea market hotspot",
        "raised_by_id": world.ngo.id,
        "people_affected": "3",
        "summary": "Outreach workers stopped and searched twice this week.",
        "restricted_details": "Worker JM searched by constable at 9pm.",
        "consent_scope": "anonymous_advocacy",
    }
    data.update(overrides)
    return data


def test_coordinator_logs_a_concern(app, db, world, coordinator_client):
    response = coordinator_client.post("/concerns/new", data=_form(world))
    assert response.status_code == 302
    with app.app_context():
        concern = db.session.scalars(db.select(Concern)).one()
        assert concern.status is ConcernStatus.OPEN
        assert concern.occurred_month == concern.occurred_on.strftime("%Y-%m")
        assert concern.restricted_details.startswith("Worker JM")
        entry = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.entity_type == "Concern")
        ).one()
        # Restricted details are recorded as changed, never with their value.
        assert entry.changes["restricted_details"] == [None, MASK]
        assert "Worker JM" not in str(entry.changes)
    page = coordinator_client.get(response.location)
    assert b"Worker JM searched" in page.data
    assert b"Add an action point" in page.data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("summary", "", b"This field is required"),
        ("station_id", "", b"This field is required"),
        ("occurred_on", (date.today() + timedelta(days=2)).isoformat(), b"cannot be in the future"),
        ("people_affected", "-1", b"Number must be"),
    ],
)
def test_invalid_concern_is_not_saved(app, db, world, coordinator_client, field, value, message):
    response = coordinator_client.post("/concerns/new", data=_form(world, **{field: value}))
    assert response.status_code == 422
    assert message in response.data
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Concern.id))) == 0


def test_a_command_is_not_a_station_for_a_concern(app, db, world, coordinator_client):
    response = coordinator_client.post(
        "/concerns/new", data=_form(world, station_id=world.command.id)
    )
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Concern.id))) == 0


ALL_PAIRS = [(a, b) for a in ConcernStatus for b in ConcernStatus if a is not b]
# The lifecycle as the product describes it, written out here rather than read from the code
# under test (a test that reads its expectation from the production table cannot fail).
EXPECTED_CONCERN_CHANGES = {
    "open": {"on_agenda", "being_addressed", "resolved", "closed_unresolved"},
    "on_agenda": {"open", "being_addressed", "resolved", "closed_unresolved"},
    "being_addressed": {"resolved", "closed_unresolved"},
    "resolved": {"open"},  # opened again when the problem comes back
    "closed_unresolved": {"open"},
}


def test_the_expected_table_names_every_status() -> None:
    assert set(EXPECTED_CONCERN_CHANGES) == {s.value for s in ConcernStatus}


@pytest.mark.parametrize(("start", "to"), ALL_PAIRS)
def test_every_concern_status_change(app, db, world, make_concern, start, to):
    concern = make_concern(world.station_a, status=start.value)
    allowed = to.value in EXPECTED_CONCERN_CHANGES[start.value]
    with app.app_context():
        obj = db.session.get(Concern, concern.id)
        coordinator = world.users["coordinator"]
        if allowed:
            change_concern_status(obj, to, coordinator, reason="No cooperation from the station.")
            assert obj.status is to
            assert obj.status_changed_at is not None
            # Who changed it, from what to what, is in the audit log.
            entry = db.session.scalars(
                db.select(AuditEntry).where(
                    AuditEntry.entity_type == "Concern",
                    AuditEntry.entity_id == obj.id,
                    AuditEntry.action == "status",
                )
            ).one()
            assert entry.user_id == coordinator.id
            assert entry.changes["from"] == start.value and entry.changes["to"] == to.value
        else:
            with pytest.raises(TransitionError):
                change_concern_status(obj, to, coordinator, reason="x")
            assert obj.status is start
        db.session.rollback()


def test_closing_unresolved_needs_a_reason(app, db, world, make_concern, coordinator_client):
    concern = make_concern(world.station_a)
    with app.app_context():
        with pytest.raises(FieldError):
            change_concern_status(
                db.session.get(Concern, concern.id), ConcernStatus.CLOSED_UNRESOLVED, None
            )
        db.session.rollback()
    response = coordinator_client.post(
        f"/concerns/{concern.id}/status", data={"status": "closed_unresolved", "reason": ""}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Concern, concern.id).status is ConcernStatus.OPEN
    coordinator_client.post(
        f"/concerns/{concern.id}/status",
        data={"status": "closed_unresolved", "reason": "Station commander refused."},
    )
    with app.app_context():
        obj = db.session.get(Concern, concern.id)
        assert obj.status is ConcernStatus.CLOSED_UNRESOLVED
        assert obj.status_reason == "Station commander refused."


def test_sealed_concern_cannot_be_edited_only_annotated(
    app, db, world, make_concern, coordinator_client
):
    concern = make_concern(world.station_a, summary="Original summary")
    assert coordinator_client.post(f"/concerns/{concern.id}/seal").status_code == 302
    # The edit page and a direct POST both refuse.
    response = coordinator_client.get(f"/concerns/{concern.id}/edit")
    assert response.status_code == 302
    assert b"sealed" in coordinator_client.get(response.location).data
    coordinator_client.post(f"/concerns/{concern.id}/edit", data=_form(world, summary="Changed"))
    with app.app_context():
        assert db.session.get(Concern, concern.id).summary == "Original summary"
    # Sealing twice is refused too.
    coordinator_client.post(f"/concerns/{concern.id}/seal")
    # Annotating works.
    coordinator_client.post(
        f"/concerns/{concern.id}/notes", data={"text": "Follow-up call made.", "restricted": ""}
    )
    page = coordinator_client.get(f"/concerns/{concern.id}")
    assert b"Follow-up call made." in page.data
    assert b"Edit</a>" not in page.data


def test_concern_list_filters_and_officer_scope(
    world, make_concern, officer_client, coordinator_client
):
    make_concern(world.station_a, summary="Alpha concern text")
    make_concern(world.station_b, summary="Bravo concern text")
    page = officer_client.get("/concerns").data
    assert b"Alpha concern text" in page and b"Bravo concern text" not in page
    page = coordinator_client.get(f"/concerns?station={world.station_b.id}").data
    assert b"Bravo concern text" in page and b"Alpha concern text" not in page


def test_the_list_search_matches_word_beginnings_through_the_index(  # noqa: PLR0913
    world, make_concern, coordinator_client, officer_client, viewer_client
):
    """The list's search finds concerns by the beginnings of the words of their summary or
    place, or by number, as its hint says; restricted details only for those who read them,
    and an officer's search stays within their stations."""
    market = make_concern(world.station_a, summary="Kits taken near the marketplace",
                          restricted_details="Client Zawadi")  # fmt: skip
    make_concern(world.station_c, summary="Kits taken at the market kiosk")
    page = coordinator_client.get("/concerns?q=market").get_data(as_text=True)
    assert "Kits taken near the marketplace" in page and "kiosk" in page
    assert "begin with each word you type" in page
    # Inside a word is not a word's beginning; every word must match.
    assert "marketplace" not in coordinator_client.get("/concerns?q=place").get_data(as_text=True)
    both = coordinator_client.get("/concerns?q=kits+near").get_data(as_text=True)
    assert "marketplace" in both and "kiosk" not in both
    number = coordinator_client.get(f"/concerns?q=C-{market.id}").get_data(as_text=True)
    assert "marketplace" in number and "kiosk" not in number
    # Restricted details: found by the coordinator, never by the officer (a match would
    # confirm them); the officer does not see other stations' concerns either.
    assert "marketplace" in coordinator_client.get("/concerns?q=zawadi").get_data(as_text=True)
    officer = officer_client.get("/concerns?q=zawadi").get_data(as_text=True)
    assert "marketplace" not in officer
    officer = officer_client.get("/concerns?q=kits").get_data(as_text=True)
    assert "marketplace" in officer and "kiosk" not in officer
    assert "Kits" not in coordinator_client.get("/concerns?q=%25%25").get_data(as_text=True)
