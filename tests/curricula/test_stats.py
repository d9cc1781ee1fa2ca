"""Knowledge-gain statistics against hand-worked examples and against SciPy on the same data."""

from __future__ import annotations

import math
import random

import pytest
from scipy import stats as scipy_stats

from curricula.stats import (
    NO_POST,
    NO_PRE,
    NO_SCORES,
    ScoreRecord,
    band_of,
    summarise,
    summary_from_sums,
    sums_of,
)


def records(pre, post, max_score=10, pass_mark=None):  # noqa: ANN001, ANN201
    return [ScoreRecord(a, b, max_score, pass_mark) for a, b in zip(pre, post, strict=True)]


def test_hand_worked_three_pairs():
    # gains 3, 3, 0: mean 2; deviations 1, 1, −2 → variance 6/2 = 3; t = 2 / (√3/√3) = 2.
    s = summarise(records([4, 6, 8], [7, 9, 8], pass_mark=7))
    assert s.n == 3 and s.left_out == {}
    assert s.mean_pre == 6 and s.mean_post == 8 and s.mean_gain == 2
    assert s.normalised_gain == pytest.approx(0.5)  # (8 − 6) / (10 − 6)
    assert s.band == "medium"
    assert s.mean_individual_gain == pytest.approx((0.5 + 0.75 + 0) / 3)
    assert s.t_statistic == pytest.approx(2.0)
    # Student's t with 2 df has P(T > t) = ½(1 − t/√(t² + 2)); two-sided doubles it.
    assert s.p_value == pytest.approx(1 - 2 / math.sqrt(6))
    assert s.effect_size == pytest.approx(2 / math.sqrt(3))
    assert s.share_passing_pre == pytest.approx(1 / 3)
    assert s.share_passing_post == 1


def test_hand_worked_two_pairs_one_degree_of_freedom():
    # gains 1 and 3: mean 2, sd √2, t = 2 / (√2/√2) = 2; with 1 df p = 1 − (2/π)·atan(2).
    s = summarise(records([2, 4], [3, 7]))
    assert s.t_statistic == pytest.approx(2.0)
    assert s.p_value == pytest.approx(1 - 2 / math.pi * math.atan(2))
    assert s.effect_size == pytest.approx(math.sqrt(2))


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_matches_scipy_paired_t_test(seed):
    rng = random.Random(seed)
    n = rng.randint(5, 60)
    pre = [rng.randint(0, 20) for _ in range(n)]
    post = [min(20, max(0, p + rng.randint(-3, 8))) for p in pre]
    s = summarise(records(pre, post, max_score=20, pass_mark=12))
    expected = scipy_stats.ttest_rel(post, pre)
    assert s.t_statistic == pytest.approx(expected.statistic, rel=1e-9)
    assert s.p_value == pytest.approx(expected.pvalue, rel=1e-7, abs=1e-15)
    gains = [b - a for a, b in zip(pre, post, strict=True)]
    mean = sum(gains) / n
    sd = math.sqrt(sum((g - mean) ** 2 for g in gains) / (n - 1))
    assert s.effect_size == pytest.approx(mean / sd)
    assert s.mean_pre == pytest.approx(sum(pre) / n)
    assert s.share_passing_post == pytest.approx(sum(p >= 12 for p in post) / n)


def test_single_pair_has_no_test():
    s = summarise(records([5], [8]))
    assert s.n == 1 and s.mean_gain == 3
    assert s.normalised_gain == pytest.approx(3 / 5)
    assert s.t_statistic is None and s.p_value is None and s.effect_size is None
    assert s.test_note == "single_pair"


def test_identical_scores_have_zero_variance():
    s = summarise(records([5, 5, 5], [5, 5, 5]))
    assert s.mean_gain == 0 and s.normalised_gain == 0 and s.band == "low"
    assert s.p_value is None and s.effect_size is None
    assert s.test_note == "zero_variance"
    # SciPy has no answer either.
    assert math.isnan(scipy_stats.ttest_rel([5, 5, 5], [5, 5, 5]).pvalue)


def test_identical_gains_have_zero_variance():
    s = summarise(records([3, 4, 5], [5, 6, 7]))
    assert s.mean_gain == 2 and s.test_note == "zero_variance" and s.p_value is None


def test_pre_score_equal_to_the_maximum():
    s = summarise(records([10, 5], [10, 10]))
    assert s.n == 2
    assert s.normalised_gain == pytest.approx((10 - 7.5) / (10 - 7.5))
    assert s.band == "high"
    # The participant at the ceiling has no individual normalised gain and is counted apart.
    assert s.at_ceiling == 1
    assert s.mean_individual_gain == pytest.approx(1.0)


def test_everyone_at_the_maximum_before_has_no_normalised_gain():
    s = summarise(records([10, 10], [9, 10]))
    assert s.normalised_gain is None and s.band is None
    assert s.mean_individual_gain is None and s.at_ceiling == 2
    assert s.mean_gain == pytest.approx(-0.5)


def test_left_out_are_counted_with_reasons():
    data = [
        ScoreRecord(4, 7, 10),
        ScoreRecord(None, 7, 10),
        ScoreRecord(5, None, 10),
        ScoreRecord(None, None, 10),
        ScoreRecord(6, None, 10),
    ]
    s = summarise(data)
    assert s.n == 1
    assert s.left_out == {NO_PRE: 1, NO_POST: 2, NO_SCORES: 1}
    assert s.left_out_total == 4


def test_no_pairs():
    s = summarise([ScoreRecord(None, 5, 10)])
    assert s.n == 0 and s.mean_pre is None and s.p_value is None and s.left_out == {NO_PRE: 1}


def test_different_maxima_are_pooled_as_percentages():
    s = summarise([ScoreRecord(5, 10, 10), ScoreRecord(10, 20, 20)])
    assert s.scale_max == 100
    assert s.mean_pre == pytest.approx(50) and s.mean_post == pytest.approx(100)
    assert s.normalised_gain == pytest.approx(1.0)


def test_sums_give_the_same_summary_as_the_pairs():
    data = records([1, 4, 6, 9], [5, 8, 6, 10], pass_mark=6)
    direct = summarise(data)
    via_sums = summary_from_sums(sums_of(data), 10)
    assert via_sums == direct


@pytest.mark.parametrize(
    ("g", "band"),
    [(-0.2, "low"), (0.0, "low"), (0.29, "low"), (0.3, "medium"), (0.69, "medium"),
     (0.7, "high"), (1.0, "high"), (None, None)],
)  # fmt: skip
def test_hake_bands(g, band):
    assert band_of(g) == band
