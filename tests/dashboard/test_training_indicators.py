"""Training indicators on the dashboard: share of officers trained and knowledge gain."""

from __future__ import annotations

from tests.dashboard.test_indicators import tiles


def test_share_trained_and_knowledge_gain(coordinator_client, world, make_person, make_training):
    o1 = make_person("officer", world.station_a, name="Officer One")
    o2 = make_person("officer", world.station_a, name="Officer Two")
    make_person("officer", world.station_a, name="Officer Three")  # not trained
    make_training([world.station_a], [(o1, 2, 8, 16), (o2, 2, 10, 18)], days=2)
    html = coordinator_client.get("/").data.decode()
    t = tiles(html)
    # 2 of the 3 officers posted now completed a training.
    share = next(v for k, v in t.items() if k.startswith("of officers posted now completed"))
    assert share == "67%"
    assert "(2 / 3)" in html
    # Pooled in percent of the maximum (20): pre 40% and 50%, post 80% and 90%.
    assert t["mean test score before and after training"] == "45% → 85%"
    # Hake's normalised gain (85 − 45) / (100 − 45) = 0.727…
    gain = next(v for k, v in t.items() if k.startswith("normalised gain"))
    assert gain == "0.73"


def test_knowledge_gain_is_hidden_for_small_groups_from_officers(
    officer_client, world, make_person, make_training
):
    o1 = make_person("officer", world.station_a, name="Officer One")
    make_training([world.station_a], [(o1, 2, 8, 16)], days=2)
    html = officer_client.get("/").data.decode()
    assert "too few officers with both scores" in html
    assert "40% → 80%" not in html


def test_workbook_carries_the_training_indicators(
    coordinator_client, world, make_person, make_training
):
    from tests.dashboard.test_reports import download, request_report

    o1 = make_person("officer", world.station_a, name="Officer One")
    o2 = make_person("officer", world.station_a, name="Officer Two")
    make_training([world.station_a], [(o1, 2, 8, 16), (o2, 2, 10, 18)], days=2)
    workbook = download(coordinator_client, request_report(coordinator_client))
    labels = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r[0]}
    assert labels["Officers posted now who completed a training"] == 2
    assert labels["Share of officers posted now who completed a training"] == 1
    # Shares are stored as shares and shown with a percentage format, as the dashboard shows them.
    assert labels["Mean pre-test score (percent of maximum)"] == 0.45
    assert labels["Mean post-test score (percent of maximum)"] == 0.85
    cells = {r[0].value: r[1] for r in workbook["Summary"].iter_rows() if r[0].value}
    assert cells["Mean pre-test score (percent of maximum)"].number_format == "0%"
    assert cells["Share of officers posted now who completed a training"].number_format == "0%"
    assert labels["Normalised gain"] == 0.73


def test_trainer_dashboard_leads_with_training(trainer_client, coordinator_client, world):
    trainer = trainer_client.get("/").data.decode()
    assert trainer.index("<h2>Training</h2>") < trainer.index("<h2>Station work</h2>")
    coordinator = coordinator_client.get("/").data.decode()
    assert coordinator.index("<h2>Station work</h2>") < coordinator.index("<h2>Training</h2>")
