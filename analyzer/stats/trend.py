"""Mann-Kendall trend tests: the original one and four corrections for autocorrelation.

Mann-Kendall's S counts, over all pairs of points, how many go up minus how many go down. It is
Kendall's tau between time and the values, so it is computed exactly in O(n log n) from one
sort and the merge count behind ``scipy.stats.kendalltau``
(:func:`analyzer.stats.slope.discordant_pairs`); the tie-corrected variance comes from the tie
counts of the same sort. Autocorrelations come
from :func:`analyzer.stats.autocorr.acf` (FFT) or, for lag 1 alone, a direct sum; Sen's slope
from :mod:`analyzer.stats.slope`, so every variant runs in O(n log n) time and O(n) memory.
At n = 1e6 a whole :func:`trend_analysis` takes about 0.3-0.45 s of CPU time (see
``bench/stats.py``).

Variants (the first four as in pymannkendall 1.4.3; the tests cross-check them to 1e-9):

- ``original``: S, Var(S) with the tie correction, z with continuity correction.
- ``hamed_rao`` (Hamed & Rao 1998): detrend with Sen's slope, rank the residuals, and inflate
  Var(S) by n/n* = 1 + 2/(n(n-1)(n-2)) * sum_k (n-k)(n-k-1)(n-k-2) r_k over the lags whose rank
  autocorrelation r_k lies outside +-z_{1-alpha/2}/sqrt(n).
- ``hamed_rao_ar1``: the Hamed-Rao factor with rank autocorrelations r_k = rho^k from one
  bias-corrected lag-1 estimate (ours; the default, see below).
- ``yue_wang`` (Yue & Wang 2004): inflate Var(S) by 1 + 2 sum_k (1 - k/n) r_k, with r_k the
  autocorrelation of the Sen-detrended values (all lags up to ``lag``).
- ``pre_whitening``: trend-free pre-whitening (Yue et al. 2002): remove Sen's trend, remove the
  lag-1 autoregression, add the trend back and test the n-1 whitened points.

``lag`` limits the lags used by ``hamed_rao`` and ``yue_wang`` (default: all, n-1, as in
pymannkendall). The p-values use the normal upper tail (``ndtr(-z)``), so they stay accurate
far below the 1e-16 where pymannkendall's ``1 - cdf`` becomes 0.

**Which variant detectors should use: ``hamed_rao_ar1`` (``DEFAULT_METHOD``).** Loss curves are
strongly autocorrelated, and the original test then calls noise a trend. Measured false-positive
rates at alpha = 0.05 on trend-free Gaussian AR(1) noise, 800 seeded series of n = 200 each
(``tests/stats/test_calibration.py``; binomial 99.9% range for a correct test: 2.9%-7.3%):

===================  ===========  ============  ============
variant              phi = 0      phi = 0.5     phi = 0.8
===================  ===========  ============  ============
original             4.2%         22.6%         50.5%
hamed_rao (all lags) 8.9%         14.9%         25.1%
hamed_rao_ar1        4.2%         5.5%          6.9%
yue_wang (all lags)  47.4%        47.4%         52.9%
pre_whitening        4.1%         30.8%         68.5%
===================  ===========  ============  ============

Summing the sample autocorrelations lag by lag (``hamed_rao``, ``yue_wang``) fails at these
lengths: the estimates are noisy and biased low, and pymannkendall's default of using every lag
makes Yue-Wang's factor collapse even on white noise (``lag=3`` or ``lag=10`` help but still give
13-16% at phi = 0.8). Trend-free pre-whitening restores Sen's slope of the *noise* onto a
whitened series that is much less variable, so the spurious slope becomes "significant".
``hamed_rao_ar1`` keeps Hamed and Rao's formula but models the rank autocorrelation as AR(1)
from a bias-corrected lag-1 estimate (see :func:`hamed_rao_ar1_test`); it stays close to nominal
(6.9% at phi = 0.8 with n = 200, 8.1% with n = 100, shrinking as n grows). Its limit: noise
with longer memory than AR(1) is under-corrected; windowing the series first helps there.

Results carry no judgement: a detector compares ``p`` (or ``p_increasing``/``p_decreasing``)
with its own threshold. When the data cannot support the test (fewer than 3 finite points,
all values equal, a variance correction that is not positive) the result has ``insufficient``
set, ``ok`` False and NaN statistics.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from analyzer.stats.autocorr import acf
from analyzer.stats.distributions import normal_cdf, normal_ppf, normal_sf
from analyzer.stats.order import average_ranks
from analyzer.stats.results import ALL_EQUAL, TOO_FEW, FinitePoints, StatResult, finite_points
from analyzer.stats.slope import (
    EXACT_MAX_N,
    GATHER_MAX_N,
    REFINE_MAX_N,
    PairwiseSlopes,
    SenSlope,
    discordant_pairs,
    insufficient_slope,
    summarize,
    tie_corrected_var_s,
)

METHODS = ("original", "hamed_rao", "hamed_rao_ar1", "yue_wang", "pre_whitening")
DEFAULT_METHOD = "hamed_rao_ar1"
#: Largest |lag-1 autocorrelation| the AR(1) model accepts (keeps the factor finite).
AR1_LIMIT = 0.99
MIN_POINTS = 3


@dataclass(frozen=True)
class MannKendall(StatResult):
    """The outcome of one Mann-Kendall test.

    ``n`` finite points were tested (``dropped`` non-finite ones removed first); for
    ``pre_whitening`` S, Var(S) and tau are those of the n-1 whitened points. ``var_s`` is the
    variance used for z: ``var_s_iid`` (the tie-corrected variance under independence) times
    ``variance_factor`` (n/n* for Hamed-Rao and Yue-Wang, 1 otherwise). ``z`` includes the
    continuity correction. ``p`` is two-sided, ``p_increasing`` tests for an increasing trend,
    ``p_decreasing`` for a decreasing one. ``tau`` is tau-a = S / (n(n-1)/2) (pymannkendall's
    Tau), ``tau_b`` Kendall's tau-b against time (scipy's). ``lag`` is the largest lag used by
    the correction (``None`` when the variant uses none); ``slope`` the Sen's slope the variant
    detrended with (NaN for ``original``).
    """

    method: str
    n: int
    dropped: int
    s: float
    var_s: float
    var_s_iid: float
    variance_factor: float
    z: float
    p: float
    p_increasing: float
    p_decreasing: float
    tau: float
    tau_b: float
    alpha: float
    lag: int | None
    slope: float
    insufficient: str | None = None


class TrendAnalysis(StatResult):
    """A Mann-Kendall test (:attr:`test`) and Sen's slope (:attr:`sen`) of the same series, from
    :func:`trend_analysis`, sharing one set of pairwise slopes. The slope's confidence interval
    is built from the test's (autocorrelation-corrected) ``var_s``.

    Up to ``GATHER_MAX_N`` points each part is computed when first read, so a caller that needs
    only the test, or only Sen's slope (:attr:`slope`, a fraction of the test's cost), pays for
    that alone; longer series are analysed at once, so that their pairwise slopes (up to 64 MB)
    are not kept.
    """

    def __init__(
        self,
        pts: FinitePoints,
        slopes: PairwiseSlopes | None,
        *,
        method: str,
        alpha: float,
        lag: int | None,
    ) -> None:
        """``slopes`` is None when ``pts`` are too few for either part."""
        self._pts, self._slopes = pts, slopes
        self._method, self._alpha, self._lag = method, alpha, lag
        if slopes is not None and pts.n > GATHER_MAX_N:
            _ = self.sen  # and the test it needs
            self._slopes = None

    @cached_property
    def test(self) -> MannKendall:
        pts, slopes = self._pts, self._slopes
        if slopes is None:
            reason = TOO_FEW.format(MIN_POINTS)
            return _insufficient(
                self._method, reason, n=pts.n, dropped=pts.dropped, alpha=self._alpha
            )
        return _test(
            self._method,
            pts,
            alpha=self._alpha,
            lag=self._lag,
            slope=slopes.median(),
            rises_falls=slopes.rises_falls,
        )

    @cached_property
    def sen(self) -> SenSlope:
        pts, slopes, alpha = self._pts, self._slopes, self._alpha
        if slopes is None:
            reason = TOO_FEW.format(MIN_POINTS)
            return insufficient_slope(reason, n=pts.n, dropped=pts.dropped, alpha=alpha)
        var_s = self.test.var_s if self.test.ok else tie_corrected_var_s(pts.x)
        return summarize(slopes, pts.x, pts.t, dropped=pts.dropped, alpha=alpha, var_s=var_s)

    @property
    def slope(self) -> float:
        """Sen's slope, ``sen.slope``, without the test and interval :attr:`sen` needs."""
        if self._slopes is None or "sen" in self.__dict__:
            return self.sen.slope
        return self._slopes.median()

    @property
    def insufficient(self) -> str | None:  # type: ignore[override]
        # Sen's slope is insufficient only with fewer than 3 points, where the test is too.
        return self.test.insufficient


