"""Mann-Kendall variants cross-checked against pymannkendall 1.4.3 and scipy."""

from __future__ import annotations

import math

import numpy as np
import pymannkendall as pmk
import pytest
from scipy.signal import lfilter
from scipy.stats import kendalltau, rankdata

from analyzer.stats import trend
from analyzer.stats.slope import GATHER_MAX_N, PairwiseSlopes, sens_slope

PMK = {
    "original": lambda x, lag: pmk.original_test(x),
    "hamed_rao": lambda x, lag: pmk.hamed_rao_modification_test(x, lag=lag),
    "yue_wang": lambda x, lag: pmk.yue_wang_modification_test(x, lag=lag),
    "pre_whitening": lambda x, lag: pmk.trend_free_pre_whitening_modification_test(x),
}


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    return lfilter([1.0], [1.0, -phi], rng.normal(size=n + 100))[100:]


def _series() -> list[tuple[str, np.ndarray]]:
    rng = np.random.default_rng(2024)
    out: list[tuple[str, np.ndarray]] = []
    for i in range(6):
        n = int(rng.integers(20, 300))
        out.append((f"random{i}", rng.normal(size=n)))
        out.append((f"increasing{i}", 0.05 * np.arange(n) + rng.normal(size=n)))
        out.append((f"decreasing{i}", np.exp(-np.arange(n) / 40) + 0.1 * rng.normal(size=n)))
        out.append((f"ties{i}", rng.integers(0, 5, size=n).astype(float)))
        out.append((f"ar1_{i}", _ar1(rng, n, 0.8)))
    for n in range(3, 11):
        out.append((f"short{n}", rng.normal(size=n)))
        out.append((f"short_ties{n}", rng.integers(0, 3, size=n).astype(float)))
    out.append(("loss_curve", 2.0 * np.exp(-np.arange(120) / 15) + 0.02 * _ar1(rng, 120, 0.6)))
    nan_edges = rng.normal(size=80)
    nan_edges[:3] = np.nan
    nan_edges[-4:] = np.nan
    out.append(("nan_at_edges", nan_edges))
    return out


SERIES = _series()


def _close(ours: float, theirs: float, tol: float = 1e-9) -> bool:
    return math.isclose(ours, theirs, rel_tol=tol, abs_tol=tol)


@pytest.mark.parametrize("method", list(PMK))
@pytest.mark.parametrize(("name", "x"), SERIES, ids=[name for name, _ in SERIES])
def test_matches_pymannkendall(method: str, name: str, x: np.ndarray) -> None:
    ref = PMK[method](x, None)
    res = trend.mann_kendall(x, method=method)
    if not (np.isfinite(ref.var_s) and ref.var_s > 0):
        # pymannkendall divides by a zero or negative variance here; we report why instead.
        assert not res.ok and math.isnan(res.p) and res.insufficient
        return
    assert res.ok, res.insufficient
    assert res.s == ref.s
    assert _close(res.var_s, ref.var_s)
    assert _close(res.z, ref.z)
    assert _close(res.p, ref.p)
    assert _close(res.tau, ref.Tau)
    if method != "original":
        assert _close(res.slope, ref.slope)
    assert res.n == np.count_nonzero(np.isfinite(x))
    assert res.dropped == x.size - res.n


def test_a_perfect_line_is_a_trend_not_a_division_by_zero() -> None:
    """On an exact line the detrended residuals are constant: pymannkendall's autocorrelation is
    0/0 (NaN variance, and S = 0 after pre-whitening). Ours treats a constant residual as
    uncorrelated, so every variant finds the maximal S."""
    x = np.arange(30.0)
    for method in PMK:
        ref = PMK[method](x, None)
        assert np.isnan(ref.var_s) or ref.s == 0 or method == "original"
    for method in trend.METHODS:
        res = trend.mann_kendall(x, method=method)
        n = 29 if method == "pre_whitening" else 30
        assert res.ok and res.s == n * (n - 1) / 2 and res.p < 1e-8 and res.tau == 1.0


