"""Equivalence tests for "are training and validation loss similar?".

A difference test that fails to reject says nothing (small samples never reject); similarity
needs an equivalence test, which puts the burden of proof the other way round. This module
uses two one-sided tests (TOST, Schuirmann 1987) on a per-epoch paired quantity ``d``:

    H0-: mean(d) <= -margin   vs  mean(d) > -margin   (p_lower)
    H0+: mean(d) >= +margin   vs  mean(d) < +margin   (p_upper)

and declares equivalence at level alpha when both reject, i.e. ``p_value = max(p_lower,
p_upper) < alpha``, equivalently when the ``1 - 2*alpha`` confidence interval of the mean lies
inside ``(-margin, margin)``.

* :func:`tost_log_ratio` uses ``d = log(val / train)``: scale-free (a 10% gap means the same at
  loss 2.3 and 0.02) and symmetric (val 10% above train is ``+ln 1.1``, train 10% above val is
  ``-ln 1.1``). The default margin is ``ln(1.1)``: within 10%. Pairs where either loss is not
  positive and finite are dropped (``n_dropped``): the log ratio is undefined there, and
  non-finite losses are divergence evidence for other detectors, not "similar" evidence.
* :func:`tost_relative_gap` uses ``d = (val - train) / train`` with margin 0.1 by default: the
  same question on the plain relative scale (pairs with ``train <= 0`` or non-finite dropped).

Assumptions: the mean of ``d`` is approximately normal (a t statistic), and ``d`` is a
stationary series around that mean. Loss gaps are strongly autocorrelated from epoch to
epoch, so the standard error uses the effective sample size of ``d``
(``autocorr.effective_sample_size``): ``se = sd / sqrt(n_eff)``, ``df = n_eff - 1``. Without
this correction the test declares equivalence far too often (see the tests). The correction is
only as good as the sample autocorrelation, which underestimates strong correlation in short
series: with AR(1) phi = 0.8 noise the rate of false "equivalent" at a true ratio on the margin
was about 0.06 at n = 200 but about 0.11 at n = 50 (0.30 uncorrected at any n); for short,
strongly correlated gaps read p-values near alpha with that in mind.
The answer is about the mean gap over the epochs given: pass the tail of the run (e.g. the last
third) to ask about the end of training.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analyzer.stats.distributions import StudentT
from analyzer.stats.paired import autocorrected_mean, is_constant

DEFAULT_LOG_MARGIN = math.log(1.1)
DEFAULT_RELATIVE_MARGIN = 0.1


@dataclass(frozen=True)
class EquivalenceResult:
    """TOST result on the mean of the paired quantity ``d`` (see ``method``).

    ``estimate`` is mean(d) and ``ci`` its ``1 - 2*alpha`` interval; ``ratio``/``ratio_ci``
    express them as val/train (``exp`` for the log ratio, ``1 + x`` for the relative gap).
    """

    estimate: float
    ci: tuple[float, float]
    ratio: float
    ratio_ci: tuple[float, float]
    p_lower: float
    p_upper: float
    p_value: float
    t_lower: float
    t_upper: float
    margin: float
    alpha: float
    n: int
    n_eff: float
    df: float
    n_dropped: int
    method: str
    insufficient: str | None = None

    @property
    def ok(self) -> bool:
        return self.insufficient is None


def tost_log_ratio(
    train: np.ndarray,
    val: np.ndarray,
    *,
    margin: float = DEFAULT_LOG_MARGIN,
    alpha: float = 0.05,
    autocorrelation: bool = True,
) -> EquivalenceResult:
    """TOST that mean ``log(val/train)`` lies within ``±margin`` (default ``ln 1.1``)."""
    d, dropped = log_ratios(train, val)
    return tost(
        d, margin=margin, alpha=alpha, autocorrelation=autocorrelation,
        n_dropped=dropped, method="tost_log_ratio", to_ratio=np.exp,
    )  # fmt: skip


def log_ratios(train: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, int]:
    """``log(val / train)`` of the pairs where both losses are positive and finite (what
    :func:`tost_log_ratio` tests), and how many pairs were dropped."""
    train, val = _pair(train, val)
    keep = np.isfinite(train) & np.isfinite(val) & (train > 0) & (val > 0)
    return np.log(val[keep]) - np.log(train[keep]), int(train.size - keep.sum())


def tost_relative_gap(
    train: np.ndarray,
    val: np.ndarray,
    *,
    margin: float = DEFAULT_RELATIVE_MARGIN,
    alpha: float = 0.05,
    autocorrelation: bool = True,
) -> EquivalenceResult:
    """TOST that mean ``(val - train) / train`` lies within ``±margin`` (default 0.1)."""
    train, val = _pair(train, val)
    keep = np.isfinite(train) & np.isfinite(val) & (train > 0)
    d = (val[keep] - train[keep]) / train[keep]
    return tost(
        d, margin=margin, alpha=alpha, autocorrelation=autocorrelation,
        n_dropped=int(train.size - keep.sum()), method="tost_relative_gap",
        to_ratio=lambda x: 1.0 + x,
    )  # fmt: skip


def tost(
    d: np.ndarray,
    *,
    margin: float,
    alpha: float = 0.05,
    autocorrelation: bool = True,
    n_dropped: int = 0,
    method: str = "tost",
    to_ratio=lambda x: x,
) -> EquivalenceResult:
    """TOST that the mean of the finite values of ``d`` lies within ``±margin``.

    Needs at least 3 values that are not all equal and ``n_eff >= 2``; otherwise the result is
    ``insufficient``.
    """
    if not margin > 0:
        raise ValueError("margin must be > 0")
    if not 0 < alpha < 0.5:
        raise ValueError("alpha must be in (0, 0.5)")
    d = np.asarray(d, dtype=np.float64).ravel()
    finite = np.isfinite(d)
    n_dropped += int(d.size - finite.sum())
    d = d[finite]
    if autocorrelation:
        method += "_autocorrelation_corrected"
    nan = math.nan

    def insufficient(reason: str, n_eff: float = nan) -> EquivalenceResult:
        return EquivalenceResult(
            nan, (nan, nan), nan, (nan, nan), nan, nan, nan, nan, nan, margin, alpha,
            int(d.size), n_eff, nan, n_dropped, method, insufficient=reason,
        )  # fmt: skip

    if d.size < 3:
        return insufficient("fewer than 3 usable pairs")
    if is_constant(d):
        return insufficient("the paired quantity is constant")
    est = autocorrected_mean(d, autocorrelation=autocorrelation)
    if est.n_eff < 2.0:
        return insufficient("fewer than 2 effective observations", est.n_eff)
    dist = StudentT(est.df)
    t_lower = (est.mean + margin) / est.se
    t_upper = (est.mean - margin) / est.se
    p_lower = float(dist.sf(t_lower))
    p_upper = float(dist.cdf(t_upper))
    half = float(dist.ppf(1.0 - alpha)) * est.se
    ci = (est.mean - half, est.mean + half)
    return EquivalenceResult(
        estimate=est.mean,
        ci=ci,
        ratio=float(to_ratio(est.mean)),
        ratio_ci=(float(to_ratio(ci[0])), float(to_ratio(ci[1]))),
        p_lower=p_lower,
        p_upper=p_upper,
        p_value=max(p_lower, p_upper),
        t_lower=float(t_lower),
        t_upper=float(t_upper),
        margin=margin,
        alpha=alpha,
        n=est.n,
        n_eff=est.n_eff,
        df=est.df,
        n_dropped=n_dropped,
        method=method,
    )


def _pair(train: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    train = np.asarray(train, dtype=np.float64).ravel()
    val = np.asarray(val, dtype=np.float64).ravel()
    if train.size != val.size:
        raise ValueError(f"train and val differ in length: {train.size} and {val.size}")
    return train, val