@dataclass(frozen=True)
class _Score:
    s: float
    var_s: float
    tau: float
    tau_b: float


def _score(x: np.ndarray, rises_falls: tuple[int, int] | None = None) -> _Score:
    """S, tie-corrected Var(S), tau-a and tau-b of ``x`` against its order, in O(n log n).

    S = concordant - discordant pairs = N - tied - 2 * discordant, all counted exactly from one
    sort (the merge count behind ``scipy.stats.kendalltau``; the tests compare with it).
    ``rises_falls``, the numbers of pairs i < j with x_j > x_i and with x_j < x_i when the
    caller has counted them (:attr:`PairwiseSlopes.rises_falls`), replace the merge count.
    """
    n = x.size
    n_pairs = n * (n - 1) // 2
    if rises_falls is None:
        discordant, sizes = discordant_pairs(x)
        tied_pairs = int(np.sum(sizes * (sizes - 1) // 2))
    else:
        discordant = rises_falls[1]
        tied_pairs = n_pairs - rises_falls[0] - discordant
        sizes = _tie_sizes(x) if tied_pairs else _NO_TIES
    tied = sizes[sizes > 1].astype(np.float64)
    if n_pairs - tied_pairs <= 0:  # constant; pre-whitening can leave a constant or a pair
        s, tau_b = 0.0, math.nan
    else:
        s = float(n_pairs - tied_pairs - 2 * discordant)
        tau_b = s / math.sqrt(n_pairs) / math.sqrt(n_pairs - tied_pairs)
    var_s = n * (n - 1.0) * (2.0 * n + 5.0) - float(np.sum(tied * (tied - 1) * (2 * tied + 5)))
    return _Score(s=s, var_s=var_s / 18.0, tau=s / n_pairs, tau_b=tau_b)


_NO_TIES = np.zeros(0, dtype=np.intp)


def _tie_sizes(x: np.ndarray) -> np.ndarray:
    """Sizes of the groups of equal values of ``x``, in increasing order of value (as
    :func:`analyzer.stats.slope.discordant_pairs` returns them)."""
    ordered = np.sort(x)
    bounds = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1], [True])))
    return bounds[1:] - bounds[:-1]  # group starts and n, differenced


