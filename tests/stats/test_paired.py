"""Paired difference tests cross-checked against scipy."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.signal import lfilter

from analyzer.stats.autocorr import effective_sample_size
from analyzer.stats.paired import hodges_lehmann, paired_t, wilcoxon_signed_rank


def _walsh_median(d: np.ndarray) -> float:
    """Hodges-Lehmann by the definition, with a plain double loop."""
    return float(np.median([(d[i] + d[j]) / 2 for i in range(d.size) for j in range(i, d.size)]))


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_wilcoxon_matches_scipy(alternative):
    rng = np.random.default_rng(1)
    x = rng.normal(1.0, 0.2, 80)
    y = x - rng.normal(0.05, 0.1, 80)
    r = wilcoxon_signed_rank(x, y, alternative=alternative)
    ref = stats.wilcoxon(x, y, alternative=alternative)
    assert r.statistic == pytest.approx(ref.statistic)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    assert r.n == r.n_nonzero == 80 and r.alternative == alternative


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_exact_small_sample_p_values_are_scipys_floats(alternative):
    # Up to 50 untied differences the p-value comes from our own exact null table; it must
    # be the very float scipy gives, on both sides of the mean (the two summation branches),
    # and samples with ties must still go to scipy's approximation unchanged.
    rng = np.random.default_rng(3)
    for n in (3, 4, 7, 13, 20, 35, 50, 51):
        for shift in (-0.8, -0.2, 0.0, 0.3, 1.0):
            d = rng.normal(shift, 1.0, n)
            for sample in (d, np.round(d, 1)):
                r = wilcoxon_signed_rank(sample, alternative=alternative)
                nz = sample[sample != 0]
                if nz.size < 3:
                    continue
                ref = stats.wilcoxon(nz, alternative=alternative)
                assert (r.statistic, r.p_value) == (float(ref.statistic), float(ref.pvalue))


def test_rank_biserial_from_scipys_positive_rank_sum():
    rng = np.random.default_rng(2)
    d = rng.normal(0.3, 1.0, 40)
    r = wilcoxon_signed_rank(d)
    r_plus = stats.wilcoxon(d, alternative="greater").statistic  # R+ for one-sided tests
    total = d.size * (d.size + 1) / 2
    assert r.rank_biserial == pytest.approx(2 * r_plus / total - 1)
    assert wilcoxon_signed_rank(np.abs(d) + 0.1).rank_biserial == pytest.approx(1.0)
    assert wilcoxon_signed_rank(-np.abs(d) - 0.1).rank_biserial == pytest.approx(-1.0)


def test_zeros_are_dropped_like_scipys_wilcox_method():
    d = np.array([0.0, 0.0, 0.5, -0.2, 1.1, 0.7, -0.4, 0.9, 1.3, 0.0, 0.6])
    r = wilcoxon_signed_rank(d)
    ref = stats.wilcoxon(d, zero_method="wilcox")
    assert r.p_value == pytest.approx(ref.pvalue) and r.statistic == pytest.approx(ref.statistic)
    assert r.n == 11 and r.n_nonzero == 8
    assert r.median_difference == pytest.approx(np.median(d))
    assert r.n_eff == effective_sample_size(d)  # estimates use every difference, zeros too


def test_hodges_lehmann_exact_and_approximate():
    rng = np.random.default_rng(3)
    d = rng.standard_t(3, 101)
    assert hodges_lehmann(d) == pytest.approx(_walsh_median(d))
    assert wilcoxon_signed_rank(d).hodges_lehmann == pytest.approx(_walsh_median(d))
    for m in (1, 2, 200, 201):  # either side of the cached index arrays
        part = rng.standard_t(3, m)
        assert hodges_lehmann(part) == pytest.approx(_walsh_median(part))
    big = rng.normal(0.2, 1.0, 3000)  # beyond the exact limit: quantile approximation
    i, j = np.triu_indices(big.size)
    exact = float(np.median((big[i] + big[j]) / 2))
    assert abs(hodges_lehmann(big) - exact) < 0.1 * big.std() / math.sqrt(big.size)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_paired_t_without_correction_is_ttest_rel(alternative):
    rng = np.random.default_rng(4)
    x = rng.normal(1.0, 0.2, 30)
    y = x - rng.normal(0.04, 0.1, 30)
    r = paired_t(x, y, alternative=alternative, autocorrelation=False)
    ref = stats.ttest_rel(x, y, alternative=alternative)
    assert r.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert r.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    ci = ref.confidence_interval(0.95)
    assert r.ci == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert r.df == 29 and r.n_eff == 30


def test_paired_t_correction_shrinks_df_by_the_effective_sample_size():
    rng = np.random.default_rng(5)
    d = 0.02 + lfilter([1.0], [1.0, -0.8], rng.normal(0.0, 0.05, 300))[100:]
    naive = paired_t(d, autocorrelation=False)
    corr = paired_t(d)
    n_eff = effective_sample_size(d)
    assert corr.n_eff == pytest.approx(n_eff) and corr.df == pytest.approx(n_eff - 1)
    assert corr.se == pytest.approx(d.std(ddof=1) / math.sqrt(n_eff))
    assert corr.p_value == pytest.approx(2 * stats.t.sf(abs(d.mean() / corr.se), n_eff - 1))
    assert corr.p_value > naive.p_value and corr.n_eff < 0.3 * d.size


def test_paired_t_false_positive_rate_on_ar1_noise_is_controlled():
    rng = np.random.default_rng(6)
    reps = 300
    hits = naive = 0
    for _ in range(reps):
        d = lfilter([1.0], [1.0, -0.8], rng.normal(0.0, 1.0, 400))[200:]
        hits += paired_t(d).p_value < 0.05
        naive += paired_t(d, autocorrelation=False).p_value < 0.05
    assert hits / reps < 0.05 + 3 * math.sqrt(0.05 * 0.95 / reps) + 0.03
    assert naive / reps > 0.3


def test_insufficient_and_dropped_pairs():
    r = wilcoxon_signed_rank(np.array([1.0, 1.0, 2.0]), np.array([1.0, 1.0, 1.0]))
    assert not r.ok and math.isnan(r.p_value) and r.n_nonzero == 1
    assert all(math.isnan(v) for v in (r.median_difference, r.hodges_lehmann, r.n_eff))
    t = paired_t(np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.0, 1.0, 2.0, 3.0]))
    assert not t.ok and "equal" in t.insufficient and math.isnan(t.statistic)
    x = np.array([1.0, np.nan, 2.0, 3.0, np.inf, 5.0])
    y = np.array([0.5, 1.0, 1.0, np.nan, 1.0, 3.0])
    t = paired_t(x, y, autocorrelation=False)
    assert t.n == 3 and t.n_dropped == 3
    assert t.p_value == pytest.approx(stats.ttest_1samp([0.5, 1.0, 2.0], 0.0).pvalue)
    assert not paired_t(np.full(10, np.nan)).ok
    with pytest.raises(ValueError):
        paired_t(np.ones(3), np.ones(2))
