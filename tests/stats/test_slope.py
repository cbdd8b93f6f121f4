"""Sen's slope against scipy.stats.theilslopes and pymannkendall; the sampled estimator's rank
bound checked by counting pairwise slopes exactly in O(n log n)."""

from __future__ import annotations

import math

import numpy as np
import pymannkendall as pmk
import pytest
from scipy.signal import lfilter
from scipy.stats import kendalltau, theilslopes

from analyzer.stats.slope import sens_slope


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
    sampled = sens_slope(x, exact_max_n=100, samples=1 << 18)
    assert exact.method == "exact" and sampled.method == "sampled"
    assert sampled.ci.low <= exact.ci.low and sampled.ci.high >= exact.ci.high
    half = (exact.ci.high - exact.ci.low) / 2
    assert abs(sampled.slope - exact.slope) < half


@pytest.mark.parametrize("n", [10_000, 100_000])
def test_sampled_rank_error_is_within_the_stated_bound(n: int) -> None:
    rng = np.random.default_rng(n)
    t = np.cumsum(rng.uniform(0.5, 1.5, n))
    x = 1e-4 * t + lfilter([1.0], [1.0, -0.9], rng.normal(size=n))
    res = sens_slope(x, t)
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
    assert sens_slope(x) == sens_slope(x)
    assert sens_slope(x, seed=1).slope != sens_slope(x, seed=2).slope
