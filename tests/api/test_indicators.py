"""The issue's "done when": a script reads the programme's indicators through the API with a
personal token and gets the same figures as the dashboard shows the same user with the same
filters (small counts withheld alike), for each role and several filters."""

from __future__ import annotations

import html as html_lib
from datetime import date, timedelta

import pytest
from flask_babel import format_decimal

from partnership.numbers import percent, round_half_up
from tests.api.helpers import call as get
from tests.api.helpers import new_token
from tests.dashboard.conftest import PERIOD
from tests.dashboard.test_indicators import tiles
from tests.dashboard.test_loop_indicators import loop_fixture

FILTERS = [
    PERIOD,
    f"{PERIOD}&station={{a}}",
    f"{PERIOD}&command={{command}}",
    "start=2025-11-01&end=2026-03-31&country=KE",
    "",  # the dashboard's default period: the last 365 days
]


def shown(value) -> str:  # noqa: ANN001
    """A value as the dashboard's template prints it."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return html_lib.escape(value)
    return format_decimal(value)


def expected_tiles(values: dict) -> dict[str, str]:
    """What each dashboard tile shows, worked out by a script from the API's values."""
    v = values
    share = v["training_share"]
    expected = {
        "meetings held of those planned": f"{shown(v['meetings_held'])} / "
        f"{shown(v['meetings_planned'])}",
        "stations visited within their interval": f"{shown(v['stations_visited_within_interval'])}"
        f" / {shown(v['stations'])}",
        "stations due or overdue for a visit": shown(v["stations_due_or_overdue"]),
        "median days since the last visit": shown(v["median_days_since_visit"]),
        "officers reached at meetings": shown(v["officers_sensitised"]),
        "officers trained": shown(v["officers_trained"]),
        "referral slips issued": shown(v["slips_issued"]),
        "slips that reached a service": shown(v["slips_redeemed"]),
        "redemption rate": "—"
        if v["redemption_rate"] is None
        else f"{int(percent(v['redemption_rate']))}%",
        "action points open": shown(v["action_points_open"]),
        "action points overdue": shown(v["action_points_overdue"]),
        "escalated to the command": shown(v["action_points_escalated"]),
        "verified in the period, done on time": f"{shown(v['action_points_verified_on_time'])}"
        f" / {shown(v['action_points_verified'])}",
        "concerns raised in the period": shown(v["concerns_raised"]),
        "stations to re-sensitise: their share fell after transfers": shown(
            v["stations_to_resensitise"]
        ),
        "of officers posted now completed a training ("
        f"{shown(v['officers_posted_trained'])} / {shown(v['officers_posted'])})": "—"
        if share is None
        else f"{int(percent(share))}%",
    }
    if v["mean_pre_percent"] is not None:
        pre, post = (int(round_half_up(v[k])) for k in ("mean_pre_percent", "mean_post_percent"))
        expected["mean test score before and after training"] = f"{pre}% → {post}%"
        gain = v["normalised_gain"]
        label = f"normalised gain ({shown(v['gain_pairs'])} officers with both scores)"
        expected[label] = "—" if gain is None else format_decimal(round_half_up(gain, 2))
    return expected


@pytest.fixture()
def busy(programme, world, make_concern, make_action_point, make_training, make_person):  # noqa: ANN001
    loop_fixture(world, make_concern, make_action_point)
    make_action_point(world.station_c, due_on=date.today() - timedelta(days=30))
    officers = [make_person("officer", world.station_a, name=f"Trainee {n}") for n in range(6)]
    scores = [(8, 15), (10, 16), (12, 18), (6, 12), (9, 9), (11, 17)]
    make_training([world.station_a], [(p, 2, pre, post) for p, (pre, post) in zip(officers, scores, strict=True)],
                  starts_on=date(2026, 3, 3))  # fmt: skip
    return programme


@pytest.mark.parametrize("role", ["coordinator", "officer", "viewer"])
def test_a_script_reads_the_dashboards_figures(app, world, login_as, busy, role) -> None:  # noqa: ANN001
    client = login_as(role)
    token = new_token(client)
    compared = 0
    for template in FILTERS:
        query = template.format(a=world.station_a.id, command=world.station_a.command_id)
        page = tiles(client.get(f"/?{query}").get_data(as_text=True))
        answer = get(app, token, f"/api/v1/indicators?{query}")
        assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.json
        values = {i["key"]: i["value"] for i in body["indicators"]}
        assert body["suppressed"] is (role != "coordinator")
        for label, value in expected_tiles(values).items():
            assert page.get(label) == value, (role, query, label, page.get(label), values)
            compared += 1
    assert compared >= 5 * 16


def test_withheld_counts_are_withheld_in_the_api_as_on_the_dashboard(app, world, login_as, busy):  # noqa: ANN001
    officer = new_token(login_as("officer"))
    body = get(app, officer, f"/api/v1/indicators?{PERIOD}").json
    values = {i["key"]: i["value"] for i in body["indicators"]}
    assert values["officers_sensitised"] == 8 and values["slips_redeemed"] == "<5"
    assert values["redemption_rate"] is None
    months = {row["month"]: row for row in body["months"]}
    assert months["2026-02"]["slips_issued"] == 6
    coordinator = new_token(login_as("coordinator"))
    values = {
        i["key"]: i["value"]
        for i in get(app, coordinator, f"/api/v1/indicators?{PERIOD}").json["indicators"]
    }
    assert values["slips_redeemed"] == 3 and values["slips_issued"] == 9
    assert values["redemption_rate"] == pytest.approx(1 / 3)


def test_an_officer_cannot_read_another_stations_indicators(app, world, login_as, busy):  # noqa: ANN001
    token = new_token(login_as("officer"))
    body = get(app, token, f"/api/v1/indicators?{PERIOD}&station={world.station_c.id}").json
    values = {i["key"]: i["value"] for i in body["indicators"]}
    assert values["slips_issued"] == 0 and values["meetings_held"] == 0


def test_bad_filters_are_refused_with_the_field(app, world, login_as) -> None:  # noqa: ANN001
    token = new_token(login_as("coordinator"))
    answer = get(app, token, "/api/v1/indicators?start=not-a-date")
    assert answer.status_code == 422
    assert "start" in answer.json["errors"]["query"]
