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

**Exact, refined or sampled**: there are ``N = n(n-1)/2`` pairs.

- ``n <= EXACT_MAX_N`` (4,000, so at most 8.0 million slopes, 64 MB): every slope is computed,
  one lag at a time (no n x n temporaries), and the needed order statistics are selected with
  ``numpy.partition``. The result equals scipy's and pymannkendall's.
- ``n <= REFINE_MAX_N`` (200,000): **sample, then refine by exact counting.** The number of
  slopes below a value s is the number of discordant pairs of (t, x - s t) (see
  :class:`SlopeCounter`), an O(n log n) count. ``REFINE_SAMPLES`` (2**14) pairs are drawn
  (seeded) and their slopes sorted, together with the flattest and steepest slope (those of
  neighbours in time), as candidates. For each target rank (the median's and the two
  interval limits') a regula falsi over the candidates, steered by exact counts and started
  from the counts already made, finds a counted candidate close to it in rank (4-7 counts for
  all three targets). Close means within ``RANK_PRECISION`` (5%) of the interval's
  half-width, in ranks, or adjacent in the sorted sample: locating a rank far more finely
  than its own statistical uncertainty buys nothing. The median is the candidate found
  nearest in rank, and ``rank_error`` is its exact, deterministic rank distance (below 2e-4
  of N from n = 5,000 up); ``slope_ranks`` gives the ranks it was counted to occupy. Each
  interval limit is a candidate on the outer side of its target rank (or the order
  statistic itself), so the interval is verified to contain the exact one, wider by at most
  5% of its half-width on each side (or one candidate's span of about N / 2**14 slopes, where
  that is more), and needs no widening for sampling error
  (``ci_ranks`` gives their ranks). A count costs about 0.5 ms at n = 1e4, 8 ms at 1e5 and
  0.1 s at 1e6 (less when started from a nearby count's sort order).
- larger ``n``: counts cost too much (about 0.1 s each at n = 1e6), so ``samples`` pairs
  (default ``SAMPLES`` = 2**20) are drawn uniformly with replacement from the N pairs with a
  seeded generator, and the order statistics of the sample at the target fractions are
  returned. By the Dvoretzky-Kiefer-Wolfowitz inequality (Massart's constant), with
  probability at least ``1 - FAILURE_PROBABILITY`` (1e-6) the sample distribution of slopes
  is within ``rank_error = sqrt(ln(2 / 1e-6) / (2 K))`` of the true one at every slope
  simultaneously (0.0026 for the default K; ``2**22`` gives 0.0013 at 4x the cost): the fraction
  of pairwise slopes strictly below a returned value is at most ``target + rank_error`` and the
  fraction at or below it at least ``target - rank_error``. The confidence limits are moved
  outwards by ``rank_error`` (in fraction of pairs), so the sampled interval still covers at
  least its nominal level with that probability. Time and memory are O(n + K), independent of N.
  The naive interval's half-width is about 1.3/sqrt(n) in fraction of pairs, so the widening is
  ~2x of it at n = 1e6; the autocorrelation-corrected interval that trend analysis reports is
  wider than either.

Measured CPU time of :func:`sens_slope` on a loss curve with AR(1) noise (``bench/stats.py``'s
series; 2 loaded cores, medians of 3):

=========  =======  =======  =======  =======  =======  =======
n          2e4      5e4      1e5      2e5      5e5      1e6
=========  =======  =======  =======  =======  =======  =======
refined    0.017 s  0.047 s  0.133 s  0.191 s  --       --
sampled    0.040 s  0.043 s  0.043 s  0.050 s  0.075 s  0.116 s
=========  =======  =======  =======  =======  =======  =======

Refining is cheaper than sampling 2**20 pairs up to n ~ 5e4 and stays near 0.2 s up to 2e5,
where ``REFINE_MAX_N`` stops it: at 1e6 it would take most of the 1 s a whole trend analysis
may cost.

Constant input: the slope is 0 with the interval [0, 0]. That is a well-defined answer (a flat
curve), unlike a trend test's p-value, so it is *not* marked insufficient.
"""

from __future__ import annotations

import bisect
import functools
import math
from dataclasses import dataclass

import numpy as np

# The C merge count behind scipy.stats.kendalltau. Called directly because kendalltau around it
# sorts twice more and computes a p-value: 3x the cost of one count (see the module docstring).
# Private scipy API: tests/stats/test_trend.py compares the S it gives with kendalltau's.
from scipy.stats._stats import _kendall_dis

from analyzer.stats.distributions import normal_ppf
from analyzer.stats.order import median
from analyzer.stats.results import TOO_FEW, ConfidenceInterval, StatResult, finite_points

EXACT_MAX_N = 4000
REFINE_MAX_N = 200_000
SAMPLES = 1 << 20
REFINE_SAMPLES = 1 << 14
WARM_PAIRS_PER_POINT = 100
#: The refined search stops once a target rank is bracketed within this fraction of the
#: interval's half-width (in ranks): locating a rank more finely than its own uncertainty
#: buys nothing. See the module docstring.
RANK_PRECISION = 0.05
FAILURE_PROBABILITY = 1e-6
MIN_POINTS = 3
#: Relative rounding allowance of a count: z-values closer than this times the scale of x and
#: s*t are treated as ties (see :class:`SlopeCounter`).
ROUNDING = 16 * np.finfo(np.float64).eps


@dataclass(frozen=True)
class SenSlope(StatResult):
    """Sen's slope of ``x`` over ``t`` with its confidence interval.

    ``method`` is ``"exact"``, ``"refined"`` or ``"sampled"``; ``pairs`` is N; ``samples`` the
    number of sampled pairs (0 when exact); ``rank_error`` how far, as a fraction of N, the rank
    of the returned slope may be from the median's: 0 when exact, the measured distance when
    refined, the probabilistic bound when sampled (see the module docstring). ``slope_ranks`` is
    the 1-based range of ranks that the returned slope was counted to occupy among the N
    pairwise slopes (refined only, else ``None``); ``ci_ranks`` the same for the two limits.
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
    slope_ranks: tuple[int, int] | None = None
    ci_ranks: tuple[tuple[int, int], tuple[int, int]] | None = None


@dataclass(frozen=True)
class _Probe:
    """A slope value and the 1-based ranks ``first..last`` it occupies among all N slopes
    (``last == first - 1`` would mean a value between two slopes; probes are slopes of pairs,
    so ``first <= last``)."""

    value: float
    first: int
    last: int

    def distance(self, rank: float) -> float:
        return max(self.first - rank, rank - self.last, 0.0)


class SlopeCounter:
    """Exact counts of the pairwise slopes below and at a value ``s``, in O(n log n).

    For t_i < t_j, slope_ij < s  <=>  z_j < z_i with z = x - s t, so the slopes below ``s`` are
    the discordant pairs of (t, z): one argsort of z and scipy's merge count. Floating-point
    rounding of z could misorder pairs whose slope equals ``s`` (``s`` is itself the rounded
    slope of some pair), so z-values within ``ROUNDING * (max|x| + |s| max|t|)`` of their
    neighbour in sorted order are merged into one tie group (the bound covers the rounding of
    z and of the slope quotient with a wide margin). Pairs in one group count as "at ``s``":
    their slopes differ from ``s`` by at most the group's spread over the smallest time step,
    a few ulps for continuous data; every other pair is ordered exactly as its rounded slope.

    The order of z at a value between two counted ones differs from theirs only by the pairs
    whose slopes lie between, so when those are few (at most ``WARM_PAIRS_PER_POINT`` per
    point) the sort starts from the nearer one's order: a stable sort of a nearly sorted array
    (timsort) took 0.1-0.4x the time of a fresh argsort here.
    """

    def __init__(self, x: np.ndarray, t: np.ndarray) -> None:
        self.x, self.t = x, t
        self.pairs = x.size * (x.size - 1) // 2
        self._x_scale = float(np.max(np.abs(x)))
        self._t_scale = float(np.max(np.abs(t)))
        self._time_ranks = np.arange(1, x.size + 1, dtype=np.intp)
        self.probes: list[_Probe] = []  # sorted by value
        self._orders: dict[float, np.ndarray] = {}

    def probe(self, s: float) -> _Probe:
        """The ranks ``s`` occupies: ``first`` = 1 + #slopes below, ``last`` = #slopes at or
        below (both counted with the tie allowance above)."""
        at = bisect.bisect_left(self.probes, s, key=lambda p: p.value)
        if at < len(self.probes) and self.probes[at].value == s:
            return self.probes[at]
        z = self.x - s * self.t
        tolerance = ROUNDING * (self._x_scale + abs(s) * self._t_scale)
        order = self._sort_order(z, at, s)
        below, sizes = discordant_pairs(z, order, tolerance, time_ranks=self._time_ranks)
        ties = int(np.sum(sizes * (sizes - 1) // 2))
        probe = _Probe(s, below + 1, below + ties)
        self.probes.insert(at, probe)
        self._orders[s] = order
        return probe

    def _sort_order(self, z: np.ndarray, at: int, s: float) -> np.ndarray:
        """The order that sorts ``z``, started from the nearer counted neighbour of ``s`` if
        few pairs lie between them."""
        if 0 < at < len(self.probes):
            below, above = self.probes[at - 1], self.probes[at]
            if above.first - below.last <= WARM_PAIRS_PER_POINT * self.x.size:
                nearer = below if s - below.value <= above.value - s else above
                start = self._orders[nearer.value]
                return start[np.argsort(z[start], kind="stable")]
        return np.argsort(z)


def discordant_pairs(
    z: np.ndarray,
    order: np.ndarray | None = None,
    tolerance: float = 0.0,
    *,
    time_ranks: np.ndarray | None = None,
) -> tuple[int, np.ndarray]:
    """The number of pairs i < j with z_j < z_i (more than ``tolerance`` apart), and the sizes
    of the tie groups of ``z`` (neighbours in sorted order at most ``tolerance`` apart share a
    group; 0: exact ties), in O(n log n): one argsort (``order``, if the caller has it) and
    the merge count of ``scipy.stats.kendalltau``, which is Kendall's tau against time minus
    kendalltau's second sort, tie bookkeeping and p-value (a third of its time).
    ``time_ranks`` is ``arange(1, n + 1)``, passed in by callers that count repeatedly."""
    n = z.size
    if order is None:
        order = np.argsort(z)
    starts = np.empty(n, dtype=bool)
    starts[0] = True
    np.greater(np.diff(z[order]), tolerance, out=starts[1:])
    ranks = np.empty(n, dtype=np.intp)
    ranks[order] = np.cumsum(starts, dtype=np.intp)  # dense, 1-based, as the count needs
    if time_ranks is None:
        time_ranks = np.arange(1, n + 1, dtype=np.intp)
    sizes = np.diff(np.flatnonzero(starts), append=n)
    return int(_kendall_dis(time_ranks, ranks)), sizes


class PairwiseSlopes:
    """All pairwise slopes of a finite series, or a sample of them (refined by exact counts
    where that is cheap), ready for order statistics by rank. Built once, so trend analysis
    can detrend with the median and later ask for the interval limits without redoing work.
    """

    def __init__(
        self,
        x: np.ndarray,
        t: np.ndarray,
        *,
        exact_max_n: int = EXACT_MAX_N,
        refine_max_n: int = REFINE_MAX_N,
        samples: int | None = None,
        seed: int = 0,
    ) -> None:
        n = x.size
        self.pairs = n * (n - 1) // 2
        self.slope_ranks: tuple[int, int] | None = None
        self.ci_ranks: tuple[tuple[int, int], tuple[int, int]] | None = None
        #: How many pairs i < j have x_j > x_i and x_j < x_i, when every slope was gathered at
        #: once (Mann-Kendall's S without a merge count), else None.
        self.rises_falls: tuple[int, int] | None = None
        if n <= exact_max_n:
            self.method = "exact"
            self.values, self.rises_falls = _all_slopes(x, t)
            self.samples = 0
            self.rank_error = 0.0
        elif n <= refine_max_n:
            self.method = "refined"
            self.samples = REFINE_SAMPLES if samples is None else samples
            self.counter = SlopeCounter(x, t)
            # The steepest and the flattest slope are those of neighbours in time (any slope is
            # a weighted mean of the neighbour slopes between its ends), so with them among the
            # candidates every rank 1..N has a candidate at or below and at or above it.
            steps = np.diff(x) / np.diff(t)
            sample = _sampled_slopes(x, t, self.samples, seed)
            self.values = np.unique(np.concatenate([sample, [steps.min(), steps.max()]]))
            self.rank_error = math.nan
        else:
            self.method = "sampled"
            self.samples = SAMPLES if samples is None else samples
            self.values = _sampled_slopes(x, t, self.samples, seed)
            self.rank_error = math.sqrt(math.log(2.0 / FAILURE_PROBABILITY) / (2.0 * self.samples))
        self._median: float | None = None

    def median(self) -> float:
        """The median slope (mean of the two middle slopes when N is even, as numpy does).

        Refined: located to within ``RANK_PRECISION`` of the half-width of the untied 95%
        interval (the variance the caller will use is not known yet; it is at least as wide
        unless ties are heavy)."""
        if self._median is None:
            if self.method == "exact":
                mid = (self.pairs - 1) // 2
                picked = self._select([mid, self.pairs // 2])
                self._median = float(0.5 * (picked[0] + picked[1]))
            elif self.method == "refined":
                target = (self.pairs + 1) / 2.0
                n = self.counter.x.size
                untied_var_s = n * (n - 1) * (2 * n + 5) / 18.0
                tolerance = self._tolerance(untied_var_s, 0.05)
                best = self._locate(target, tolerance, "nearest")
                self.slope_ranks = (best.first, best.last)
                self.rank_error = best.distance(target) / self.pairs
                self._median = best.value
            else:
                self._median = float(self._select([self.samples // 2])[0])
        return self._median

    def interval(self, var_s: float, alpha: float) -> tuple[float, float]:
        """The rank-based ``1 - alpha`` limits for Mann-Kendall variance ``var_s``."""
        c = normal_ppf(1.0 - alpha / 2.0) * math.sqrt(max(var_s, 0.0))
        n_pairs = self.pairs
        # round() rounds half to even, as np.round does
        low_rank = min(max(round((n_pairs - c) / 2.0), 1), n_pairs)
        high_rank = min(max(round((n_pairs + c) / 2.0) + 1, 1), n_pairs)
        if self.method == "exact":
            low, high = self._select([low_rank - 1, high_rank - 1])
            return float(low), float(high)
        if self.method == "refined":
            # The limit below (above) the target rank unless a candidate sits exactly on it:
            # the interval then covers at least its nominal level, with no sampling error.
            tolerance = self._tolerance(var_s, alpha)
            low_probe = self._locate(low_rank, tolerance, "below")
            high_probe = self._locate(high_rank, tolerance, "above")
            self.ci_ranks = (
                (low_probe.first, low_probe.last),
                (high_probe.first, high_probe.last),
            )
            return low_probe.value, high_probe.value
        k = self.samples
        low_frac = (low_rank - 0.5) / n_pairs - self.rank_error
        high_frac = (high_rank - 0.5) / n_pairs + self.rank_error
        idx = [min(max(math.floor(f * k), 0), k - 1) for f in (low_frac, high_frac)]
        low, high = self._select(idx)
        return float(low), float(high)

    @staticmethod
    def _tolerance(var_s: float, alpha: float) -> float:
        """``RANK_PRECISION`` times the half-width, in ranks, of the ``1 - alpha`` interval."""
        half_width = 0.5 * normal_ppf(1.0 - alpha / 2.0) * math.sqrt(max(var_s, 0.0))
        return RANK_PRECISION * half_width

    def _locate(self, rank: float, tolerance: float, side: str) -> _Probe:
        """A counted candidate near ``rank``: one covering it, or else, for ``side="below"``
        (``"above"``), the candidate with ``last < rank`` (``first > rank``) at most
        ``tolerance`` ranks away or adjacent in the sorted sample to one on the other side; for
        ``side="nearest"`` whichever end of that bracket is nearer in rank.

        Regula falsi on the candidates' indices: given the exact ranks of the bracket's ends,
        the number of the m candidates between them that fall below ``rank`` is binomial (the
        sample is i.i.d.), so its mean ``m q`` locates ``rank`` among them to within
        ``sd = sqrt(m q (1 - q))`` candidates. A one-sided search counts the candidate one
        ``sd`` outside that estimate, which lands on the wanted side about 5 times in 6 and
        often ends the search at once; a two-sided one the candidate next to the estimate on the
        side of the bracket's farther end. The distance to ``rank`` shrinks roughly as
        d -> sqrt(d): two to four counts per rank. Three counts in a row that fail to halve the
        bracket (heavy ties can bunch the ranks) are followed by a bisection, so there are never
        more than about 4 log2(K) counts.
        """
        u = self.values
        lo, hi = 0, u.size - 1
        lo_rank, hi_rank = 1.0, float(self.pairs)  # what the ends are known to satisfy
        lo_probe: _Probe | None = None
        hi_probe: _Probe | None = None
        for counted in self.counter.probes:  # start from the closest counts of earlier ranks
            if counted.first <= rank <= counted.last:
                return counted
            k = int(np.searchsorted(u, counted.value))
            if counted.last < rank:
                lo, lo_rank, lo_probe = k, float(counted.last), counted
            else:
                hi, hi_rank, hi_probe = k, float(counted.first), counted
                break
        slow = 0
        while hi - lo > 1:
            near_lo = lo_probe is not None and rank - lo_rank <= tolerance
            near_hi = hi_probe is not None and hi_rank - rank <= tolerance
            if (near_lo and side != "above") or (near_hi and side != "below"):
                break
            m = hi - lo - 1
            q = min(max((rank - lo_rank) / max(hi_rank - lo_rank, 1.0), 0.0), 1.0)
            split = lo + m * q  # expected index of the last candidate below ``rank``
            sd = math.sqrt(m * q * (1.0 - q))
            if slow >= 3:
                k = (lo + hi) // 2
            elif side == "below":
                k = math.floor(split - sd)
            elif side == "above":
                k = math.ceil(split + sd) + 1
            elif split - lo > hi - split:
                k = math.floor(split)
            else:
                k = math.floor(split) + 1
            k = min(max(k, lo + 1), hi - 1)
            probe = self.counter.probe(float(u[k]))
            if probe.first <= rank <= probe.last:
                return probe
            width = hi - lo
            if probe.last < rank:
                lo, lo_rank, lo_probe = k, float(probe.last), probe
            else:
                hi, hi_rank, hi_probe = k, float(probe.first), probe
            slow = slow + 1 if 2 * (hi - lo) > width else 0
        below = lo_probe or self.counter.probe(float(u[lo]))
        above = hi_probe or self.counter.probe(float(u[hi]))
        for probe in (below, above):
            if probe.first <= rank <= probe.last:
                return probe
        if side == "below":
            return below
        if side == "above":
            return above
        return min((below, above), key=lambda p: p.distance(rank))

    def _select(self, indices: list[int]) -> np.ndarray:
        # In-place partial sort: later selections reuse the partitioning done by earlier ones.
        self.values.partition(sorted(set(indices)))
        return self.values[indices]


#: Up to this many points, :func:`_all_slopes` gathers every pair at once through index arrays
#: (cached per size): one lag at a time costs three numpy calls per lag, which is most of a
#: trend test on a 100-epoch run. Above it, the per-lag calls are a small share of the work and
#: the index arrays (16 bytes per pair) would not be.
GATHER_MAX_N = 400


@functools.lru_cache(maxsize=16)
def _pairs_by_lag(n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(i, j)`` of every pair i < j, ordered by lag ``j - i`` and then by ``i``."""
    lags = np.arange(1, n)
    counts = n - lags
    first = np.cumsum(counts) - counts  # where each lag's pairs begin
    i = np.arange(n * (n - 1) // 2) - np.repeat(first, counts)
    j = i + np.repeat(lags, counts)
    i.flags.writeable = j.flags.writeable = False  # shared by every caller
    return i, j


def _all_slopes(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, tuple[int, int] | None]:
    """Every (x_j - x_i) / (t_j - t_i), i < j, lag by lag (the same floats in the same order
    either way it is computed), and when gathered at once, how many rises x_j - x_i are
    positive and negative (counted from the rises, which a slope could underflow to 0)."""
    n = x.size
    if n <= GATHER_MAX_N:
        i, j = _pairs_by_lag(n)
        rise = x[j] - x[i]
        counts = (int(np.count_nonzero(rise > 0)), int(np.count_nonzero(rise < 0)))
        return rise / (t[j] - t[i]), counts
    out = np.empty(n * (n - 1) // 2)
    start = 0
    for lag in range(1, n):
        stop = start + n - lag
        np.divide(x[lag:] - x[:-lag], t[lag:] - t[:-lag], out=out[start:stop])
        start = stop
    return out, None


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
        intercept=float(median(x) - slope * median(t)),
        ci=ConfidenceInterval(low, high, 1.0 - alpha),
        n=int(x.size),
        dropped=dropped,
        pairs=slopes.pairs,
        method=slopes.method,
        samples=slopes.samples,
        rank_error=slopes.rank_error,
        var_s=var_s,
        slope_ranks=slopes.slope_ranks,
        ci_ranks=slopes.ci_ranks,
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
    refine_max_n: int = REFINE_MAX_N,
    samples: int | None = None,
    seed: int = 0,
) -> SenSlope:
    """Sen's slope of ``x`` over time ``t`` (default: positions 0..n-1) with a ``1 - alpha``
    confidence interval.

    Non-finite points are dropped (and counted in ``dropped``); fewer than 3 finite points give
    an insufficient result. ``var_s`` overrides the Mann-Kendall variance used for the interval
    (default: the tie-corrected one). ``exact_max_n``, ``refine_max_n``, ``samples`` (default
    ``REFINE_SAMPLES`` when refined, ``SAMPLES`` when sampled) and ``seed`` control the
    exact/refined/sampled choice described in the module docstring.
    """
    pts = finite_points(x, t)
    if pts.n < MIN_POINTS:
        return insufficient_slope(
            TOO_FEW.format(MIN_POINTS), n=pts.n, dropped=pts.dropped, alpha=alpha
        )
    slopes = PairwiseSlopes(
        pts.x,
        pts.t,
        exact_max_n=exact_max_n,
        refine_max_n=refine_max_n,
        samples=samples,
        seed=seed,
    )
    variance = tie_corrected_var_s(pts.x) if var_s is None else float(var_s)
    return summarize(slopes, pts.x, pts.t, dropped=pts.dropped, alpha=alpha, var_s=variance)