def _lag1_autocorrelation(x: np.ndarray) -> float:
    """r_1 as :func:`analyzer.stats.autocorr.acf` defines it (0 for a constant series), by a
    direct sum: the FFT there costs O(n log n) for all lags when only lag 1 is needed."""
    centered = x - x.mean()
    denom = float(np.dot(centered, centered))
    return float(np.dot(centered[1:], centered[:-1]) / denom) if denom > 0 else 0.0


def _result(
    method: str,
    score: _Score,
    *,
    n: int,
    dropped: int,
    alpha: float,
    factor: float = 1.0,
    lag: int | None = None,
    slope: float = math.nan,
) -> MannKendall:
    var_s = score.var_s * factor
    if not var_s > 0:
        reason = ALL_EQUAL if score.var_s <= 0 else "variance correction is not positive"
        return _insufficient(method, reason, n=n, dropped=dropped, alpha=alpha)
    s = score.s
    z = (s - math.copysign(1.0, s)) / math.sqrt(var_s) if s != 0 else 0.0
    return MannKendall(
        method=method,
        n=n,
        dropped=dropped,
        s=s,
        var_s=var_s,
        var_s_iid=score.var_s,
        variance_factor=factor,
        z=z,
        # normal_sf keeps its precision in the tail, where 1 - cdf underflows to 0 below ~1e-16.
        p=float(min(1.0, 2.0 * normal_sf(abs(z)))),
        p_increasing=normal_sf(z),
        p_decreasing=normal_cdf(z),
        tau=score.tau,
        tau_b=score.tau_b,
        alpha=alpha,
        lag=lag,
        slope=slope,
    )


