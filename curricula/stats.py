"""Knowledge-gain statistics on matched pre/post pairs: pure functions, no database.

Only participants with both a pre-test and a post-test score count; the others are reported as
left out, with the reason. Everything is computed from running sums (``PairSums``), so a query
can aggregate any number of trainings with SQL ``GROUP BY`` and hand the sums to
``summary_from_sums``; ``summarise`` does the same for a list of pairs in memory.

Definitions (the ones the programme's reports cite):
- gain = post − pre, per participant; mean gain is the mean of those.
- normalised gain (Hake 1998) of the group: ⟨g⟩ = (mean post − mean pre) / (max − mean pre);
  bands: low below 0.3, medium from 0.3 to below 0.7, high from 0.7. A participant already at
  the maximum before the training has no individual normalised gain (division by zero): they
  stay in every other figure and are counted in ``at_ceiling``.
- paired t-test (two-sided) on the gains, p-value from Student's t distribution with n − 1
  degrees of freedom; effect size Cohen's d_z = mean gain / standard deviation of the gains.
  Both need at least two pairs and gains that vary; otherwise they are ``None`` with a reason.
- 95 % confidence interval of the mean gain: mean ± t(0.975, n − 1) · sd / √n, the interval a
  journal or donor report quotes next to t(df) and p.
- When every pre-test is already at the maximum the normalised gain has no denominator; it is
  ``None`` with ``normalised_note`` = "all_at_ceiling" so pages can say why.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

# Imported with the application, not by the first training page a server worker opens.
from scipy.special import stdtr, stdtrit

LOW_BAND_BELOW = 0.3
HIGH_BAND_FROM = 0.7
ZERO_VARIANCE = 1e-12

# Reasons a participant is left out of the matched pairs.
NO_PRE = "no_pre"
NO_POST = "no_post"
NO_SCORES = "no_scores"

# Why the normalised gain of a group is not available.
ALL_AT_CEILING = "all_at_ceiling"
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ScoreRecord:
    """One participant's scores on one test (``None`` when not taken)."""

    pre: float | None
    post: float | None
    max_score: float
    pass_mark: float | None = None


@dataclass
class PairSums:
    """Sufficient statistics of matched pairs, on one scale (raw points, or percent of max)."""

    n: int = 0
    sum_pre: float = 0.0
    sum_post: float = 0.0
    sum_gain: float = 0.0
    sum_gain_sq: float = 0.0
    # Individual normalised gains of those below the maximum before, and how many were.
    sum_individual_g: float = 0.0
    n_individual_g: int = 0
    # Passing counts among pairs whose test sets a pass mark.
    n_with_pass_mark: int = 0
    passed_pre: int = 0
    passed_post: int = 0
    left_out: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class GainSummary:
    n: int
    left_out: dict[str, int]
    scale_max: float
    mean_pre: float | None
    mean_post: float | None
    mean_gain: float | None
    normalised_gain: float | None
    band: str | None
    mean_individual_gain: float | None
    at_ceiling: int
    t_statistic: float | None
    p_value: float | None
    effect_size: float | None
    test_note: str
    share_passing_pre: float | None
    share_passing_post: float | None
    # Degrees of freedom of the paired t-test and the 95 % confidence interval of the mean gain.
    df: int | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    normalised_note: str = ""

    @property
    def left_out_total(self) -> int:
        return sum(self.left_out.values())


def band_of(g: float | None) -> str | None:
    """Hake's bands of the normalised gain: low (< 0.3), medium (0.3–0.7), high (≥ 0.7)."""
    if g is None:
        return None
    if g >= HIGH_BAND_FROM:
        return "high"
    if g >= LOW_BAND_BELOW:
        return "medium"
    return "low"


def left_out_reason(record: ScoreRecord) -> str | None:
    if record.pre is None and record.post is None:
        return NO_SCORES
    if record.pre is None:
        return NO_PRE
    if record.post is None:
        return NO_POST
    return None


def sums_of(records: Iterable[ScoreRecord], scale_max: float | None = None) -> PairSums:
    """Running sums of ``records``. With ``scale_max`` every score is first rescaled to that
    maximum (use 100 to pool tests with different maxima as percentages)."""
    sums = PairSums()
    for record in records:
        reason = left_out_reason(record)
        if reason is not None:
            sums.left_out[reason] = sums.left_out.get(reason, 0) + 1
            continue
        factor = (scale_max / record.max_score) if scale_max else 1.0
        top = scale_max or record.max_score
        pre, post = record.pre * factor, record.post * factor
        gain = post - pre
        sums.n += 1
        sums.sum_pre += pre
        sums.sum_post += post
        sums.sum_gain += gain
        sums.sum_gain_sq += gain * gain
        if pre < top:
            sums.sum_individual_g += gain / (top - pre)
            sums.n_individual_g += 1
        if record.pass_mark is not None:
            sums.n_with_pass_mark += 1
            sums.passed_pre += record.pre >= record.pass_mark
            sums.passed_post += record.post >= record.pass_mark
    return sums


