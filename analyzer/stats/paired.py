"""Paired difference tests for "is the gap between two curves real?" (e.g. validation minus
training loss, epoch by epoch).

* :func:`wilcoxon_signed_rank`: ``scipy.stats.wilcoxon`` on the paired differences (its exact
  small-sample p-value computed here, to the same float, without scipy's call overhead), with the
  matched-pairs rank-biserial correlation as effect size (Kerby's simple difference
  ``(R+ - R-) / (R+ + R-)``, from -1 to 1), the median difference and the Hodges-Lehmann
  estimate (median of the Walsh averages). It makes no normality assumption, but like every
  rank test it treats the pairs as independent: on autocorrelated curves its p-value is too
  small, so feed it windowed or epoch-level data (``n_eff`` is reported to show how far off
  the independence assumption is).
* :func:`paired_t`: the paired t-test with the standard error and degrees of freedom computed
  from the effective sample size of the differences (``autocorr.effective_sample_size``):
  ``se = sd / sqrt(n_eff)``, ``df = n_eff - 1``. With ``autocorrelation=False`` it is exactly
  ``scipy.stats.ttest_rel``.

Pairs where either value is non-finite are dropped (``n_dropped``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import stats as _stats

from analyzer.stats.autocorr import effective_sample_size
from analyzer.stats.distributions import StudentT
from analyzer.stats.order import average_ranks, median

#: Exact Hodges-Lehmann (all n(n+1)/2 Walsh averages) up to this many differences; beyond it,
#: the estimate uses this many evenly spaced order statistics, keeping memory bounded.
HODGES_LEHMANN_EXACT_MAX = 2000
_ALTERNATIVES = ("two-sided", "greater", "less")
#: Up to this many untied non-zero differences the p-value is exact (scipy's ``method="auto"``
#: rule, which :func:`wilcoxon_signed_rank` follows).
_EXACT_MAX_N = 50


@dataclass(frozen=True)
class MeanEstimate:
    """Mean of a series with an autocorrelation-aware standard error (shared by the t-tests)."""

    mean: float
    sd: float
    se: float
    n: int
    n_eff: float
    df: float


def autocorrected_mean(d: np.ndarray, *, autocorrelation: bool = True) -> MeanEstimate:
    """Mean, sd (ddof=1), ``se = sd / sqrt(n_eff)`` and ``df = n_eff - 1`` of finite ``d``
    (at least 2 values). ``n_eff = n`` when ``autocorrelation`` is False."""
    n = int(d.size)
    n_eff = effective_sample_size(d) if autocorrelation else float(n)
    sd = float(np.std(d, ddof=1))
    return MeanEstimate(float(np.mean(d)), sd, sd / math.sqrt(n_eff), n, n_eff, n_eff - 1.0)


def is_constant(d: np.ndarray) -> bool:
    """True when ``d`` varies by no more than rounding (1e-12 relative): its sd would be noise."""
    return bool(np.ptp(d) <= 1e-12 * max(1.0, float(np.max(np.abs(d)))))


def paired_differences(x: np.ndarray, y: np.ndarray | None) -> tuple[np.ndarray, int]:
    """``x - y`` (or ``x`` alone) where both are finite, and how many pairs were dropped."""
    x = np.asarray(x, dtype=np.float64).ravel()
    if y is None:
        d = x
    else:
        y = np.asarray(y, dtype=np.float64).ravel()
        if x.size != y.size:
            raise ValueError(f"paired series differ in length: {x.size} and {y.size}")
        d = x - y
    keep = np.isfinite(d)
    return d[keep], int(d.size - keep.sum())


@dataclass(frozen=True)
class WilcoxonResult:
    """Wilcoxon signed-rank test of the paired differences ``x - y`` against 0.

    ``statistic`` is scipy's (min(R+, R-) for two-sided, R+ for one-sided); ``n_nonzero`` the
    differences left after dropping zeros (the "wilcox" zero method).
    """

    statistic: float
    p_value: float
    rank_biserial: float
    n: int
    n_nonzero: int
    n_dropped: int
    alternative: str
    method: str = "wilcoxon_signed_rank"
    insufficient: str | None = None
    #: The finite paired differences, for the estimates below.
    differences: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.insufficient is None

    # The estimates are computed when first read: they cost more than the test, and a detector
    # that only needs the test (GENERALIZATION_GAP) does not read them.
    @cached_property
    def median_difference(self) -> float:
        return median(self.differences) if self.ok else math.nan

    @cached_property
    def hodges_lehmann(self) -> float:
        return hodges_lehmann(self.differences) if self.ok else math.nan

    @cached_property
    def n_eff(self) -> float:
        return effective_sample_size(self.differences) if self.ok else math.nan


def wilcoxon_signed_rank(
    x: np.ndarray, y: np.ndarray | None = None, *, alternative: str = "two-sided"
) -> WilcoxonResult:
    """Wilcoxon signed-rank test of ``x - y`` (or of ``x`` when ``y`` is None) against 0.

    Needs at least 3 non-zero differences; otherwise the result is ``insufficient``.
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}")
    d, dropped = paired_differences(x, y)
    n = int(d.size)
    nz = d[d != 0.0]
    nan = math.nan
    if nz.size < 3:
        reason = "fewer than 3 non-zero paired differences"
        return WilcoxonResult(
            nan, nan, nan, n, int(nz.size), dropped, alternative, insufficient=reason
        )
    ranks = average_ranks(np.abs(nz))
    r_plus = float(ranks[nz > 0].sum())
    r_minus = float(ranks[nz < 0].sum())
    if nz.size <= _EXACT_MAX_N and np.unique(ranks).size == nz.size:
        statistic = r_plus if alternative != "two-sided" else min(r_plus, r_minus)
        p_value = _exact_p(int(r_plus), nz.size, alternative)
    else:  # ties or many pairs: scipy's normal approximation (or permutation test)
        res = _stats.wilcoxon(nz, alternative=alternative)
        statistic, p_value = float(res.statistic), float(res.pvalue)
    return WilcoxonResult(
        statistic=statistic,
        p_value=p_value,
        rank_biserial=(r_plus - r_minus) / (r_plus + r_minus),
        n=n,
        n_nonzero=int(nz.size),
        n_dropped=dropped,
        alternative=alternative,
        differences=d,
    )


