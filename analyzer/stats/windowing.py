"""Aggregate long step-level series (up to millions of noisy steps) into windows before testing.

Why: per-step losses are noisy and strongly autocorrelated (neighbouring steps share weights and
often data order), so a test that counts steps as independent observations calls noise a trend.
Averaging over windows that are long compared with the noise's correlation time gives a short
series of nearly independent window means, which the tests in this package can treat at face
value, and keeps every later step cheap.

How the window size ``W`` is chosen (and reported in ``rule``):

* ``"given"``: the caller fixed ``size``.
* ``"decorrelation"``: ``W = ceil(2 * tau)``, where ``tau = n / n_eff`` is the integrated
  autocorrelation time of the *detrended* finite values (``autocorr.effective_sample_size``).
  The trend is removed by a centred moving average four times as wide as the largest window
  allowed (``n // min_windows``), so correlation on the scales the windows could absorb is kept
  while the slow learning curve is not mistaken for correlated noise (a sharply curved stretch
  of the trend can still leave some, which only makes the windows larger, up to the cap).
  For AR(1) noise the lag-one correlation of window means is about ``tau / (4 W)``, i.e.
  about 1/8 with this rule.
* ``"max_windows"``: the decorrelation window would give more than ``max_windows`` windows, so
  ``W = ceil(n / max_windows)`` (the usual case for i.i.d.-like noise on very long series).
* ``"min_windows"``: the decorrelation window would give fewer than ``min_windows`` windows, so
  ``W = max(1, n // min_windows)``: resolution is kept at the price of some residual correlation.

Windows are consecutive blocks of ``W`` points by position (not by step value); the last window
may be shorter and is kept (its ``count`` says so). Non-finite values (NaN, ±inf) never vanish
silently: they are excluded from the aggregates but counted per window in ``nonfinite`` because
they are evidence of divergence. The window choice uses the finite values only.

Everything is O(n) except one FFT for the autocorrelation (O(n log n)) and a per-window sort
for the medians (O(n log W)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analyzer.stats.autocorr import effective_sample_size

DEFAULT_MAX_WINDOWS = 300
DEFAULT_MIN_WINDOWS = 20


@dataclass(frozen=True, eq=False)
class Windowed:
    """Per-window aggregates of one series, and how the window was chosen.

    Arrays all have one entry per window. ``start``/``stop`` are positions in the input
    (``stop`` exclusive); ``first_step``/``last_step``/``center_step`` are taken from ``steps``
    (positions when no steps were given), ``center_step`` being the mean step in the window.
    ``mean`` and ``median`` are over the finite values only (NaN when a window has none).
    """

    size: int
    rule: str
    tau: float
    n: int
    start: np.ndarray
    stop: np.ndarray
    first_step: np.ndarray
    last_step: np.ndarray
    center_step: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    count: np.ndarray
    nonfinite: np.ndarray
    insufficient: str | None = None

    @property
    def ok(self) -> bool:
        return self.insufficient is None

    @property
    def n_windows(self) -> int:
        return int(self.start.size)


def integrated_autocorrelation_time(values: np.ndarray, detrend_width: int) -> float:
    """``n / n_eff`` of ``values`` after removing a centred moving average of ``detrend_width``
    points (edges use the points available). 1.0 for series too short to say more."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n < 8:
        return 1.0
    width = int(min(max(detrend_width, 3), n))
    residual = x - _centred_moving_average(x, width)
    ess = effective_sample_size(residual, max_lag=min(n - 1, width))
    return float(n / ess)