def _insufficient(method: str, reason: str, *, n: int, dropped: int, alpha: float) -> MannKendall:
    nan = math.nan
    return MannKendall(
        method=method,
        n=n,
        dropped=dropped,
        s=nan,
        var_s=nan,
        var_s_iid=nan,
        variance_factor=nan,
        z=nan,
        p=nan,
        p_increasing=nan,
        p_decreasing=nan,
        tau=nan,
        tau_b=nan,
        alpha=alpha,
        lag=None,
        slope=nan,
        insufficient=reason,
    )


def _max_lag(lag: int | None, n: int) -> int:
    return n - 1 if lag is None else int(min(max(lag, 0), n - 1))


def _residuals(pts: FinitePoints, slope: float) -> np.ndarray:
    """``x - slope * t`` with time counted from 1 at the first point, as pymannkendall counts it.

    The shift changes nothing in exact arithmetic, but Sen's slope is the slope of one pair, so
    that pair's residuals tie exactly and floating-point rounding decides their ranks. Counting
    time the same way as the reference makes the ranks, and the tests' 1e-9 agreement, exact.
    """
    return pts.x - slope * (pts.t - pts.t[0] + 1.0)


def _hamed_rao_factor(
    pts: FinitePoints, slope: float, alpha: float, lag: int | None
) -> tuple[float, int]:
    """Hamed and Rao's n/n* over the significant lags up to ``lag``, and that largest lag."""
    n = pts.n
    ranks = average_ranks(_residuals(pts, slope))
    max_lag = _max_lag(lag, n)
    r = acf(ranks, max_lag)[1:]
    k = np.arange(1, max_lag + 1, dtype=np.float64)
    bound = normal_ppf(1.0 - alpha / 2.0) / math.sqrt(n)
    significant = (r > bound) | (r < -bound)
    weights = (n - k) * (n - k - 1) * (n - k - 2)
    factor = 1.0 + 2.0 / (n * (n - 1.0) * (n - 2.0)) * float(
        np.sum(weights[significant] * r[significant])
    )
    return factor, max_lag


def _ar1_lags(rho: float, n: int) -> int:
    """How many lags of the AR(1) Hamed-Rao sum matter: each weight is below n^3, so the lags
    past K add less than 2 |rho|^K / (1 - |rho|) to the factor; K keeps that below 1e-18
    (about 4,600 lags at |rho| = 0.99, instead of n - 1 = 999,999 at n = 1e6)."""
    a = abs(rho)
    if a >= 1.0:  # only for n <= 6, where rho is the raw r1
        return n - 1
    if a == 0.0:
        return 0
    return min(n - 1, math.ceil(math.log(1e-18 * (1.0 - a)) / math.log(a)))


def _ar1_factor(pts: FinitePoints, slope: float) -> float:
    """The Hamed-Rao factor with rho_k = rho^k (see :func:`hamed_rao_ar1_test`)."""
    n = pts.n
    r1 = _lag1_autocorrelation(average_ranks(_residuals(pts, slope)))
    rho = min(max((n * r1 + 2.0) / (n - 6.0), -AR1_LIMIT), AR1_LIMIT) if n > 6 else r1
    k, weights = _lag_weights(n, _ar1_lags(rho, n))
    return 1.0 + 2.0 / (n * (n - 1.0) * (n - 2.0)) * float(np.sum(weights * rho**k))


