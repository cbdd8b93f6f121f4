"""Sen's slope against scipy.stats.theilslopes and pymannkendall; the refined estimator's
verified ranks checked against brute-force counts of all pairwise slopes, and the sampled
estimator's rank bound checked by counting pairwise slopes exactly in O(n log n)."""

from __future__ import annotations

import math

import numpy as np
import pymannkendall as pmk
import pytest
from scipy.signal import lfilter
from scipy.stats import kendalltau, theilslopes

from analyzer.stats.slope import (
    RANK_PRECISION,
    REFINE_MAX_N,
    PairwiseSlopes,
    SlopeCounter,
    sens_slope,
    tie_corrected_var_s,
)


def _count(x: np.ndarray, t: np.ndarray, s: float) -> tuple[int, int]:
    """(#pairwise slopes < s, #slopes <= s): slope_ij < s  <=>  u_j < u_i for u = x - s t and
    t_i < t_j, so the counts are the discordant pairs (and ties) of (t, u), from kendalltau."""
    u = x - s * t
    n_pairs = x.size * (x.size - 1) // 2
    _, counts = np.unique(u, return_counts=True)
    ties = int(np.sum(counts * (counts - 1) // 2))
    tau_b = kendalltau(t, u).statistic
    con_minus_dis = round(tau_b * math.sqrt(n_pairs) * math.sqrt(n_pairs - ties))
    discordant = (n_pairs - ties - con_minus_dis) // 2
    return discordant, discordant + ties


def test_counting_helper_matches_brute_force() -> None:
    rng = np.random.default_rng(0)
    x, t = rng.integers(0, 6, 60).astype(float), np.cumsum(rng.uniform(0.5, 2, 60))
    i, j = np.triu_indices(60, 1)
    slopes = (x[j] - x[i]) / (t[j] - t[i])
    for s in [-1.0, 0.0, float(np.median(slopes)), 0.3]:
        assert _count(x, t, s) == (np.sum(slopes < s), np.sum(slopes <= s))


def _cases() -> list[tuple[str, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(7)
    out = []
    for k in range(8):
        n = int(rng.integers(3, 400))
        t = np.arange(n, dtype=float)
        out.append((f"noise{k}", rng.normal(size=n), t))
        out.append((f"trend{k}", 0.3 * t + rng.standard_cauchy(n), t))
        out.append((f"ties{k}", rng.integers(0, 4, n).astype(float), t))
        uneven = np.cumsum(rng.exponential(1.0, n)) + 100
        out.append((f"uneven{k}", np.exp(-uneven / 50) + 0.01 * rng.normal(size=n), uneven))
    return out


CASES = _cases()


@pytest.mark.parametrize("alpha", [0.05, 0.1])
@pytest.mark.parametrize(("name", "x", "t"), CASES, ids=[c[0] for c in CASES])
def test_matches_scipy_theilslopes(name: str, x: np.ndarray, t: np.ndarray, alpha: float) -> None:
    ref = theilslopes(x, t, 1 - alpha)
    res = sens_slope(x, t, alpha=alpha)
    assert res.ok and res.method == "exact" and res.rank_error == 0.0
    for ours, theirs in [
        (res.slope, ref.slope),
        (res.intercept, ref.intercept),
        (res.ci.low, ref.low_slope),
        (res.ci.high, ref.high_slope),
    ]:
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)
    assert res.ci.level == pytest.approx(1 - alpha)


def test_matches_pymannkendall_with_nans() -> None:
    rng = np.random.default_rng(3)
    for _ in range(10):
        x = 0.01 * np.arange(200) + rng.normal(size=200)
        x[rng.choice(200, 15, replace=False)] = np.nan
        ref, res = pmk.sens_slope(x), sens_slope(x)
        assert res.n == 185 and res.dropped == 15
        assert math.isclose(res.slope, ref.slope, rel_tol=1e-9)
        assert math.isclose(res.intercept, ref.intercept, rel_tol=1e-9, abs_tol=1e-12)


def test_edge_cases() -> None:
    for x in ([], [1.0], [1.0, 2.0], [np.nan] * 5, [np.inf, 1.0, 2.0, -np.inf]):
        res = sens_slope(np.array(x, dtype=float))
        assert not res.ok and "fewer than 3" in res.insufficient
        assert math.isnan(res.slope) and math.isnan(res.ci.low) and math.isnan(res.intercept)
    flat = sens_slope(np.full(10, 2.5))
    assert flat.ok and flat.slope == 0.0 and (flat.ci.low, flat.ci.high) == (0.0, 0.0)
    assert flat.intercept == 2.5
    two = sens_slope(np.array([0.0, 1.0, 0.0, 1.0, np.inf]))
    assert two.dropped == 1 and two.slope == theilslopes([0.0, 1.0, 0.0, 1.0]).slope
    with pytest.raises(ValueError, match="strictly increasing"):
        sens_slope([1.0, 2.0, 3.0], [0.0, 0.0, 1.0])


def test_sampled_matches_exact_within_its_bound_at_moderate_n() -> None:
    rng = np.random.default_rng(8)
    x = 0.002 * np.arange(3000) + lfilter([1.0], [1.0, -0.8], rng.normal(size=3000))
    exact = sens_slope(x)
    sampled = sens_slope(x, exact_max_n=100, refine_max_n=100, samples=1 << 18)
    assert exact.method == "exact" and sampled.method == "sampled"
    assert sampled.ci.low <= exact.ci.low and sampled.ci.high >= exact.ci.high
    half = (exact.ci.high - exact.ci.low) / 2
    assert abs(sampled.slope - exact.slope) < half


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_sampled_rank_error_is_within_the_stated_bound(n: int) -> None:
    rng = np.random.default_rng(n)
    t = np.cumsum(rng.uniform(0.5, 1.5, n))
    x = 1e-4 * t + lfilter([1.0], [1.0, -0.9], rng.normal(size=n))
    res = sens_slope(x, t, refine_max_n=0)
    assert res.method == "sampled" and res.samples == 1 << 20 and res.pairs == n * (n - 1) // 2
    bound = res.rank_error * res.pairs
    assert 0 < res.rank_error < 0.0027
    below, at_or_below = _count(x, t, res.slope)
    target = res.pairs / 2
    assert below <= target + bound and at_or_below >= target - bound
    # The interval limits are moved outwards by the bound, so they bracket the exact limits.
    c = 1.959963984540054 * math.sqrt(res.var_s)
    low_rank, high_rank = round((res.pairs - c) / 2), round((res.pairs + c) / 2) + 1
    assert _count(x, t, res.ci.low)[0] < low_rank
    assert _count(x, t, res.ci.high)[1] >= high_rank
    # ... and are not wider than twice the bound beyond them.
    assert _count(x, t, res.ci.low)[1] >= low_rank - 2 * bound
    assert _count(x, t, res.ci.high)[0] <= high_rank + 2 * bound


def test_sampling_is_seeded() -> None:
    x = np.random.default_rng(1).normal(size=6000)
    sampled = [sens_slope(x, seed=seed, refine_max_n=0) for seed in (1, 1, 2)]
    assert sampled[0] == sampled[1] and sampled[0].slope != sampled[2].slope
    assert sens_slope(x) == sens_slope(x)


def _brute_ranks(sorted_slopes: np.ndarray, value: float) -> tuple[int, int]:
    """1-based (first, last) rank of ``value`` among all slopes, from the sorted list."""
    first = int(np.searchsorted(sorted_slopes, value, side="left")) + 1
    return first, int(np.searchsorted(sorted_slopes, value, side="right"))


def _limit_ranks(res) -> tuple[int, int]:
    c = 1.959963984540054 * math.sqrt(res.var_s)
    return round((res.pairs - c) / 2), round((res.pairs + c) / 2) + 1


@pytest.mark.parametrize("kind", ["continuous", "quantized", "uneven"])
def test_refined_ranks_match_all_slopes_sorted(kind: str) -> None:
    """Below EXACT_MAX_N every slope can be sorted: the ranks the refined path reports for its
    slope and limits are those of the sorted list, and its limits enclose the exact ones."""
    rng = np.random.default_rng(len(kind))
    n = 2500
    t = np.arange(n, dtype=float)
    if kind == "uneven":
        t = np.cumsum(rng.exponential(1.0, n)) + 1e4
    x = 1e-3 * t + lfilter([1.0], [1.0, -0.8], rng.normal(size=n))
    if kind == "quantized":  # loss logged with 2 decimals: many exactly equal slopes
        x = np.round(x, 2)
    i, j = np.triu_indices(n, 1)
    slopes = np.sort((x[j] - x[i]) / (t[j] - t[i]))
    exact = sens_slope(x, t)
    res = sens_slope(x, t, exact_max_n=100)
    assert exact.method == "exact" and res.method == "refined" and res.samples == 1 << 14
    first, last = res.slope_ranks
    bf_first, bf_last = _brute_ranks(slopes, res.slope)
    # Counted with a rounding allowance: the range can only be wider than the float one, and
    # then only by slopes equal to the returned one within rounding.
    assert first <= bf_first <= bf_last <= last
    assert slopes[first - 1] == pytest.approx(res.slope, rel=1e-12, abs=1e-15)
    assert slopes[last - 1] == pytest.approx(res.slope, rel=1e-12, abs=1e-15)
    target = (res.pairs + 1) / 2
    assert max(first - target, target - last, 0) == pytest.approx(res.rank_error * res.pairs)
    assert res.rank_error < 20 / res.samples
    low_rank, high_rank = _limit_ranks(res)
    (low_first, low_last), (high_first, high_last) = res.ci_ranks
    assert low_first <= _brute_ranks(slopes, res.ci.low)[0] and low_first <= low_rank
    assert high_last >= _brute_ranks(slopes, res.ci.high)[1] and high_last >= high_rank
    assert res.ci.low <= exact.ci.low and res.ci.high >= exact.ci.high
    # Located no more finely than needed: within 5% of the interval's half-width (in ranks).
    tolerance = RANK_PRECISION * 1.959963984540054 * math.sqrt(res.var_s) / 2
    assert 0 < low_rank - low_last <= tolerance or low_first <= low_rank <= low_last
    assert 0 < high_first - high_rank <= tolerance or high_first <= high_rank <= high_last
    assert res.rank_error * res.pairs <= tolerance


def test_refined_search_needs_few_counts() -> None:
    """The cost of the refined path is its exact counts (about 0.5 ms each at n = 1e4):
    the one-sided search finds the median and both limits with a handful of them."""
    rng = np.random.default_rng(3)
    n = 10_000
    x = 2 * np.exp(-np.arange(n) / 2000) + 0.05 * lfilter([1.0], [1.0, -0.9], rng.normal(size=n))
    slopes = PairwiseSlopes(x, np.arange(n, dtype=float))
    slopes.median()
    slopes.interval(5 * tie_corrected_var_s(x), 0.05)
    assert slopes.method == "refined" and len(slopes.counter.probes) <= 8


def _chunked_counts(x: np.ndarray, t: np.ndarray, values: list[float]) -> list[tuple[int, int]]:
    """(#slopes < v, #slopes <= v) for each v, computing the slopes one lag at a time."""
    below, at_or_below = np.zeros(len(values), int), np.zeros(len(values), int)
    v = np.asarray(values)[:, None]
    for lag in range(1, x.size):
        s = (x[lag:] - x[:-lag]) / (t[lag:] - t[:-lag])
        below += np.count_nonzero(s < v, axis=1)
        at_or_below += np.count_nonzero(s <= v, axis=1)
    return list(zip(below.tolist(), at_or_below.tolist(), strict=True))


def _check_refined(res, counts: list[tuple[int, int]]) -> None:
    """The refined result against independent (below, at-or-below) counts of slope and limits."""
    (below, at), (low_below, low_at), (high_below, high_at) = counts
    first, last = res.slope_ranks
    assert first - 1 <= below <= at <= last <= first + 1  # continuous data: 1 slope, 2 at most
    slack = 20 / res.samples  # a candidate spans N / samples slopes; 20 of them: p ~ 1e-5
    assert res.rank_error < slack
    low_rank, high_rank = _limit_ranks(res)
    assert low_below < low_rank <= low_at + slack * res.pairs  # at or below the low_rank-th
    assert high_at >= high_rank >= high_below - slack * res.pairs


def test_refined_at_ten_thousand_against_brute_force() -> None:
    rng = np.random.default_rng(10)
    n = 10_000
    t = np.cumsum(rng.uniform(0.5, 1.5, n))
    x = 2 * np.exp(-t / 2000) + 0.05 * lfilter([1.0], [1.0, -0.9], rng.normal(size=n))
    res = sens_slope(x, t, var_s=5 * sens_slope(x, t).var_s)  # an autocorrelation-sized CI
    assert res.method == "refined" and res.pairs == n * (n - 1) // 2
    _check_refined(res, _chunked_counts(x, t, [res.slope, res.ci.low, res.ci.high]))


@pytest.mark.parametrize("n", [30_000, 100_000])
def test_refined_against_kendalltau_counts(n: int) -> None:
    rng = np.random.default_rng(n)
    t = np.arange(n, dtype=float)
    x = 1e-5 * t + lfilter([1.0], [1.0, -0.9], rng.normal(size=n))
    res = sens_slope(x, t)
    assert res.method == "refined" and n <= REFINE_MAX_N
    _check_refined(res, [_count(x, t, v) for v in (res.slope, res.ci.low, res.ci.high)])


def test_counter_with_ties_and_warm_starts_matches_brute_force() -> None:
    """Probing values close together reuses a neighbour's sort order; every count must still
    equal the brute-force one (integer data: exact slopes like 1/3 tie across many pairs)."""
    rng = np.random.default_rng(2)
    n = 1500
    x, t = rng.integers(0, 40, n).astype(float), np.arange(n, dtype=float)
    i, j = np.triu_indices(n, 1)
    slopes = np.sort((x[j] - x[i]) / (t[j] - t[i]))
    counter = SlopeCounter(x, t)
    mid = slopes.size // 2
    for k in [mid, mid - 5000, mid + 5000, mid + 10, mid - 3, mid + 1, 0, slopes.size - 1]:
        value = float(slopes[k])
        probe = counter.probe(value)
        assert (probe.first, probe.last) == _brute_ranks(slopes, value)
    inbetween = float(0.5 * (slopes[mid] + slopes[mid + 5000]))
    if inbetween not in (slopes[mid], slopes[mid + 5000]):
        probe = counter.probe(inbetween)
        assert (probe.first, probe.last) == _brute_ranks(slopes, inbetween)
