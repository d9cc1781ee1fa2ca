"""Trainings with results, referral measures and referrals per station and month through the
API: small counts withheld from officers and viewers as on the pages, and never recomputable."""

from __future__ import annotations

from datetime import date

from partnership.disclosure import recoverable
from tests.api.helpers import call, new_token
from tests.dashboard.conftest import PERIOD
from tests.referrals.conftest import add_redemption, add_slips


def test_trainings_with_results_and_small_groups_withheld(app, world, login_as, make_person,  # noqa: ANN001
                                                          make_training) -> None:  # fmt: skip
    big = [make_person("officer", world.station_a, name=f"Big {n}") for n in range(6)]
    small = [make_person("officer", world.station_a, name=f"Small {n}") for n in range(3)]
    scores = [(8, 16), (10, 16), (12, 18), (6, 12), (9, 9), (None, 17)]
    big_id = make_training([world.station_a], [(p, 2, a, b) for p, (a, b) in zip(big, scores, strict=True)],
                           starts_on=date(2026, 3, 3), title="Big training")  # fmt: skip
    small_id = make_training([world.station_a], [(p, 2, 10, 15) for p in small],
                             starts_on=date(2026, 3, 10))  # fmt: skip
    rows = {}
    for role in ("coordinator", "officer", "viewer"):
        body = call(app, new_token(login_as(role)), "/api/v1/trainings").json
        rows[role] = {t["id"]: t for t in body["items"]}
    coordinator = rows["coordinator"][big_id]
    assert coordinator["participants"] == 6 and coordinator["pairs"] == 5
    assert coordinator["left_out"] == {"no_pre": 1, "no_post": 0, "no_scores": 0}
    assert round(coordinator["mean_pre_percent"]) == 45  # (8+10+12+6+9)/5 of 20
    assert rows["coordinator"][small_id]["pairs"] == 3
    assert rows["coordinator"][small_id]["mean_post_percent"] == 75
    for role in ("officer", "viewer"):
        shown = rows[role][big_id]
        # Five pairs: the means are shown; the one left out is withheld, and so is its
        # complement, so that neither can be worked out from the participants.
        assert shown["participants"] == 6 and shown["mean_pre_percent"] is not None
        assert shown["left_out"]["no_pre"] == "<5" and shown["pairs"] == "—"
        few = rows[role][small_id]
        assert few["pairs"] == "<5" and few["participants"] == "<5"
        assert few["mean_pre_percent"] is None and few["normalised_gain"] is None


def test_scheme_measures_as_on_the_scheme_page(app, world, login_as, referrals) -> None:  # noqa: ANN001
    slips = add_slips(app, referrals.scheme_id, world.station_a.id, 7, issued_on=date(2026, 2, 5))
    add_slips(app, referrals.scheme_id, world.station_c.id, 3, start=100,
              issued_on=date(2026, 2, 6))  # fmt: skip
    add_redemption(app, referrals.scheme_id, referrals.point_id, slips[0], "AB12CD1990M",
                   redeemed_on=date(2026, 2, 9))  # fmt: skip
    path = f"/api/v1/referral-schemes/{referrals.scheme_id}/measures"
    coordinator = call(app, new_token(login_as("coordinator")), path).json
    assert coordinator["total"]["issued"] == 10 and coordinator["total"]["redeemed"] == 1
    stations = {line["label"]: line for line in coordinator["by_station"]}
    assert stations["Charlie Police Station"]["issued"] == 3
    officer = call(app, new_token(login_as("officer")), path)
    assert officer.status_code == 200
    body = officer.json
    assert [line["label"] for line in body["by_station"]] == ["Alpha Police Station"]
    assert body["total"]["issued"] == 7 and body["total"]["redeemed"] == "<5"
    assert body["total"]["median_days"] is None and body["total"]["redemption_rate"] is None
    assert "AB12CD1990M" not in officer.get_data(as_text=True)
    schemes = call(app, new_token(login_as("viewer")), "/api/v1/referral-schemes").json
    assert [s["id"] for s in schemes["items"]] == [referrals.scheme_id]


def test_referrals_per_station_and_month_cannot_be_recomputed(app, world, login_as,  # noqa: ANN001
                                                               referrals) -> None:  # fmt: skip
    add_slips(app, referrals.scheme_id, world.station_a.id, 9, issued_on=date(2026, 2, 5))
    add_slips(app, referrals.scheme_id, world.station_a.id, 2, start=50, issued_on=date(2026, 3, 5))
    add_slips(app, referrals.scheme_id, world.station_b.id, 8, start=100,
              issued_on=date(2026, 3, 6))  # fmt: skip
    path = f"/api/v1/referrals/station-months?{PERIOD}"
    full = call(app, new_token(login_as("coordinator")), path).json["items"]
    cells = {(r["station_id"], r["month"]): r["slips_issued"] for r in full}
    assert cells[(world.station_a.id, "2026-03")] == 2
    viewer = call(app, new_token(login_as("viewer")), path).json["items"]
    shown = {(r["station_id"], r["month"]): r["slips_issued"] for r in viewer}
    assert shown[(world.station_a.id, "2026-03")] == "<5"
    # The totals the dashboard shows with the same filters: each month's (its chart) and the
    # period's. No withheld cell can be worked out from them and the cells shown.
    groups = [(list(cells), "all")]
    for month in {k[1] for k in cells}:
        groups.append(([k for k in cells if k[1] == month], month))
    known = {k: v if isinstance(v, int) else None for k, v in shown.items()}
    totals = {name: sum(cells[k] for k in members) for members, name in groups}
    assert not recoverable(groups, {**known, **totals})
