"""TOST on the train/val log ratio: agreement with scipy, calibration at the margin, power."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.signal import lfilter

from analyzer.stats.equivalence import (
    DEFAULT_LOG_MARGIN,
    tost,
    tost_log_ratio,
    tost_relative_gap,
)

M = DEFAULT_LOG_MARGIN
ALPHA = 0.05


def _ar1(phi: float, n: int, sigma: float, rng) -> np.ndarray:
    return lfilter([1.0], [1.0, -phi], rng.normal(0.0, sigma, n + 200))[200:]


def _curves(log_ratio: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(log_ratio.size)
    train = 0.4 + 2.0 * np.exp(-t / 15.0)
    return train, train * np.exp(log_ratio)


def _binomial_upper(p: float, reps: int) -> float:
    return p + 3.0 * math.sqrt(p * (1 - p) / reps)


def test_without_correction_equals_scipy_one_sided_t_tests():
    rng = np.random.default_rng(1)
    d = rng.normal(0.03, 0.05, 40)
    train, val = _curves(d)
    r = tost_log_ratio(train, val, autocorrelation=False)
    lower = stats.ttest_1samp(d, -M, alternative="greater")
    upper = stats.ttest_1samp(d, M, alternative="less")
    assert r.p_lower == pytest.approx(lower.pvalue, rel=1e-9)
    assert r.p_upper == pytest.approx(upper.pvalue, rel=1e-9)
    assert r.p_value == pytest.approx(max(lower.pvalue, upper.pvalue), rel=1e-9)
    assert r.t_lower == pytest.approx(lower.statistic)
    assert r.t_upper == pytest.approx(upper.statistic)
    # the 1 - 2 alpha CI is scipy's one-sided bound pair
    ci = stats.ttest_1samp(d, 0.0).confidence_interval(confidence_level=1 - 2 * ALPHA)
    assert r.ci == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert r.estimate == pytest.approx(d.mean())
    assert r.ratio == pytest.approx(math.exp(d.mean()))
    assert r.ratio_ci == pytest.approx((math.exp(ci.low), math.exp(ci.high)))
    assert (r.n, r.n_eff, r.df, r.n_dropped) == (40, 40.0, 39.0, 0)
    # equivalence at alpha <=> the CI lies inside the margin
    assert (r.p_value < ALPHA) == (r.ci[0] > -M and r.ci[1] < M)
    assert r.p_value < ALPHA  # this sample (mean 0.03, sd 0.05, n 40) is equivalent


def test_calibrated_at_the_margin_for_iid_noise():
    rng = np.random.default_rng(2)
    reps = 800
    rejections = sum(
        tost(M + rng.normal(0.0, 0.05, 50), margin=M).p_value < ALPHA for _ in range(reps)
    )
    assert rejections / reps <= _binomial_upper(ALPHA, reps)


def test_autocorrelation_correction_keeps_ar1_near_alpha_where_naive_test_does_not():
    rng = np.random.default_rng(3)
    reps, n = 500, 200
    corrected = naive = 0
    for _ in range(reps):
        d = M + _ar1(0.8, n, 0.05, rng)
        corrected += tost(d, margin=M).p_value < ALPHA
        naive += tost(d, margin=M, autocorrelation=False).p_value < ALPHA
    # the sample ACF underestimates the correlation slightly, so allow a little above alpha
    assert corrected / reps <= _binomial_upper(ALPHA, reps) + 0.02
    assert naive / reps > 0.2  # about 0.3: the uncorrected test is badly anti-conservative


def test_clearly_equal_curves_are_declared_equivalent_and_a_real_gap_is_not():
    rng = np.random.default_rng(4)
    train, val = _curves(_ar1(0.5, 60, 0.02, rng))
    r = tost_log_ratio(train, val)
    assert r.ok and r.p_value < 1e-3 and r.n_eff < r.n
    train, val = _curves(0.25 + _ar1(0.5, 60, 0.02, rng))  # val about 28% above train
    assert tost_log_ratio(train, val).p_value > 0.5


def test_relative_gap_variant_matches_scipy_and_the_ratio_scale():
    rng = np.random.default_rng(5)
    train = 1.0 + rng.random(30)
    val = train * (1.0 + rng.normal(0.02, 0.03, 30))
    r = tost_relative_gap(train, val, margin=0.1, autocorrelation=False)
    g = (val - train) / train
    assert r.p_lower == pytest.approx(stats.ttest_1samp(g, -0.1, alternative="greater").pvalue)
    assert r.p_upper == pytest.approx(stats.ttest_1samp(g, 0.1, alternative="less").pvalue)
    assert r.ratio == pytest.approx(1.0 + g.mean())


def test_unusable_pairs_are_dropped_and_counted():
    train = np.array([1.0, 2.0, np.nan, 0.0, 1.5, 1.2, 1.1, -1.0, np.inf, 1.0])
    val = np.array([1.1, 2.1, 1.0, 1.0, 1.4, 1.3, 1.0, 1.0, 1.0, np.nan])
    r = tost_log_ratio(train, val, autocorrelation=False)
    assert r.n == 5 and r.n_dropped == 5
    keep = [0, 1, 4, 5, 6]
    d = np.log(val[keep] / train[keep])
    assert r.p_upper == pytest.approx(stats.ttest_1samp(d, M, alternative="less").pvalue)


@pytest.mark.parametrize(
    ("train", "val", "reason"),
    [
        ([1.0, 2.0], [1.0, 2.0], "fewer than 3"),
        ([np.nan] * 5, [np.nan] * 5, "fewer than 3"),
        ([1.0, 2.0, 3.0, 4.0], [1.1, 2.2, 3.3, 4.4], "constant"),
    ],
)
def test_insufficient_data_is_a_result_not_an_error(train, val, reason):
    r = tost_log_ratio(np.array(train), np.array(val))
    assert not r.ok and reason in r.insufficient
    assert math.isnan(r.p_value) and math.isnan(r.estimate)


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        tost_log_ratio(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        tost(np.ones(5), margin=0.0)
