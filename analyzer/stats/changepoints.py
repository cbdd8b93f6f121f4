"""Change points of piecewise curves: learning-rate drops, warm restarts, the start of
overfitting.

Method: penalized optimal segmentation with PELT (Killick, Fearnhead & Eckley 2012: exact for a
linear penalty, pruned to about O(n) when changes are regular), implemented here as
:func:`pelt`. Why our own: ``ruptures.Pelt`` runs the same recursion in a pure-Python loop that
calls the segment cost once per admissible start and end (about 6,000 calls for 200 points),
which made the search the slowest part of a diagnosis; ours gives the same answer, step for
step (same admissible starts, same pruning rule, same ``min_size`` handling, same penalty, same
order of floating-point additions, ties to the earliest start), with all segment costs from
one vectorized call and the recursion solved in blocks and checked against the pruning (see
:func:`pelt`): 0.25 ms on 100 points, where ruptures takes 20 ms. The tests run
``ruptures.Pelt`` on the very same cost over many series and require identical breakpoints,
so ruptures remains the independent check of the search (and a test dependency only).

Segment model, ``"linear"`` by default: each segment is its own least-squares line ``a + b*t``
(discontinuous at the boundaries). Loss curves slope inside every phase, so a piecewise-constant
model (``"l2"``, offered for mean shifts such as a metric on a plateau) would cut a smooth decay
into a staircase; a continuous piecewise-linear model (ruptures' ``"clinear"``) cannot represent
the jump of a learning-rate drop or a restart without two boundaries around it. Discontinuous
lines represent jumps (LR drop, restart) and kinks (falling then rising: overfitting) with
one boundary each. The segment cost is the residual sum of squares, computed in O(1) from
cumulative sums (:class:`SegmentRSS`, with ruptures' cost interface), which keeps PELT fast.

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
searched series (at least 3 for ``"linear"``: a line through two points fits exactly).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from analyzer.stats.shape import noise_scale
from analyzer.stats.windowing import window

DEFAULT_MAX_POINTS = 500
DEFAULT_MIN_SIZE = 5
_PARAMS_PER_SEGMENT = {"linear": 2, "l2": 1}
#: Up to this many points, :func:`pelt` costs every segment in one call (a (n+1)^2 table, 2 MB
#: at 500) and checks a blocked search on it instead of stepping end by end.
TABLE_MAX_N = 500
#: Above this magnitude the search runs on a rescaled copy (squares would overflow).
LARGEST_UNSCALED = 1e100


class SegmentRSS:
    """Residual sum of squares of a segment around its mean (``"l2"``) or its least-squares
    line (``"linear"``), in O(1) per segment from cumulative sums of t, t^2, y, t*y, y^2.

    :meth:`errors` costs many segments with one end at once (what :func:`pelt` needs);
    :meth:`error` is the same formula for one segment. ``fit``, ``error``, ``signal`` and
    ``min_size`` follow the cost interface of ``ruptures``, so the tests can hand this very
    cost to ``ruptures.Pelt`` and compare its search with ours float for float.
    """

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
        # one row per boundary: cumulative sums of t, t^2, y, t*y, y^2 and the point count
        sums = np.cumsum(np.column_stack((t, t * t, y, t * y, y * y, np.ones(y.size))), axis=0)
        self._c = np.vstack((np.zeros(6), sums))
        return self

    def errors(self, starts: np.ndarray | int, end: int) -> np.ndarray:
        """Costs of the segments ``[start, end)`` for every start in ``starts``."""
        return self._rss((self._c[end] - self._c[starts]).T)

    def table(self) -> np.ndarray:
        """``table[end, start]``: the cost of every segment ``[start, end)`` at once, the same
        floats :meth:`errors` gives (entries with ``end <= start`` are meaningless). O(n^2)
        memory, for short signals: one vectorized call instead of one per end."""
        sums = self._c.T.copy()  # contiguous (6, n+1): the differences below are then contiguous
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._rss(sums[:, :, None] - sums[:, None, :])

    def _rss(self, sums: np.ndarray) -> np.ndarray:
        st, stt, sy, sty, syy, m = sums
        rss = syy - sy * sy / m
        if self.kind == "linear":
            sxx = stt - st * st / m
            fit = sty - st * sy / m
            # dividing by inf where there is no slope to fit subtracts exactly 0
            rss = rss - fit * fit / np.where((m > 1) & (sxx > 0), sxx, np.inf)
        return np.maximum(rss, 0.0)

    def error(self, start: int, end: int) -> float:
        """Cost of the segment ``[start, end)``."""
        return float(self.errors(start, end))


def pelt(cost: SegmentRSS, n: int, min_size: int, pen: float) -> list[int]:
    """Optimal segmentation of ``cost``'s fitted signal (``n`` points) for a penalty ``pen``
    per segment, every segment at least ``min_size`` points (and the cost's own minimum): the
    ends of all segments but the last, like ``ruptures.Pelt(jump=1).predict(pen)[:-1]``.

    The recursion is ruptures' step for step: ``F(end) = min over admissible starts t of
    F(t) + (cost(t, end) + pen)``, with F added in the same order, so the floats are the same;
    a new start ``end - min_size`` becomes admissible at each end, and a start is dropped once
    ``F(t) + cost(t, end) + pen > F(end) + pen``. Ties go to the earliest start.

    Up to ``TABLE_MAX_N`` points the search is not run end by end (about 100 small steps of
    Python or numpy calls) but checked: :func:`_unpruned_search` solves the same recursion over
    all valid starts (optimal partitioning, in blocks of ``min_size`` ends, which need only
    earlier ends), then the pruning PELT would have done is replayed on those values in one
    vectorized pass. Where no start chosen at an end had been dropped before that end, PELT
    makes the very same choices on the very same floats (a minimum over a subset holding the
    first minimum of the whole set is that element), so the answer is PELT's. Pruning can
    drop a start that would win a few ends later (ruptures drops it at once, while the end
    that beats it is not yet a valid start), and then the search continues end by end from
    the first such end.
    """
    min_size = max(min_size, cost.min_size)
    if n < min_size:
        raise ValueError(f"{n} points cannot hold a segment of {min_size}")
    if not pen >= 0:  # a negative penalty would prune every start, the best one too
        raise ValueError(f"the penalty must be >= 0, not {pen}")
    if n > TABLE_MAX_N:

        def penalized(end: int, lo: int) -> list[float]:
            return (cost.errors(np.arange(lo, end - min_size + 1), end) + pen).tolist()

        state = [0.0] * (n + 1), [0] * (n + 1), []
        return _backtrack(_pelt_steps(penalized, n, min_size, pen, min_size, *state))

    # valid[end, start]: the segment [start, end) is long enough and its start has a
    # segmentation of the points before it
    valid = np.tri(n + 1, n + 1, -min_size, dtype=bool)
    valid[:, 1:min_size] = False
    table = cost.table()
    table += pen
    np.copyto(table, np.inf, where=~valid)
    total, last = _unpruned_search(table, n, min_size)
    # pruned[end, start]: PELT drops the start at this end (if it still holds it)
    pruned = valid & ~(total + table <= (total + pen)[:, None])
    first_pruned = np.where(pruned.any(axis=0), pruned.argmax(axis=0), n + 1)
    ends = np.arange(min_size, n + 1)
    # The argument above needs ordered floats: argmin and min() disagree on where a NaN
    # goes, so a non-finite F (a NaN or inf in the signal, an inf penalty; never for finite
    # ones) sends the search end by end from there, where min() orders it as ruptures does.
    differs = (first_pruned[last[min_size:]] < ends) | ~np.isfinite(total[min_size:])
    if not differs.any():
        return _backtrack(last)
    resume = int(ends[differs.argmax()])

    def penalized(end: int, lo: int) -> list[float]:
        return table[end, lo : end - min_size + 1].tolist()

    admissible = np.flatnonzero(valid[resume - 1] & (first_pruned >= resume)).tolist()
    state = total.tolist(), last.tolist(), admissible
    return _backtrack(_pelt_steps(penalized, n, min_size, pen, resume, *state))


def _unpruned_search(table: np.ndarray, n: int, min_size: int) -> tuple[np.ndarray, np.ndarray]:
    """``F(end)`` and the chosen start for every end, minimizing over all valid starts
    (``table[end, start]``: cost + penalty, inf where the start is not valid). The ends of a
    block of ``min_size`` need only ``F`` of starts before the block: one numpy call each."""
    total = np.full(n + 1, np.inf)
    total[0] = 0.0
    last = np.zeros(n + 1, dtype=np.intp)
    rows = np.arange(min_size)
    for k in range(min_size, n + 1, min_size):
        candidates = total[:k] + table[k : k + min_size, :k]
        best = candidates.argmin(axis=1)
        total[k : k + min_size] = candidates[rows[: best.size], best]
        last[k : k + min_size] = best
    return total, last


def _pelt_steps(penalized, n, min_size, pen, first, total, last, admissible) -> list[int]:
    """PELT end by end as ruptures runs it, on Python floats (the same IEEE arithmetic as
    numpy's, with less overhead than numpy calls on a few dozen starts), from the end
    ``first``, where ``admissible`` are the starts held before that end and ``total``,
    ``last`` are filled for the ends before it. ``penalized(end, lo)``: cost +
    penalty of the segments from ``lo, lo + 1, ...`` to ``end``. Returns ``last``, the chosen
    start for each end."""
    for end in range(first, n + 1):
        new = end - min_size
        if new == 0 or new >= min_size:  # a start needs a segmentation of the points before it
            admissible.append(new)
        lo = admissible[0]
        costs = penalized(end, lo)
        candidates = [total[t] + costs[t - lo] for t in admissible]
        best = min(candidates)  # the first of equal minima, as ruptures' min
        total[end], last[end] = best, admissible[candidates.index(best)]
        bound = best + pen
        admissible = [t for t, c in zip(admissible, candidates, strict=True) if c <= bound]
    return last


def _backtrack(last) -> list[int]:
    """The segment ends, from the start chosen for each end."""
    ends, end = [], len(last) - 1
    while (end := int(last[end])) > 0:
        ends.append(end)
    return ends[::-1]


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
    cost = SegmentRSS(model)
    min_size = max(min_size, cost.min_size)  # a line through fewer than 3 points fits exactly

    finite_idx = np.flatnonzero(np.isfinite(x))
    # Squares of values beyond ~1e154 overflow (a diverged float64 loss), and so do sums of
    # values near the float maximum: search a copy scaled to at most 1, the penalty in the same
    # units (the segmentation does not depend on scale); sigma and the penalty are reported in
    # the data's units.
    peak = float(np.max(np.abs(x[finite_idx]))) if finite_idx.size else 0.0
    scale = peak if peak > LARGEST_UNSCALED else 1.0
    if scale != 1.0:
        x = x / scale
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
    if penalty is None:
        unit_pen = penalty_factor * sigma**2 * math.log(m)
    else:
        unit_pen = float(penalty) / scale / scale
    ends = pelt(cost.fit(y), m, min_size, unit_pen)
    pen = float(penalty) if penalty is not None else unit_pen * scale * scale
    return result([int(starts[b]) for b in ends], pen, sigma * scale)