@functools.lru_cache(maxsize=64)
def _lag_weights(n: int, lags: int) -> tuple[np.ndarray, np.ndarray]:
    """Lags k = 1..``lags`` and Hamed and Rao's weights (n-k)(n-k-1)(n-k-2), cached: a
    diagnosis tests stretches of the same few lengths, and the arrays cost more than the sum."""
    k = np.arange(1, lags + 1, dtype=np.float64)
    weights = (n - k) * (n - k - 1) * (n - k - 2)
    k.flags.writeable = weights.flags.writeable = False  # shared by every caller
    return k, weights


def _yue_wang_factor(pts: FinitePoints, slope: float, lag: int | None) -> tuple[float, int]:
    """Yue and Wang's 1 + 2 sum_k (1 - k/n) r_k up to ``lag``, and that largest lag."""
    n = pts.n
    max_lag = _max_lag(lag, n)
    r = acf(_residuals(pts, slope), max_lag)[1:]
    k = np.arange(1, max_lag + 1, dtype=np.float64)
    return 1.0 + 2.0 * float(np.sum((1.0 - k / n) * r)), max_lag


def _test(
    method: str,
    pts: FinitePoints,
    *,
    alpha: float,
    lag: int | None = None,
    slope: float | None = None,
    rises_falls: tuple[int, int] | None = None,
) -> MannKendall:
    """The ``method`` test of cleaned points (``slope``: Sen's slope, if already computed;
    ``rises_falls``: see :func:`_score`). Every public test ends here; its callers
    (:func:`mann_kendall`, :func:`trend_analysis`) have checked ``method``."""
    if pts.n < MIN_POINTS:
        reason = TOO_FEW.format(MIN_POINTS)
        return _insufficient(method, reason, n=pts.n, dropped=pts.dropped, alpha=alpha)
    if np.all(pts.x == pts.x[0]):
        return _insufficient(method, ALL_EQUAL, n=pts.n, dropped=pts.dropped, alpha=alpha)
    counts = {"n": pts.n, "dropped": pts.dropped, "alpha": alpha}
    if method == "original":
        return _result(method, _score(pts.x, rises_falls), **counts)
    b = PairwiseSlopes(pts.x, pts.t).median() if slope is None else float(slope)
    if method == "pre_whitening":
        detrended = _residuals(pts, b)
        r1 = _lag1_autocorrelation(detrended)
        whitened = detrended[1:] - r1 * detrended[:-1] + b * (pts.t[1:] - pts.t[0])
        return _result(method, _score(whitened), **counts, lag=1, slope=b)
    if method == "hamed_rao":
        factor, max_lag = _hamed_rao_factor(pts, b, alpha, lag)
    elif method == "yue_wang":
        factor, max_lag = _yue_wang_factor(pts, b, lag)
    else:
        factor, max_lag = _ar1_factor(pts, b), 1
    score = _score(pts.x, rises_falls)
    return _result(method, score, **counts, factor=factor, lag=max_lag, slope=b)


def mann_kendall(
    x: object,
    *,
    t: object | None = None,
    method: str = DEFAULT_METHOD,
    alpha: float = 0.05,
    lag: int | None = None,
    slope: float | None = None,
) -> MannKendall:
    """One entry point for the five variants (see the module docstring for which to use).

    ``t`` only decides which points are dropped with the non-finite values (and, for the
    variants that detrend, the time axis of Sen's slope); S depends on the order alone.
    ``slope`` reuses an already computed Sen's slope for detrending; ``lag`` limits the lags
    of ``hamed_rao`` and ``yue_wang``.
    """
    if method not in METHODS:
        raise ValueError(f"unknown Mann-Kendall method {method!r}; expected one of {METHODS}")
    return _test(method, finite_points(x, t), alpha=alpha, lag=lag, slope=slope)


