"""Autocorrelation of a series in O(n log n) via the FFT, and the effective sample size it
implies.

Loss curves are strongly autocorrelated: consecutive epochs share most of their weights, so
n epochs carry far less than n independent observations. Tests that assume independence
(Mann-Kendall, paired tests) must shrink n or inflate their variance by what is computed here.
"""

from __future__ import annotations

import numpy as np
from scipy import fft as _fft


def acf(x: np.ndarray, max_lag: int | None = None) -> np.ndarray:
    """Sample autocorrelation r_0..r_max_lag (r_0 = 1): the biased estimator used by
    statsmodels' ``acf(fft=True)`` and pymannkendall,
    r_k = sum((x_t - m)(x_{t+k} - m)) / sum((x_t - m)^2).

    A constant series has no defined autocorrelation; its lags 1.. are returned as 0.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if max_lag is None:
        max_lag = n - 1
    max_lag = int(min(max(max_lag, 0), max(n - 1, 0)))
    if n == 0:
        return np.zeros(0)
    with np.errstate(over="ignore", invalid="ignore"):
        centered = x - x.mean()
        denom = float(np.dot(centered, centered))
    if not np.isfinite(denom) and np.all(np.isfinite(x)):
        # values beyond ~1e154 (a diverged loss) overflow the squares: r_k does not depend
        # on the scale, so compute it on the series scaled to at most 1
        x = x / float(np.max(np.abs(x)))
        centered = x - x.mean()
        denom = float(np.dot(centered, centered))
    out = np.zeros(max_lag + 1)
    out[0] = 1.0
    if denom == 0.0 or max_lag == 0:
        return out
    size = _fft.next_fast_len(2 * n - 1, real=True)
    spectrum = _fft.rfft(centered, size)
    full = _fft.irfft(spectrum * np.conj(spectrum), size)[: max_lag + 1]
    out[:] = full / denom
    out[0] = 1.0
    return out


def lag1_autocorrelation(x: np.ndarray) -> float:
    """r_1, the lag-one autocorrelation (0 for fewer than 3 points or a constant series)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size < 3:
        return 0.0
    return float(acf(x, 1)[1])


def effective_sample_size(x: np.ndarray, *, max_lag: int | None = None) -> float:
    """Effective number of independent observations, n / (1 + 2 * sum_k (1 - k/n) r_k),
    summing the lags whose autocorrelation is positive up to the first non-positive one
    (Geyer's initial positive sequence, simplified). Bounded to [1, n].

    Used to shrink the degrees of freedom of paired tests on autocorrelated gaps.
    """
    x = np.asarray(x, dtype=np.float64)
    n = x.size
    if n < 3:
        return float(n)
    r = acf(x, max_lag if max_lag is not None else n // 2)[1:]
    if r.size == 0:
        return float(n)
    non_positive = np.flatnonzero(r <= 0)
    cut = non_positive[0] if non_positive.size else r.size
    k = np.arange(1, cut + 1)
    factor = 1.0 + 2.0 * float(np.sum((1.0 - k / n) * r[:cut]))
    return float(min(max(n / max(factor, 1e-12), 1.0), n))