def summarise(records: Iterable[ScoreRecord]) -> GainSummary:
    """The knowledge-gain summary of ``records``: raw points when every test has the same
    maximum, otherwise percentages of each test's maximum."""
    records = list(records)
    maxima = {r.max_score for r in records}
    if len(maxima) <= 1:
        scale_max = maxima.pop() if maxima else 100.0
        return summary_from_sums(sums_of(records), scale_max)
    return summary_from_sums(sums_of(records, scale_max=100.0), 100.0)


def summary_from_sums(sums: PairSums, scale_max: float) -> GainSummary:
    n = sums.n
    left_out = dict(sums.left_out)
    if n == 0:
        return GainSummary(
            n=0, left_out=left_out, scale_max=scale_max, mean_pre=None, mean_post=None,
            mean_gain=None, normalised_gain=None, band=None, mean_individual_gain=None,
            at_ceiling=0, t_statistic=None, p_value=None, effect_size=None,
            test_note="no_pairs", share_passing_pre=None, share_passing_post=None,
            normalised_note="no_pairs",
        )  # fmt: skip
    mean_pre = sums.sum_pre / n
    mean_post = sums.sum_post / n
    mean_gain = sums.sum_gain / n
    normalised = None
    normalised_note = ALL_AT_CEILING
    if scale_max - mean_pre > ZERO_VARIANCE:
        normalised = (mean_post - mean_pre) / (scale_max - mean_pre)
        normalised_note = ""
    individual = sums.sum_individual_g / sums.n_individual_g if sums.n_individual_g else None
    t_stat, p_value, effect, note = paired_test(n, sums.sum_gain, sums.sum_gain_sq)
    ci_low, ci_high = mean_gain_interval(n, sums.sum_gain, sums.sum_gain_sq)
    share_pre = share_post = None
    if sums.n_with_pass_mark:
        share_pre = sums.passed_pre / sums.n_with_pass_mark
        share_post = sums.passed_post / sums.n_with_pass_mark
    return GainSummary(
        n=n,
        left_out=left_out,
        scale_max=scale_max,
        mean_pre=mean_pre,
        mean_post=mean_post,
        mean_gain=mean_gain,
        normalised_gain=normalised,
        band=band_of(normalised),
        mean_individual_gain=individual,
        at_ceiling=n - sums.n_individual_g,
        t_statistic=t_stat,
        p_value=p_value,
        effect_size=effect,
        test_note=note,
        share_passing_pre=share_pre,
        share_passing_post=share_post,
        df=n - 1 if t_stat is not None else None,
        ci_low=ci_low,
        ci_high=ci_high,
        normalised_note=normalised_note,
    )


def paired_test(
    n: int, sum_gain: float, sum_gain_sq: float
) -> tuple[float | None, float | None, float | None, str]:
    """Two-sided paired t-test and Cohen's d_z from the sums of the gains.

    Returns (t, p, d_z, note); note is "" when the test ran, "single_pair" with one pair, and
    "zero_variance" when every participant gained the same (the test is undefined then).
    """
    if n < 2:
        return None, None, None, "single_pair"
    mean = sum_gain / n
    variance = (sum_gain_sq - sum_gain * sum_gain / n) / (n - 1)
    if variance <= ZERO_VARIANCE * max(1.0, abs(sum_gain_sq)):
        return None, None, None, "zero_variance"
    sd = math.sqrt(variance)
    t = mean / (sd / math.sqrt(n))
    return t, student_t_two_sided_p(t, n - 1), mean / sd, ""


def mean_gain_interval(
    n: int, sum_gain: float, sum_gain_sq: float, confidence: float = CONFIDENCE
) -> tuple[float | None, float | None]:
    """Confidence interval of the mean gain from Student's t with n − 1 degrees of freedom;
    (None, None) where the t-test does not apply (fewer than two pairs, gains all equal)."""
    if n < 2:
        return None, None
    mean = sum_gain / n
    variance = (sum_gain_sq - sum_gain * sum_gain / n) / (n - 1)
    if variance <= ZERO_VARIANCE * max(1.0, abs(sum_gain_sq)):
        return None, None
    half = float(stdtrit(n - 1, 0.5 + confidence / 2)) * math.sqrt(variance / n)
    return mean - half, mean + half


def student_t_two_sided_p(t: float, df: int) -> float:
    """P(|T| ≥ |t|) for Student's t with ``df`` degrees of freedom: SciPy's distribution
    function at −|t|, which stays accurate far into the tail. From ``scipy.special`` (what
    ``scipy.stats`` itself calls), whose import takes a fifth of ``scipy.stats``'s: the first
    training page a server worker opens no longer waits seconds for it."""
    return float(min(1.0, 2.0 * stdtr(df, -abs(t))))