@pytest.mark.parametrize("lag", [1, 3, 10])
@pytest.mark.parametrize("method", ["hamed_rao", "yue_wang"])
def test_lag_limit_matches_pymannkendall(method: str, lag: int) -> None:
    rng = np.random.default_rng(lag)
    for _ in range(5):
        x = _ar1(rng, 150, 0.7) + 0.01 * np.arange(150)
        ref = PMK[method](x, lag)
        res = trend.mann_kendall(x, method=method, lag=lag)
        assert res.lag == lag
        assert _close(res.var_s, ref.var_s) and _close(res.z, ref.z) and _close(res.p, ref.p)


@pytest.mark.parametrize(("name", "x"), SERIES[:30], ids=[name for name, _ in SERIES[:30]])
def test_tau_b_and_one_sided_p(name: str, x: np.ndarray) -> None:
    res = trend.original_test(x)
    finite = x[np.isfinite(x)]
    assert _close(res.tau_b, kendalltau(np.arange(finite.size), finite).statistic, 1e-12)
    assert _close(res.p_increasing + res.p_decreasing, 1.0, 1e-12)
    assert _close(res.p, min(1.0, 2 * min(res.p_increasing, res.p_decreasing)), 1e-12)
    if res.s > 0:
        assert res.p_increasing < res.p_decreasing


def test_p_keeps_precision_where_pymannkendall_underflows() -> None:
    # pymannkendall computes 2 * (1 - cdf(|z|)), which is exactly 0 once cdf rounds to 1.
    x = np.arange(400.0) + np.random.default_rng(0).normal(size=400)
    ref = pmk.original_test(x)
    res = trend.original_test(x)
    assert ref.p == 0.0
    assert res.z == pytest.approx(ref.z, rel=1e-12)
    assert res.p > 0.0
    assert res.p == pytest.approx(math.erfc(abs(res.z) / math.sqrt(2.0)), rel=1e-10)


def test_interior_nans_keep_their_time_points() -> None:
    """pymannkendall computes Sen's slope on the original positions but detrends the compacted
    series as if the points were consecutive. We use the original positions for both."""
    rng = np.random.default_rng(5)
    x = 0.1 * np.arange(120) + _ar1(rng, 120, 0.6)
    x[[10, 11, 12, 50, 90]] = np.nan
    keep = np.isfinite(x)
    positions = np.flatnonzero(keep).astype(float)
    for method in trend.METHODS:
        with_nan = trend.mann_kendall(x, method=method)
        explicit = trend.mann_kendall(x[keep], t=positions, method=method)
        assert with_nan.dropped == 5 and with_nan.n == 115
        assert with_nan.z == explicit.z and with_nan.tau == explicit.tau
        assert with_nan.slope == explicit.slope or method == "original"
    # S, Var(S) and Sen's slope agree with pymannkendall on the same input.
    ours, ref = trend.hamed_rao_test(x), pmk.hamed_rao_modification_test(x)
    assert ours.s == ref.s and _close(ours.var_s_iid, pmk.original_test(x).var_s)
    assert _close(ours.slope, ref.slope)
    assert _close(trend.original_test(x).p, pmk.original_test(x).p)


def test_infinities_are_dropped_like_nan() -> None:
    rng = np.random.default_rng(9)
    x = rng.normal(size=60)
    with_inf, with_nan = x.copy(), x.copy()
    with_inf[[3, 30]] = [np.inf, -np.inf]
    with_nan[[3, 30]] = np.nan
    for method in trend.METHODS:
        a, b = (
            trend.mann_kendall(with_inf, method=method),
            trend.mann_kendall(with_nan, method=method),
        )
        assert a == b and a.dropped == 2 and a.ok


@pytest.mark.parametrize("method", trend.METHODS)
@pytest.mark.parametrize(
    ("x", "reason"),
    [
        ([], "fewer than 3"),
        ([1.0], "fewer than 3"),
        ([1.0, 2.0], "fewer than 3"),
        ([np.nan, 1.0, np.inf, 2.0], "fewer than 3"),
        ([np.nan] * 10, "fewer than 3"),
        ([0.5] * 10, "all values equal"),
        ([0.5, np.nan, 0.5, 0.5], "all values equal"),
    ],
)
def test_insufficient_data_is_a_result_not_an_error(method: str, x: list, reason: str) -> None:
    res = trend.mann_kendall(np.array(x, dtype=float), method=method)
    assert not res.ok and reason in res.insufficient
    assert all(math.isnan(v) for v in (res.s, res.z, res.p, res.p_increasing, res.tau))


