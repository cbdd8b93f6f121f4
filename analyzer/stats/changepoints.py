"""Change points of piecewise curves: learning-rate drops, warm restarts, the start of
overfitting.

Method: penalized optimal segmentation with PELT (``ruptures.Pelt``, exact for a linear
penalty, pruned to about O(n) when changes are regular).

Segment model, ``"linear"`` by default: each segment is its own least-squares line ``a + b*t``
(discontinuous at the boundaries). Loss curves slope inside every phase, so a piecewise-constant
model (``"l2"``, offered for mean shifts such as a metric on a plateau) would cut a smooth decay
into a staircase; a continuous piecewise-linear model (ruptures' ``"clinear"``) cannot represent
the jump of a learning-rate drop or a restart without two boundaries around it. Discontinuous
lines represent jumps (LR drop, restart) and kinks (falling then rising: overfitting) with
one boundary each. The segment cost is the residual sum of squares, computed in O(1) from
cumulative sums (a ruptures ``BaseCost``), which keeps PELT fast.

Known limit: a clearly curved smooth decay (much larger than its noise) is approximated by a few
lines, so it gets a few boundaries in its steep early part (two or three on 200 epochs of a
decay 20 times its noise in the tests). Detectors should read boundaries together with the
jump and slope change they imply. A segment basis with fixed exponentials removed those but
moved the start of a linear rise by tens of epochs, which is worse for "when did overfitting
start".

Penalty (BIC-like): ``penalty_factor * sigma^2 * ln(n)`` per extra segment, with
``penalty_factor`` = parameters per segment + 1 for the boundary's location (3 for "linear",
2 for "l2") and ``sigma`` the robust noise scale of the searched series
(``shape.noise_scale``: MAD of first differences), so the penalty follows the series' own noise
and outliers do not shrink it. Assumes that noise is roughly independent at the resolution
searched: correlated noise looks like structure to any segmentation.

Long series (more than ``max_points`` points, default 500) are first aggregated into windows
(``windowing.window``, which picks a decorrelating window), the search runs on the window means,
and boundaries map back to the first original index of their window; the window size is the
resolution of the answer and is reported. Non-finite values are excluded from the search
(boundaries map back to original indices) and every segment needs ``min_size`` points of the
searched series.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import ruptures as rpt
from ruptures.base import BaseCost

from analyzer.stats.shape import noise_scale
from analyzer.stats.windowing import window

DEFAULT_MAX_POINTS = 500
DEFAULT_MIN_SIZE = 5
_PARAMS_PER_SEGMENT = {"linear": 2, "l2": 1}


class SegmentRSS(BaseCost):
    """Residual sum of squares of a segment around its mean (``"l2"``) or its least-squares
    line (``"linear"``), in O(1) per segment from cumulative sums of t, t^2, y, t*y, y^2."""

    def __init__(self, kind: str = "linear") -> None:
        if kind not in _PARAMS_PER_SEGMENT:
            raise ValueError(f"model must be one of {tuple(_PARAMS_PER_SEGMENT)}")
        self.kind = kind
        self.min_size = 3 if kind == "linear" else 1
        self.signal = None

    @property
    def model(self) -> str:
        return f"segment_rss_{self.kind}"

    def fit(self, signal: np.ndarray) -> SegmentRSS:
        y = np.asarray(signal, dtype=np.float64).ravel()
        self.signal = y.reshape(-1, 1)
        y = y - y.mean()  # centring and scaling t keep the cumulative sums well conditioned
        t = np.linspace(-1.0, 1.0, y.size) if y.size > 1 else np.zeros(y.size)
        self._c = [np.concatenate(([0.0], np.cumsum(v))) for v in (t, t * t, y, t * y, y * y)]
        return self

    def error(self, start: int, end: int) -> float:
        st, stt, sy, sty, syy = (c[end] - c[start] for c in self._c)
        m = end - start
        rss = syy - sy * sy / m
        if self.kind == "linear" and m > 1:
            sxx = stt - st * st / m
            if sxx > 0:
                rss -= (sty - st * sy / m) ** 2 / sxx
        return max(float(rss), 0.0)


@dataclass(frozen=True)
class ChangePoints:
    """Boundaries where a new segment starts, as indices into the input and as step values.

    ``segments`` are ``(start, stop)`` index ranges of the input (stop exclusive) covering it;
    ``segment_steps`` their first and last step. ``window`` is the number of input points per
    searched point (1 when the series was searched as is) and ``window_rule`` why.
    """

    indices: tuple[int, ...]
    steps: tuple[float, ...]
    segments: tuple[tuple[int, int], ...]
    segment_steps: tuple[tuple[float, float], ...]
    penalty: float
    sigma: float
    model: str
    min_size: int
    window: int
    window_rule: str
    n: int
    n_searched: int
    method: str = "pelt"
    insufficient: str | None = None

    @property
    def ok(self) -> bool:
        return self.insufficient is None


def change_points(
    values: np.ndarray,
    steps: np.ndarray | None = None,
    *,
    model: str = "linear",
    min_size: int = DEFAULT_MIN_SIZE,
    penalty: float | None = None,
    penalty_factor: float | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> ChangePoints:
    """Find change points of ``values`` (indexed by ``steps``, default positions).

    ``penalty`` overrides the BIC-like default ``penalty_factor * sigma^2 * ln(n)``. Fewer than
    ``2 * min_size`` finite values, or a constant series, give an ``insufficient`` result.
    """
    if model not in _PARAMS_PER_SEGMENT:
        raise ValueError(f"model must be one of {tuple(_PARAMS_PER_SEGMENT)}")
    if min_size < 1:
        raise ValueError("min_size must be >= 1")
    x = np.asarray(values, dtype=np.float64).ravel()
    n = int(x.size)
    s = np.arange(n, dtype=np.float64) if steps is None else np.asarray(steps, np.float64).ravel()
    if s.size != n:
        raise ValueError(f"steps has {s.size} entries, values has {n}")
    if penalty_factor is None:
        penalty_factor = _PARAMS_PER_SEGMENT[model] + 1.0

    finite_idx = np.flatnonzero(np.isfinite(x))
    if n > max_points:
        w = window(x, s, max_windows=max_points)
        keep = w.count > 0
        y, starts = w.mean[keep], w.start[keep]
        size, rule = w.size, w.rule
    else:
        y, starts = x[finite_idx], finite_idx
        size, rule = 1, "none"
    m = int(y.size)

    def result(indices, pen, sigma, reason=None) -> ChangePoints:
        bounds = [0, *indices, n]
        segments = tuple((int(a), int(b)) for a, b in itertools.pairwise(bounds))
        return ChangePoints(
            indices=tuple(int(i) for i in indices),
            steps=tuple(float(s[i]) for i in indices),
            segments=segments if n else (),
            segment_steps=tuple((float(s[a]), float(s[b - 1])) for a, b in segments) if n else (),
            penalty=pen,
            sigma=sigma,
            model=model,
            min_size=min_size,
            window=size,
            window_rule=rule,
            n=n,
            n_searched=m,
            insufficient=reason,
        )

    if m < 2 * min_size:
        return result([], math.nan, math.nan, f"fewer than {2 * min_size} points to search")
    if np.ptp(y) == 0.0:
        return result([], math.nan, 0.0, "constant series")
    sigma = noise_scale(y).sigma
    # A noise-free series has sigma 0; a floor keeps the penalty positive (every real kink is
    # still found, but rounding noise is not).
    sigma = max(sigma, 1e-9 * float(np.max(np.abs(y))))
    pen = float(penalty) if penalty is not None else penalty_factor * sigma**2 * math.log(m)
    cost = SegmentRSS(model)
    algo = rpt.Pelt(custom_cost=cost, min_size=max(min_size, cost.min_size), jump=1).fit(y)
    ends = algo.predict(pen=pen)[:-1]
    return result([int(starts[b]) for b in ends], pen, sigma)