def original_test(x: object, t: object | None = None, *, alpha: float = 0.05) -> MannKendall:
    """The original Mann-Kendall test (assumes independent points). ``t`` only decides which
    points are dropped with the non-finite values; S depends on the order alone."""
    return mann_kendall(x, t=t, method="original", alpha=alpha)


def hamed_rao_test(
    x: object,
    t: object | None = None,
    *,
    alpha: float = 0.05,
    lag: int | None = None,
    slope: float | None = None,
) -> MannKendall:
    """Mann-Kendall with Hamed and Rao's (1998) variance correction for autocorrelation.

    ``alpha`` is also the level at which a lag's rank autocorrelation counts as significant (as
    in pymannkendall). ``slope`` reuses an already computed Sen's slope for detrending.
    """
    return mann_kendall(x, t=t, method="hamed_rao", alpha=alpha, lag=lag, slope=slope)


def hamed_rao_ar1_test(
    x: object,
    t: object | None = None,
    *,
    alpha: float = 0.05,
    slope: float | None = None,
) -> MannKendall:
    """Hamed and Rao's variance correction with the rank autocorrelations modelled as AR(1).

    Sample autocorrelations beyond lag 1 are too noisy and too biased at n ~ 100 to be summed
    one by one (the calibration table in the module docstring shows what that costs), so only
    the lag-1 autocorrelation r of the ranks of the Sen-detrended series is estimated, and
    rho_k = rho^k enters the Hamed-Rao sum over all lags. r is biased low: Kendall (1954) gives
    E[r] = rho - (1 + 4 rho) / n for a series around an estimated mean; around an estimated
    *trend* we measured about rho - (2 + 6 rho) / n (Gaussian AR(1), rho = 0 to 0.8, n = 100 to
    500, 400 series each), so rho = (n r + 2) / (n - 6), clipped to +-``AR1_LIMIT``.
    """
    return mann_kendall(x, t=t, method="hamed_rao_ar1", alpha=alpha, slope=slope)


def yue_wang_test(
    x: object,
    t: object | None = None,
    *,
    alpha: float = 0.05,
    lag: int | None = None,
    slope: float | None = None,
) -> MannKendall:
    """Mann-Kendall with Yue and Wang's (2004) effective-sample-size correction."""
    return mann_kendall(x, t=t, method="yue_wang", alpha=alpha, lag=lag, slope=slope)


def pre_whitening_test(
    x: object,
    t: object | None = None,
    *,
    alpha: float = 0.05,
    slope: float | None = None,
) -> MannKendall:
    """Mann-Kendall after trend-free pre-whitening (Yue, Pilon, Phinney and Cavadias 2002)."""
    return mann_kendall(x, t=t, method="pre_whitening", alpha=alpha, slope=slope)


def trend_analysis(
    x: object,
    *,
    t: object | None = None,
    method: str = DEFAULT_METHOD,
    alpha: float = 0.05,
    lag: int | None = None,
    exact_max_n: int = EXACT_MAX_N,
    refine_max_n: int = REFINE_MAX_N,
    samples: int | None = None,
    seed: int = 0,
) -> TrendAnalysis:
    """Mann-Kendall test and Sen's slope with a ``1 - alpha`` interval, sharing one set of
    pairwise slopes (and, when they are all computed, the test's S counted from them). The
    interval uses the test's ``var_s``, so for ``hamed_rao`` and ``yue_wang`` it widens with
    the autocorrelation as the test does. Each part is computed when first read (see
    :class:`TrendAnalysis`)."""
    pts = finite_points(x, t)
    if pts.n < MIN_POINTS:
        return TrendAnalysis(pts, None, method=method, alpha=alpha, lag=lag)
    if method not in METHODS:
        raise ValueError(f"unknown Mann-Kendall method {method!r}; expected one of {METHODS}")
    slopes = PairwiseSlopes(
        pts.x,
        pts.t,
        exact_max_n=exact_max_n,
        refine_max_n=refine_max_n,
        samples=samples,
        seed=seed,
    )
    return TrendAnalysis(pts, slopes, method=method, alpha=alpha, lag=lag)
