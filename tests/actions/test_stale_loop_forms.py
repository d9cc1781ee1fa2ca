"""The loop's own forms keep the optimistic version check the edit forms have: resolving a
concern or verifying an action point from a page loaded before someone else changed the record
saves nothing and shows what changed; saved again from the page shown, it applies on top."""

from __future__ import annotations

import re

from partnership.actions.models import ActionPoint, ActionStatus, Concern, ConcernStatus

CONFLICT = "Someone else saved this record while you were editing"


def _version(html: str, name: str) -> str:
    return re.search(rf'name="{re.escape(name)}" type="hidden" value="(\d+)"', html).group(1)


def _change(app, db, model, record_id: int, **values) -> None:  # noqa: ANN001, ANN003
    with app.app_context():
        record = db.session.get(model, record_id)
        for name, value in values.items():
            setattr(record, name, value)
        db.session.commit()


def test_a_stale_resolve_form_saves_nothing_and_shows_what_changed(
    app, db, world, make_concern, make_action_point, coordinator_client
):
    concern = make_concern(world.station_a, status="being_addressed")
    make_action_point(world.station_a, status="verified", action_taken="Kits returned.",
                      concerns=[concern])  # fmt: skip
    page = coordinator_client.get(f"/concerns/{concern.id}").text
    name = f"resolve-{concern.id}-version"
    loaded = _version(page, name)
    # Someone else corrects the concern while the page is open.
    _change(app, db, Concern, concern.id, place="The market, not the hotspot")
    outcome = f"resolve-{concern.id}-outcome"
    stale = coordinator_client.post(
        f"/concerns/{concern.id}/resolve",
        data={outcome: "Kits returned; patrols briefed.", name: loaded},
    )
    html = stale.text
    assert stale.status_code == 409
    assert CONFLICT in html
    assert "Kits returned; patrols briefed." in html  # what was typed is kept
    assert "The market, not the hotspot" in html  # the page shows the concern as it is now
    with app.app_context():
        stored = db.session.get(Concern, concern.id)
        assert stored.status is ConcernStatus.BEING_ADDRESSED and not stored.outcome
    # Saved again from the page shown, the outcome applies on top.
    again = coordinator_client.post(
        f"/concerns/{concern.id}/resolve",
        data={outcome: "Kits returned; patrols briefed.", name: _version(html, name)},
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Concern, concern.id).status is ConcernStatus.RESOLVED


def test_a_stale_verification_saves_nothing_and_shows_what_changed(
    app, db, world, make_action_point, officer_client
):
    point = make_action_point(world.station_a, status="done", done_side="ngo",
                              action_taken="Kits collected.")  # fmt: skip
    page = officer_client.get(f"/action-points/{point.id}/verify").text
    loaded = _version(page, "version")
    assert loaded == _version(officer_client.get(f"/action-points/{point.id}").text, "version")
    # The NGO side corrects what was done while the officer reads it.
    _change(app, db, ActionPoint, point.id, action_taken="Half of the kits collected.")
    stale = officer_client.post(
        f"/action-points/{point.id}/verify", data={"adequate": "yes", "version": loaded}
    )
    assert stale.status_code == 409
    assert CONFLICT in stale.text and "Half of the kits collected." in stale.text
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.DONE
    again = officer_client.post(
        f"/action-points/{point.id}/verify",
        data={"adequate": "yes", "version": _version(stale.text, "version")},
    )
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(ActionPoint, point.id).status is ActionStatus.VERIFIED


def test_the_loop_forms_stay_closed_to_other_roles_and_stations(
    app, db, world, make_concern, make_action_point, login_as, officer_client
):
    concern = make_concern(world.station_a, status="being_addressed")
    make_action_point(world.station_a, status="verified", concerns=[concern])
    data = {f"resolve-{concern.id}-outcome": "Solved.", f"resolve-{concern.id}-version": "1"}
    assert login_as("trainer").post(f"/concerns/{concern.id}/resolve", data=data).status_code == 403
    elsewhere = make_action_point(world.station_c, status="done", done_side="ngo")
    response = officer_client.post(
        f"/action-points/{elsewhere.id}/verify", data={"adequate": "yes", "version": "1"}
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ActionPoint, elsewhere.id).status is ActionStatus.DONE
        assert db.session.get(Concern, concern.id).status is ConcernStatus.BEING_ADDRESSED