@functools.lru_cache(maxsize=64)
def _null_pmf(n: int) -> np.ndarray:
    """P(R+ = r), r = 0 .. n(n+1)/2, for n untied non-zero differences: each rank is positive
    with probability 1/2 (the recursion and floats of scipy's ``_get_wilcoxon_distr``)."""
    c = np.ones(1)
    for k in range(1, n + 1):
        prev = c
        c = np.zeros(k * (k + 1) // 2 + 1)
        c[: prev.size] = prev * 0.5
        c[-prev.size :] += prev * 0.5
    c.flags.writeable = False  # shared by every caller
    return c


def _exact_p(r_plus: int, n: int, alternative: str) -> float:
    """The exact p-value of R+ = ``r_plus``, summed as ``scipy.stats.wilcoxon`` sums it (each
    tail directly up to the mean, as 1 minus the other tail beyond it), so the floats agree.

    Why not call scipy: its argument handling costs about 0.2 ms per test, a sixth of a
    100-epoch diagnosis, for a sum over a table that costs microseconds.
    """
    pmf = _null_pmf(n)
    mean = n * (n + 1) / 4

    def sf(k: int) -> float:
        return float(pmf[k:].sum()) if k <= mean else 1.0 - float(pmf[:k].sum())

    def cdf(k: int) -> float:
        return float(pmf[: k + 1].sum()) if k <= mean else 1.0 - float(pmf[k + 1 :].sum())

    if alternative == "greater":
        return sf(r_plus)
    if alternative == "less":
        return cdf(r_plus)
    return min(max(2.0 * min(sf(r_plus), cdf(r_plus)), 0.0), 1.0)


def hodges_lehmann(d: np.ndarray) -> float:
    """Median of the Walsh averages ``(d_i + d_j) / 2, i <= j`` of the finite ``d``.

    Exact up to ``HODGES_LEHMANN_EXACT_MAX`` values (O(m^2) memory for m values); above that,
    computed from that many evenly spaced order statistics of ``d``, which approximates the
    exact value far more closely than its own sampling error.
    """
    d = np.sort(np.asarray(d, dtype=np.float64)[np.isfinite(d)])
    if d.size == 0:
        return math.nan
    if d.size > HODGES_LEHMANN_EXACT_MAX:
        q = (np.arange(HODGES_LEHMANN_EXACT_MAX) + 0.5) / HODGES_LEHMANN_EXACT_MAX
        d = np.quantile(d, q)
    i, j = _walsh_pairs(d.size) if d.size <= _CACHED_WALSH_MAX else np.triu_indices(d.size)
    return median((d[i] + d[j]) / 2.0)


#: Up to this many differences the Walsh-pair indices are cached (16 sizes of at most 320 kB).
_CACHED_WALSH_MAX = 200


@functools.lru_cache(maxsize=16)
def _walsh_pairs(m: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.triu_indices(m)``, cached: building it costs more than the median it feeds."""
    i, j = np.triu_indices(m)
    i.flags.writeable = j.flags.writeable = False  # shared by every caller
    return i, j


@dataclass(frozen=True)
class PairedTResult:
    """Paired t-test of the mean difference ``x - y`` against 0 with autocorrelation-reduced
    degrees of freedom; ``ci`` is the ``confidence`` interval of the mean difference."""

    statistic: float
    p_value: float
    mean_difference: float
    se: float
    ci: tuple[float, float]
    df: float
    n: int
    n_eff: float
    n_dropped: int
    alternative: str
    confidence: float
    method: str = "paired_t_autocorrelation_corrected"
    insufficient: str | None = None

    @property
    def ok(self) -> bool:
        return self.insufficient is None


def paired_t(
    x: np.ndarray,
    y: np.ndarray | None = None,
    *,
    alternative: str = "two-sided",
    confidence: float = 0.95,
    autocorrelation: bool = True,
) -> PairedTResult:
    """Paired t-test of ``x - y`` (or of ``x`` alone) against 0.

    Needs at least 3 finite differences that are not all equal, and ``n_eff >= 2``.
    """
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}")
    d, dropped = paired_differences(x, y)
    method = "paired_t_autocorrelation_corrected" if autocorrelation else "paired_t"
    nan = math.nan

    def insufficient(reason: str, n_eff: float = nan) -> PairedTResult:
        return PairedTResult(
            nan, nan, nan, nan, (nan, nan), nan, int(d.size), n_eff, dropped, alternative,
            confidence, method, insufficient=reason,
        )  # fmt: skip

    if d.size < 3:
        return insufficient("fewer than 3 finite paired differences")
    if is_constant(d):
        return insufficient("all paired differences are equal")
    est = autocorrected_mean(d, autocorrelation=autocorrelation)
    if est.n_eff < 2.0:
        return insufficient("fewer than 2 effective observations", est.n_eff)
    t = est.mean / est.se
    dist = StudentT(est.df)
    if alternative == "two-sided":
        p = 2.0 * float(dist.sf(abs(t)))
        half = float(dist.ppf(0.5 + confidence / 2.0)) * est.se
        ci = (est.mean - half, est.mean + half)
    elif alternative == "greater":
        p = float(dist.sf(t))
        ci = (est.mean - float(dist.ppf(confidence)) * est.se, math.inf)
    else:
        p = float(dist.cdf(t))
        ci = (-math.inf, est.mean + float(dist.ppf(confidence)) * est.se)
    return PairedTResult(
        statistic=float(t),
        p_value=min(p, 1.0),
        mean_difference=est.mean,
        se=est.se,
        ci=ci,
        df=est.df,
        n=est.n,
        n_eff=est.n_eff,
        n_dropped=dropped,
        alternative=alternative,
        confidence=confidence,
        method=method,
    )