@pytest.mark.parametrize("method", trend.METHODS)
def test_two_distinct_values(method: str) -> None:
    res = trend.mann_kendall(np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]), method=method)
    if method in PMK:
        ref = PMK[method](np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0]), None)
        if ref.var_s > 0:
            assert res.s == ref.s and _close(res.p, ref.p)
    assert res.ok or res.insufficient == "variance correction is not positive"


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="unknown Mann-Kendall method"):
        trend.mann_kendall([1.0, 2.0, 3.0], method="nope")
    with pytest.raises(ValueError, match="strictly increasing"):
        trend.mann_kendall([1.0, 2.0, 3.0], t=[0.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="time points"):
        trend.mann_kendall([1.0, 2.0, 3.0], t=[0.0, 1.0])


def test_ar1_factor_follows_its_definition() -> None:
    """Hamed-Rao's sum with rho_k = rho^k, written as a plain loop with an independent acf."""
    rng = np.random.default_rng(11)
    x = _ar1(rng, 90, 0.7) + 0.02 * np.arange(90)
    res = trend.hamed_rao_ar1_test(x)
    n = x.size
    ranks = rankdata(x - res.slope * np.arange(1, n + 1))
    c = ranks - ranks.mean()
    r1 = float(np.sum(c[1:] * c[:-1]) / np.sum(c * c))
    rho = (n * r1 + 2) / (n - 6)
    total = sum((n - k) * (n - k - 1) * (n - k - 2) * rho**k for k in range(1, n))
    assert _close(res.variance_factor, 1 + 2 * total / (n * (n - 1) * (n - 2)))
    assert res.var_s == pytest.approx(res.var_s_iid * res.variance_factor, rel=1e-12)
    # White noise needs no correction; AR(1) with rho = 0.7 needs about (1 + rho) / (1 - rho).
    # (the rank autocorrelation of a Gaussian AR(1) is 6/pi asin(phi/2), sd of the factor ~2%).
    white = trend.hamed_rao_ar1_test(rng.normal(size=20_000))
    strong = trend.hamed_rao_ar1_test(_ar1(rng, 20_000, 0.7))
    assert 0.95 < white.variance_factor < 1.05
    rank_rho = 6 / math.pi * math.asin(0.35)
    assert strong.variance_factor == pytest.approx((1 + rank_rho) / (1 - rank_rho), rel=0.08)


def test_trend_analysis_widens_the_interval_with_autocorrelation() -> None:
    rng = np.random.default_rng(4)
    x = _ar1(rng, 300, 0.8) + 0.01 * np.arange(300)
    naive = trend.trend_analysis(x, method="original")
    corrected = trend.trend_analysis(x)
    plain = sens_slope(x)
    assert naive.sen == plain and naive.test == trend.original_test(x)
    assert corrected.test == trend.mann_kendall(x)
    assert corrected.sen.slope == plain.slope
    assert corrected.sen.ci.low < plain.ci.low and corrected.sen.ci.high > plain.ci.high
    assert corrected.sen.var_s == corrected.test.var_s


def test_trend_analysis_reports_insufficient_data() -> None:
    res = trend.trend_analysis(np.array([1.0, np.nan]))
    assert not res.ok and not res.test.ok and not res.sen.ok and res.test.dropped == 1
    flat = trend.trend_analysis(np.ones(20))
    assert flat.insufficient == "all values equal" and flat.sen.ok and flat.sen.slope == 0.0


def test_large_series_is_not_quadratic() -> None:
    """n = 200,000 would need 20 billion pairs if anything were O(n^2)."""
    rng = np.random.default_rng(1)
    n = 200_000
    x = 1e-5 * np.arange(n) + _ar1(rng, n, 0.9)
    res = trend.trend_analysis(x)
    assert res.ok and res.sen.method == "refined" and res.test.n == n
    assert res.test.s == pytest.approx(kendalltau(np.arange(n), x).statistic * n * (n - 1) / 2)
    for method in trend.METHODS:
        assert trend.mann_kendall(x, method=method, slope=res.sen.slope).ok
    sampled = trend.trend_analysis(x, refine_max_n=n - 1)
    assert sampled.sen.method == "sampled" and sampled.test.s == res.test.s
    assert sampled.sen.ci.low <= res.sen.slope <= sampled.sen.ci.high


def test_score_matches_kendalltau_with_ties() -> None:
    """S from our discordant-pair count against kendalltau's tau-b, with heavy ties (guards
    the private ``scipy.stats._stats._kendall_dis`` that ``discordant_pairs`` calls)."""
    rng = np.random.default_rng(12)
    for n in (3, 17, 500, 20_000):
        x = rng.integers(0, 7, n).astype(float)
        res = trend.original_test(x)
        _, counts = np.unique(x, return_counts=True)
        n0, n1 = n * (n - 1) / 2, float(np.sum(counts * (counts - 1) / 2))
        ref = kendalltau(np.arange(n), x).statistic
        assert res.s == round(ref * math.sqrt(n0 * (n0 - n1)))
        assert _close(res.tau_b, ref, 1e-12)


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.97, -0.6])
def test_ar1_factor_sum_truncation_is_invisible(phi: float) -> None:
    """The AR(1) sum stops once the remaining lags cannot matter; compare with all n - 1 lags."""
    rng = np.random.default_rng(14)
    n = 30_000
    x = _ar1(rng, n, phi) + 1e-4 * np.arange(n)
    res = trend.hamed_rao_ar1_test(x)
    ranks = rankdata(x - res.slope * np.arange(1, n + 1))
    c = ranks - ranks.mean()
    r1 = float(np.sum(c[1:] * c[:-1]) / np.sum(c * c))
    rho = min(max((n * r1 + 2) / (n - 6), -trend.AR1_LIMIT), trend.AR1_LIMIT)
    k = np.arange(1, n, dtype=float)
    total = float(np.sum((n - k) * (n - k - 1) * (n - k - 2) * rho**k))
    assert trend._ar1_lags(rho, n) < n - 1 or phi == 0.0
    assert _close(res.variance_factor, 1 + 2 * total / (n * (n - 1) * (n - 2)), 1e-12)


