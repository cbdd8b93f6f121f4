"""Sen's slope (Theil-Sen estimator): the median of all pairwise slopes, with its rank-based
confidence interval, for equally or unequally spaced time points.

Why Sen's slope: a loss curve has outliers (spikes) and a monotone but not linear shape; the
median of pairwise slopes ignores up to ~29% of wild points where least squares would follow them.

**Confidence interval** (Sen 1968, eq. 2.6; Gilbert 1987, §16.5): with ``N`` pairwise slopes and
``C = z_{1-alpha/2} * sqrt(Var S)``, the limits are the ``round((N - C) / 2)``-th and the
``(round((N + C) / 2) + 1)``-th smallest slopes (1-based), clipped to ``[1, N]``, exactly as
``scipy.stats.theilslopes`` picks them. ``Var S`` is Mann-Kendall's tie-corrected variance unless
the caller passes another one: :func:`analyzer.stats.trend.trend_analysis` passes the
autocorrelation-corrected variance, because on autocorrelated data the naive interval is as
overconfident as the naive test.

**Intercept**: Conover's ``median(x) - slope * median(t)``, as ``scipy.stats.theilslopes``
(``method="separate"``) and ``pymannkendall.sens_slope`` compute it.

**Exact or sampled**: there are ``N = n(n-1)/2`` pairs.

- ``n <= EXACT_MAX_N`` (4,000, so at most 8.0 million slopes, 64 MB): every slope is computed,
  one lag at a time (no n x n temporaries), and the needed order statistics are selected with
  ``numpy.partition``. The result equals scipy's and pymannkendall's.
- larger ``n``: ``samples`` pairs (default ``2**20``) are drawn uniformly with replacement from
  the N pairs with a seeded generator, and the order statistics of the sample at the target
  fractions are returned. By the Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant),
  with probability at least ``1 - FAILURE_PROBABILITY`` (1e-6) the sample distribution of slopes
  is within ``rank_error = sqrt(ln(2 / 1e-6) / (2 K))`` of the true one at every slope
  simultaneously (0.0026 for the default K; ``2**22`` gives 0.0013 at 4x the cost): the fraction
  of pairwise slopes strictly below a returned value is at most ``target + rank_error`` and the
  fraction at or below it at least ``target - rank_error``. The confidence limits are moved
  outwards by ``rank_error`` (in fraction of pairs), so the sampled interval still covers at
  least its nominal level with that probability. Time and memory are O(n + K), independent of N
  (about 0.1 s for the default K). The naive interval's half-width is about 1.3/sqrt(n) in
  fraction of pairs, so the widening is ~20% of it at n = 1e4 and ~2x at n = 1e6; the
  autocorrelation-corrected interval that trend analysis reports is wider than either.

Constant input: the slope is 0 with the interval [0, 0]. That is a well-defined answer (a flat
curve), unlike a trend test's p-value, so it is *not* marked insufficient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from analyzer.stats.results import TOO_FEW, ConfidenceInterval, StatResult, finite_points

EXACT_MAX_N = 4000
SAMPLES = 1 << 20
FAILURE_PROBABILITY = 1e-6
MIN_POINTS = 3


@dataclass(frozen=True)
class SenSlope(StatResult):
    """Sen's slope of ``x`` over ``t`` with its confidence interval.

    ``method`` is ``"exact"`` or ``"sampled"``; ``pairs`` is N; ``samples`` the number of sampled
    pairs (0 when exact); ``rank_error`` the bound, as a fraction of N, on how far the rank of a
    sampled order statistic may be from its target (0 when exact; see the module docstring).
    ``var_s`` is the Mann-Kendall variance the interval was built from.
    """

    slope: float
    intercept: float
    ci: ConfidenceInterval
    n: int
    dropped: int
    pairs: int
    method: str
    samples: int
    rank_error: float
    var_s: float
    insufficient: str | None = None


class PairwiseSlopes:
    """All pairwise slopes of a finite series (or a uniform sample of them), ready for order
    statistics by rank. Built once, so trend analysis can detrend with the median and later ask
    for the interval limits without recomputing the slopes.
    """

    def __init__(
        self,
        x: np.ndarray,
        t: np.ndarray,
        *,
        exact_max_n: int = EXACT_MAX_N,
        samples: int = SAMPLES,
        seed: int = 0,
    ) -> None:
        n = x.size
        self.pairs = n * (n - 1) // 2
        self.exact = n <= exact_max_n
        if self.exact:
            self.values = _all_slopes(x, t)
            self.samples = 0
            self.rank_error = 0.0
        else:
            self.values = _sampled_slopes(x, t, samples, seed)
            self.samples = samples
            self.rank_error = math.sqrt(math.log(2.0 / FAILURE_PROBABILITY) / (2.0 * samples))
        self._median: float | None = None

    def median(self) -> float:
        """The median slope (mean of the two middle slopes when N is even, as numpy does)."""
        if self._median is None:
            if self.exact:
                mid = (self.pairs - 1) // 2
                picked = self._select([mid, self.pairs // 2])
                self._median = float(0.5 * (picked[0] + picked[1]))
            else:
                self._median = float(self._select([self.samples // 2])[0])
        return self._median

    def interval(self, var_s: float, alpha: float) -> tuple[float, float]:
        """The rank-based ``1 - alpha`` limits for Mann-Kendall variance ``var_s``."""
        c = float(norm.ppf(1.0 - alpha / 2.0)) * math.sqrt(max(var_s, 0.0))
        n_pairs = self.pairs
        low_rank = min(max(int(np.round((n_pairs - c) / 2.0)), 1), n_pairs)
        high_rank = min(max(int(np.round((n_pairs + c) / 2.0)) + 1, 1), n_pairs)
        if self.exact:
            low, high = self._select([low_rank - 1, high_rank - 1])
            return float(low), float(high)
        k = self.samples
        low_frac = (low_rank - 0.5) / n_pairs - self.rank_error
        high_frac = (high_rank - 0.5) / n_pairs + self.rank_error
        idx = [min(max(math.floor(f * k), 0), k - 1) for f in (low_frac, high_frac)]
        low, high = self._select(idx)
        return float(low), float(high)

    def _select(self, indices: list[int]) -> np.ndarray:
        # In-place partial sort: later selections reuse the partitioning done by earlier ones.
        self.values.partition(sorted(set(indices)))
        return self.values[indices]


def _all_slopes(x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Every (x_j - x_i) / (t_j - t_i), i < j, filled one lag at a time into one buffer."""
    n = x.size
    out = np.empty(n * (n - 1) // 2)
    start = 0
    for lag in range(1, n):
        stop = start + n - lag
        np.divide(x[lag:] - x[:-lag], t[lag:] - t[:-lag], out=out[start:stop])
        start = stop
    return out


def _sampled_slopes(x: np.ndarray, t: np.ndarray, samples: int, seed: int) -> np.ndarray:
    """Slopes of ``samples`` pairs drawn uniformly (with replacement) among the i != j pairs."""
    n = x.size
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, samples)
    j = rng.integers(0, n - 1, samples)
    j += j >= i  # uniform over j != i; the slope is symmetric in (i, j)
    return (x[j] - x[i]) / (t[j] - t[i])


