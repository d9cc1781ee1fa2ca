"""Knowledge-gain figures checked against a published paired data set and its published results,
entered the way a trainer enters them (the score grid and the scores import).

Reference: Student (1908), "The probable error of a mean", Biometrika 6(1), 1–25, table I — the
Cushny and Peebles (1905) sleep data: extra hours of sleep of ten patients under two drugs. It is
R's ``sleep`` data set; R's ``t.test(extra ~ group, data = sleep, paired = TRUE)`` publishes
t = -4.0621, df = 9, p-value = 0.002833, mean difference -1.58 and the 95 per cent confidence
interval [-2.4598858, -0.7001142] (group 1 minus group 2). Taking group 1 as the pre-test and
group 2 as the post-test gives the same figures with the sign turned: t = 4.0621, mean gain 1.58,
CI [0.7001142, 2.4598858], and Cohen's d_z = t / sqrt(n) = 1.2845.

Scores cannot be negative, so every value is shifted by +2 points on a test out of 10: a constant
shift changes neither the gains, t, p, the interval nor d_z. The normalised gain is then
(4.33 − 2.75) / (10 − 2.75) = 0.2179.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date

import pytest

from curricula.models import Training
from partnership.extensions import db

GROUP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
GROUP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
SHIFT = 2
PRE = [round(v + SHIFT, 1) for v in GROUP_1]
POST = [round(v + SHIFT, 1) for v in GROUP_2]

T, DF, P = 4.0621, 9, 0.002833
MEAN_GAIN, CI = 1.58, (0.7001142, 2.4598858)
D_Z = T / math.sqrt(10)
NORMALISED = 1.58 / (10 - 2.75)


def _training_of_ten(make_person, make_training, world, make_module, starts_on):  # noqa: ANN001, ANN202
    """Ten officers of station A on the register of a training that delivers two modules for
    the same audience (so a per-module count would give 20 pairs), no scores yet."""
    people = [make_person("officer", world.station_a, name=f"Patient {i:02d}") for i in range(10)]
    modules = [
        make_module(code=f"SL-{starts_on.month}-{n}", audience="operational") for n in (1, 2)
    ]
    training_id = make_training(
        stations=[world.station_a], people=[(p, 1, None, None) for p in people], days=1,
        modules=modules, max_score=10, pass_mark=None, starts_on=starts_on,
    )  # fmt: skip
    return training_id, people, modules


def _roster(app, training_id):  # noqa: ANN001, ANN202
    from curricula.services.trainings import roster

    with app.app_context():
        return [
            (p.attendee_id, p.person.name) for p in roster(db.session.get(Training, training_id))
        ]


def _enter_through_grid(app, client, training_id):  # noqa: ANN001, ANN202
    data = {}
    for attendee_id, name in _roster(app, training_id):
        i = int(name.rsplit(" ", 1)[1])
        data[f"pre-{attendee_id}"] = str(PRE[i])
        data[f"post-{attendee_id}"] = str(POST[i]).replace(".", ",")  # a decimal comma, as pasted
    response = client.post(f"/curricula/trainings/{training_id}/scores", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)


def _enter_through_import(client, training_id, people):  # noqa: ANN001, ANN202
    template = client.get(f"/curricula/trainings/{training_id}/template.csv")
    header = template.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    lines = [header]
    for i, person in enumerate(people):
        lines.append(f"{person.id},{person.name},,present,{PRE[i]},{POST[i]}")
    response = client.post(
        f"/curricula/trainings/{training_id}/import",
        data={"file": (io.BytesIO("\n".join(lines).encode()), "scores.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _check_summary(s, scale=1.0):  # noqa: ANN001, ANN202
    assert s.n == 10 and s.left_out == {}
    assert s.t_statistic == pytest.approx(T, abs=5e-5)
    assert s.df == DF
    assert s.p_value == pytest.approx(P, abs=5e-7)
    assert s.mean_gain == pytest.approx(MEAN_GAIN * scale, abs=1e-9)
    assert s.ci_low == pytest.approx(CI[0] * scale, abs=1e-6)
    assert s.ci_high == pytest.approx(CI[1] * scale, abs=1e-6)
    assert s.effect_size == pytest.approx(D_Z, abs=5e-5)
    assert s.normalised_gain == pytest.approx(NORMALISED, abs=1e-9)


def _cells(html):  # noqa: ANN001, ANN202
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("path", ["grid", "import"])
def test_sleep_data_through_the_trainers_path(app, world, trainer_client, coordinator_client,
                                              make_person, make_training, make_module, path):  # fmt: skip
    starts_on = date.today().replace(day=1)
    training_id, people, modules = _training_of_ten(
        make_person, make_training, world, make_module, starts_on
    )
    if path == "grid":
        _enter_through_grid(app, trainer_client, training_id)
    else:
        _enter_through_import(trainer_client, training_id, people)

    from curricula.services.knowledge import grouped_summaries, training_summary
    from partnership.accounts.models import User

    with app.app_context():
        user = db.session.get(User, world.users["coordinator"].id)
        _check_summary(training_summary(db.session.get(Training, training_id), user))
        for by in ("training", "module", "audience", "station", "period"):
            rows = grouped_summaries(by, user)
            # Two modules: two rows by module, each of the same ten people; one row otherwise.
            assert len(rows) == (2 if by == "module" else 1), by
            for row in rows:
                _check_summary(row.summary, scale=10.0)  # percent of a maximum of 10

    page = _cells(trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True))
    assert "Participants with both scores 10" in page
    assert "Mean gain 1.58" in page
    assert "95 % confidence interval of the mean gain [0.7, 2.46]" in page
    assert "t(9) = 4.06" in page and "p-value 0.003" in page
    assert "(Cohen's dz) 1.28" in page and "0.22 (low)" in page
    assert "(mean post − mean pre) / (maximum − mean pre)" in page

    for by in ("training", "module", "audience", "station", "period"):
        html = coordinator_client.get(f"/curricula/knowledge?by={by}").get_data(as_text=True)
        text = _cells(html)
        assert re.search(
            r"\b10 0 \d+(\.\d)?% \d+(\.\d)?% 15\.8 \[7, 24\.6\] t\(9\) = 4\.06 0\.003 "
            r"1\.28 0\.22 \(low\)",
            text,
        ), (by, text[-1500:])
        assert "20" not in re.findall(r'data-label="Pairs">(\d+)<', html)

    station = _cells(coordinator_client.get(
        f"/stations/{world.station_a.id}").get_data(as_text=True))  # fmt: skip
    assert "mean gain 15.8 percentage points, 95 % CI [7, 24.6]; t(9) = 4.06, p = 0.003" in station
    assert "dz = 1.28; normalised gain 0.22 (low); 10 pairs" in station
    home = _cells(coordinator_client.get("/").get_data(as_text=True))
    assert "mean gain 15.8 percentage points, 95 % CI [7, 24.6]; t(9) = 4.06, p = 0.003" in home


def test_everyone_at_the_maximum_says_why_there_is_no_normalised_gain(
    app, world, trainer_client, make_person, make_training
):  # noqa: ANN001
    people = [make_person("officer", world.station_a) for _ in range(3)]
    training_id = make_training(stations=[world.station_a],
                                people=[(p, 2, 20, post) for p, post in zip(people, (20, 19, 18),
                                                                            strict=True)])  # fmt: skip
    page = _cells(trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True))
    assert "not available: every pre-test was already at the maximum" in page
    assert "— (—)" not in page


def test_shares_round_half_up_on_the_page(app, world, trainer_client, make_person, make_training):
    # Five of eight pass after: 62.5 %, shown as 63 % (half to even would show 62 %).
    people = [make_person("officer", world.station_a) for _ in range(8)]
    posts = (12, 13, 14, 15, 16, 5, 6, 7)
    training_id = make_training(stations=[world.station_a], pass_mark=12,
                                people=[(p, 2, 4, post) for p, post in zip(people, posts,
                                                                           strict=True)])  # fmt: skip
    page = _cells(trainer_client.get(f"/curricula/trainings/{training_id}").get_data(as_text=True))
    assert "Passing before / after 0% / 63%" in page
