"""A training meeting's page links to its modules, scores and certificates."""

from __future__ import annotations


def test_training_meeting_links_to_its_training(
    app, world, make_person, make_training, coordinator_client
):
    from curricula.models import Training
    from partnership.extensions import db

    officer = make_person("officer", world.station_a)
    training_id = make_training([world.station_a], [(officer, 2, 8, 16)], days=2)
    with app.app_context():
        meeting_id = db.session.get(Training, training_id).meeting_id
    html = coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    assert f'href="/curricula/trainings/{training_id}"' in html
    assert "Modules, scores and certificates" in html


def test_training_meeting_without_modules_offers_the_set_up(
    app, world, coordinator_client, officer_client
):
    from tests.meetings.helpers import create_meeting

    meeting_id = create_meeting(app, [world.station_a], kind="training")
    assert (
        "Set up its modules and test"
        in coordinator_client.get(f"/meetings/{meeting_id}").data.decode()
    )
    assert (
        "Set up its modules and test"
        not in officer_client.get(f"/meetings/{meeting_id}").data.decode()
    )


def test_the_training_register_links_on_to_entering_scores(
    app, world, make_person, make_training, coordinator_client, trainer_client
):
    from curricula.models import Training
    from partnership.extensions import db
    from tests.meetings.helpers import create_meeting

    officer = make_person("officer", world.station_a)
    training_id = make_training([world.station_a], [(officer, 2, 8, 16)], days=2)
    with app.app_context():
        meeting_id = db.session.get(Training, training_id).meeting_id
    for client in (coordinator_client, trainer_client):
        html = client.get(f"/meetings/{meeting_id}/register").data.decode()
        assert (
            f'<a href="/curricula/trainings/{training_id}/scores">'
            "Enter the pre- and post-test scores</a>" in html
        )
    # A meeting that is not a training has no scores to enter.
    other = create_meeting(app, [world.station_a])
    assert "scores" not in coordinator_client.get(f"/meetings/{other}/register").data.decode()