@pytest.mark.parametrize("method", trend.METHODS)
def test_trend_analysis_counts_s_from_its_slopes_as_the_merge_count_does(method: str) -> None:
    """Up to GATHER_MAX_N points, trend_analysis takes S and the ties from the signs of the
    pairwise rises it computed for Sen's slope; mann_kendall counts them by a merge sort."""
    rng = np.random.default_rng(15)
    cases = [rng.normal(size=57), np.round(rng.normal(size=90), 1), np.arange(40.0) % 7]
    cases += [rng.integers(0, 3, size=int(n)).astype(float) for n in (5, 12, 401)]
    for x in cases:
        if np.all(x == x[0]):
            continue
        res = trend.trend_analysis(x, method=method)
        assert res.test == trend.mann_kendall(x, method=method), x
        if method != "pre_whitening":
            slopes = PairwiseSlopes(x, np.arange(x.size, dtype=float))
            assert (slopes.rises_falls is None) == (x.size > GATHER_MAX_N)


def test_trend_analysis_parts_are_the_same_in_any_order_of_reading() -> None:
    """Each part is computed when first read (up to GATHER_MAX_N points): reading the slope,
    the test or the interval first gives the same numbers, and longer series are analysed at
    once without keeping their pairwise slopes."""
    rng = np.random.default_rng(16)
    x = _ar1(rng, 80, 0.6) - 0.02 * np.arange(80)
    slope_first, test_first, sen_first = (trend.trend_analysis(x) for _ in range(3))
    assert slope_first.slope == sens_slope(x).slope
    assert "test" not in vars(slope_first) and "sen" not in vars(slope_first)
    assert test_first.test == trend.mann_kendall(x) and "sen" not in vars(test_first)
    assert sen_first.sen.ci == test_first.sen.ci == slope_first.sen.ci
    assert slope_first.test == sen_first.test and slope_first.sen == sen_first.sen
    assert sen_first.slope == sen_first.sen.slope and sen_first.ok
    long = trend.trend_analysis(_ar1(rng, GATHER_MAX_N + 1, 0.6))
    assert {"test", "sen"} <= set(vars(long)) and long.slope == long.sen.slope
    few = trend.trend_analysis(np.array([1.0, 2.0]), method="nope")  # too few: no error
    assert math.isnan(few.slope) and few.insufficient == "fewer than 3 finite points"
    with pytest.raises(ValueError, match="unknown Mann-Kendall method"):
        trend.trend_analysis(x, method="nope")