def choose_window(
    values: np.ndarray,
    *,
    max_windows: int = DEFAULT_MAX_WINDOWS,
    min_windows: int = DEFAULT_MIN_WINDOWS,
) -> tuple[int, str, float]:
    """The window size for ``values``, the rule that set it, and the estimated ``tau``.

    See the module docstring for the rules. Non-finite values are ignored for the choice.
    """
    if max_windows < 1 or min_windows < 1 or min_windows > max_windows:
        raise ValueError("need 1 <= min_windows <= max_windows")
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    finite = x[np.isfinite(x)]
    smallest = max(1, math.ceil(n / max_windows))
    largest = max(1, n // min_windows)
    tau = integrated_autocorrelation_time(finite, 4 * largest) if finite.size else 1.0
    wanted = max(1, math.ceil(2.0 * tau)) if tau > 1.0 else 1
    if wanted < smallest:
        return smallest, "max_windows", tau
    if wanted > largest:
        return largest, "min_windows", tau
    return wanted, "decorrelation", tau


def window(
    values: np.ndarray,
    steps: np.ndarray | None = None,
    *,
    size: int | None = None,
    max_windows: int = DEFAULT_MAX_WINDOWS,
    min_windows: int = DEFAULT_MIN_WINDOWS,
) -> Windowed:
    """Aggregate ``values`` (optionally indexed by ``steps`` of the same length) into windows.

    ``size`` fixes the window; otherwise it is chosen by :func:`choose_window`.
    An empty input, or one with no finite value, is ``insufficient`` (the per-window
    non-finite counts are still filled in for the latter).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    if steps is None:
        s = np.arange(n, dtype=np.float64)
    else:
        s = np.asarray(steps, dtype=np.float64).ravel()
        if s.size != n:
            raise ValueError(f"steps has {s.size} entries, values has {n}")
    if n == 0:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_f = np.zeros(0)
        return Windowed(
            0, "given" if size else "max_windows", math.nan, 0,
            empty_i, empty_i, empty_f, empty_f, empty_f, empty_f, empty_f, empty_i, empty_i,
            insufficient="empty series",
        )  # fmt: skip
    if size is not None:
        if size < 1:
            raise ValueError("size must be >= 1")
        w, rule, tau = int(size), "given", math.nan
    else:
        w, rule, tau = choose_window(x, max_windows=max_windows, min_windows=min_windows)

    start = np.arange(0, n, w, dtype=np.int64)
    stop = np.minimum(start + w, n)
    finite = np.isfinite(x)
    count = np.add.reduceat(finite.astype(np.int64), start)
    nonfinite = (stop - start) - count
    total = np.add.reduceat(np.where(finite, x, 0.0), start)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    median = _window_medians(np.where(finite, x, np.nan), w, count)

    return Windowed(
        size=w,
        rule=rule,
        tau=tau,
        n=n,
        start=start,
        stop=stop,
        first_step=s[start],
        last_step=s[stop - 1],
        center_step=np.add.reduceat(s, start) / (stop - start),
        mean=mean,
        median=median,
        count=count,
        nonfinite=nonfinite,
        insufficient=None if finite.any() else "no finite values",
    )


def _centred_moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Mean of the ``width`` points centred on each position (fewer at the edges), via cumsum."""
    n = x.size
    half = width // 2
    csum = np.concatenate(([0.0], np.cumsum(x)))
    idx = np.arange(n)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + (width - half), n)
    return (csum[hi] - csum[lo]) / (hi - lo)


def _window_medians(x: np.ndarray, w: int, count: np.ndarray) -> np.ndarray:
    """Median of the finite values in each block of ``w`` (NaN marks excluded values).

    NaN sorts last, so after a row-wise sort the finite values of window i are its first
    ``count[i]`` entries and the median is read off by position.
    """
    n_windows = count.size
    padded = np.full(n_windows * w, np.nan)
    padded[: x.size] = x
    rows = np.sort(padded.reshape(n_windows, w), axis=1)
    c = count
    has = c > 0
    lo = np.where(has, (c - 1) // 2, 0)
    hi = np.where(has, c // 2, 0)
    r = np.arange(n_windows)
    med = 0.5 * (rows[r, lo] + rows[r, hi])
    return np.where(has, med, np.nan)