def tie_corrected_var_s(x: np.ndarray) -> float:
    """Mann-Kendall's Var(S) = [n(n-1)(2n+5) - sum_g t_g(t_g-1)(2t_g+5)] / 18 over tie groups."""
    n = float(x.size)
    _, counts = np.unique(x, return_counts=True)
    tied = counts[counts > 1].astype(np.float64)
    return float((n * (n - 1) * (2 * n + 5) - np.sum(tied * (tied - 1) * (2 * tied + 5))) / 18.0)


def summarize(
    slopes: PairwiseSlopes,
    x: np.ndarray,
    t: np.ndarray,
    *,
    dropped: int,
    alpha: float,
    var_s: float,
) -> SenSlope:
    """The :class:`SenSlope` for already computed slopes of the finite series ``x``, ``t``."""
    slope = slopes.median()
    low, high = slopes.interval(var_s, alpha)
    return SenSlope(
        slope=slope,
        intercept=float(np.median(x) - slope * np.median(t)),
        ci=ConfidenceInterval(low, high, 1.0 - alpha),
        n=int(x.size),
        dropped=dropped,
        pairs=slopes.pairs,
        method="exact" if slopes.exact else "sampled",
        samples=slopes.samples,
        rank_error=slopes.rank_error,
        var_s=var_s,
    )


def insufficient_slope(reason: str, *, n: int, dropped: int, alpha: float) -> SenSlope:
    """A :class:`SenSlope` with NaN numbers and ``insufficient=reason``."""
    nan = math.nan
    return SenSlope(
        slope=nan,
        intercept=nan,
        ci=ConfidenceInterval(nan, nan, 1.0 - alpha),
        n=n,
        dropped=dropped,
        pairs=n * (n - 1) // 2,
        method="none",
        samples=0,
        rank_error=nan,
        var_s=nan,
        insufficient=reason,
    )


def sens_slope(
    x: object,
    t: object | None = None,
    *,
    alpha: float = 0.05,
    var_s: float | None = None,
    exact_max_n: int = EXACT_MAX_N,
    samples: int = SAMPLES,
    seed: int = 0,
) -> SenSlope:
    """Sen's slope of ``x`` over time ``t`` (default: positions 0..n-1) with a ``1 - alpha``
    confidence interval.

    Non-finite points are dropped (and counted in ``dropped``); fewer than 3 finite points give
    an insufficient result. ``var_s`` overrides the Mann-Kendall variance used for the interval
    (default: the tie-corrected one). ``exact_max_n``, ``samples`` and ``seed`` control the
    exact/sampled switch described in the module docstring.
    """
    pts = finite_points(x, t)
    if pts.n < MIN_POINTS:
        return insufficient_slope(
            TOO_FEW.format(MIN_POINTS), n=pts.n, dropped=pts.dropped, alpha=alpha
        )
    slopes = PairwiseSlopes(pts.x, pts.t, exact_max_n=exact_max_n, samples=samples, seed=seed)
    variance = tie_corrected_var_s(pts.x) if var_s is None else float(var_s)
    return summarize(slopes, pts.x, pts.t, dropped=pts.dropped, alpha=alpha, var_s=variance)
