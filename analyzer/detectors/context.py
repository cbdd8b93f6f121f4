"""What every detector looks at: the run's loss curves prepared once, and the measurements
several detectors share, computed lazily and cached.

Step-level series longer than ``settings.max_windows`` points are aggregated into window
medians (:mod:`analyzer.stats.windowing`) before any test, because per-step losses are noisy and
autocorrelated; the window is reported in the diagnosis summary. Detectors read curves from
here and never touch the raw log, so every detector sees the same preparation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog
from analyzer.model.findings import Evidence
from analyzer.model.hints import Hints
from analyzer.settings import Settings
from analyzer.stats.equivalence import EquivalenceResult, log_ratios, tost_log_ratio
from analyzer.stats.order import median
from analyzer.stats.shape import ConvergenceFit, fit_convergence, hampel, noise_scale
from analyzer.stats.trend import TrendAnalysis, trend_analysis
from analyzer.stats.windowing import window


@dataclass(frozen=True, eq=False)
class Curve:
    """One prepared series: ``steps`` and ``values`` (non-finite values kept), the window it was
    aggregated with (1 = raw points) and whether its points are epochs or steps."""

    name: str
    steps: np.ndarray
    values: np.ndarray
    granularity: Granularity
    window: int = 1
    nonfinite_in_raw: int = 0

    @property
    def n(self) -> int:
        return int(self.values.size)

    @cached_property
    def finite_mask(self) -> np.ndarray:
        return np.isfinite(self.values)

    @cached_property
    def x(self) -> np.ndarray:
        """Steps of the finite points."""
        return self.steps[self.finite_mask]

    @cached_property
    def y(self) -> np.ndarray:
        """Finite values, in order."""
        return self.values[self.finite_mask]

    @property
    def n_finite(self) -> int:
        return int(self.y.size)

    @property
    def smooth_size(self) -> int:
        """Width of the running mean in :attr:`smooth` (about 1/10 of the run, 3 to 21)."""
        return max(3, min(2 * (self.n_finite // 20) + 1, 21))

    @cached_property
    def smooth(self) -> np.ndarray:
        """A robust smooth of the finite values: Hampel-filtered (spikes replaced) then a
        centred running mean over :attr:`smooth_size` points."""
        y = self.y
        if y.size < 5:
            return y.copy()
        size = self.smooth_size
        cleaned = hampel(y, size)
        half = size // 2
        # np.pad(cleaned, half, mode="edge"), without its ~10 us of generality
        padded = np.concatenate((np.full(half, cleaned[0]), cleaned, np.full(half, cleaned[-1])))
        kernel = np.ones(size) / size
        return np.convolve(padded, kernel, mode="valid")

    @cached_property
    def sigma(self) -> float:
        """Robust point-to-point noise scale (NaN when it cannot be measured)."""
        result = noise_scale(self.y)
        return float(result.sigma) if result.ok else math.nan

    @cached_property
    def level(self) -> float:
        """A robust typical magnitude of the curve: median of |smooth|."""
        return median(np.abs(self.smooth)) if self.y.size else math.nan

    @cached_property
    def net_improvement(self) -> float:
        """(head - end) / head, where head is the mean of the first 10% of the finite points
        (at least 2) and end the mean of the last 25% (at least 3): a noise-robust measure of
        how much the curve fell over the run (NaN when the head is not positive)."""
        n = self.n_finite
        if n < 4:
            return float("nan")
        head = float(np.mean(self.y[: max(2, n // 10)]))
        end = float(np.mean(self.y[-max(3, n // 4) :]))
        return (head - end) / head if head > 0 else float("nan")

    def tail_slice(self, fraction: float, min_points: int) -> slice:
        """The last ``fraction`` of the finite points (at least ``min_points``)."""
        k = max(min_points, math.ceil(fraction * self.n_finite))
        return slice(max(0, self.n_finite - k), self.n_finite)


def prepare(series: Series, settings: Settings) -> Curve:
    """``series`` as every detector sees it: a step series longer than
    ``settings.max_windows`` points becomes window medians (NaN where a window held a
    non-finite value), anything else is kept point for point."""
    nonfinite = int(np.count_nonzero(~np.isfinite(series.values)))
    if series.granularity is Granularity.STEP and len(series) > settings.max_windows:
        w = window(series.values, series.steps, max_windows=settings.max_windows)
        # Window medians: robust to the few-step spikes that LOSS_SPIKES finds on raw steps.
        values = w.median.copy()
        # A window that held NaN/inf is evidence of divergence: keep it visible.
        values[w.nonfinite > 0] = np.nan
        return Curve(series.name, w.center_step, values, series.granularity, w.size, nonfinite)
    return Curve(series.name, series.steps, series.values, series.granularity, 1, nonfinite)


def _pick(log: TrainingLog, metric: str, split: Split) -> Series | None:
    return log.get(metric, split)


def _error_rate(accuracy: Series | None) -> Series | None:
    """``1 - accuracy`` as a lower-is-better stand-in for a loss, for logs that recorded only
    accuracy (percentages are scaled to fractions). None when the values are not accuracies."""
    if accuracy is None:
        return None
    values = accuracy.values
    finite = values[np.isfinite(values)]
    if finite.size == 0 or finite.min() < 0 or finite.max() > 100:
        return None
    scale = 100.0 if finite.max() > 1 else 1.0
    prefix = "" if accuracy.split is Split.TRAIN else f"{accuracy.name.split('_')[0]}_"
    return replace(
        accuracy,
        name=f"{prefix}error_rate",
        metric=Metric.LOSS,
        metric_name="error_rate",
        direction=Direction.LOWER,
        values=1.0 - values / scale,
        original_name=f"1 - {accuracy.original_name}",
    )


@dataclass(frozen=True)
class Improvement:
    """A curve still falling at the end: the tail tested, its trend, the tail's length in
    steps, and the relative improvement projected over another tail-length (at Sen's slope,
    and at the least steep slope of its one-sided ``1 - alpha`` confidence bound)."""

    tail: slice
    trend: TrendAnalysis
    span: float
    projected: float
    assured: float

    def evidence(self, settings: Settings, unit: str, prefix: str = "") -> tuple[Evidence, ...]:
        """The trend test, the slope and both projections, as a finding reports them."""
        test = self.trend.test
        return (
            Evidence(
                f"{prefix}mk_z",
                test.z,
                "Mann-Kendall z over the tail",
                test=f"mann_kendall[{test.method}]",
                p_value=test.p_decreasing,
                threshold=settings.alpha,
                threshold_on="p_value",
                comparison="<",
            ),
            Evidence(
                f"{prefix}sen_slope",
                self.trend.sen.slope,
                "Sen's slope over the tail",
                unit=f"per {unit}",
            ),
            Evidence(
                "projected_improvement",
                self.projected,
                "relative improvement the tail's slope projects over another tail-length",
            ),
            Evidence(
                "assured_improvement",
                self.assured,
                "the same, at the least steep slope of the one-sided (1 - alpha) bound",
                test="sens_slope_ci",
                threshold=settings.not_converged_min_assured,
                comparison=">=",
            ),
        )


class RunContext:
    """The prepared run plus shared, cached measurements."""

    def __init__(self, log: TrainingLog, hints: Hints | None, settings: Settings) -> None:
        self.log = log
        self.hints = hints or Hints()
        self.settings = settings
        self.train_series = _pick(log, "loss", Split.TRAIN)
        self.val_series = _pick(log, "loss", Split.VALIDATION)
        #: Set when no loss was logged and the curves are error rates (1 - accuracy).
        self.proxy: str | None = None
        if self.train_series is None and self.val_series is None:
            self.train_series = _error_rate(_pick(log, "accuracy", Split.TRAIN))
            self.val_series = _error_rate(_pick(log, "accuracy", Split.VALIDATION))
            if self.train_series or self.val_series:
                self.proxy = "error rate (1 - accuracy): the log has no loss"
        self.train = prepare(self.train_series, settings) if self.train_series else None
        self.val = prepare(self.val_series, settings) if self.val_series else None
        acc = _pick(log, "accuracy", Split.VALIDATION)
        self.val_accuracy = prepare(acc, settings) if acc and not self.proxy else None
        lr = log.get("lr", Split.TRAIN)
        self.lr = prepare(lr, settings) if lr else None
        self._trends: dict[tuple[Curve, tuple[int, int, int], float], TrendAnalysis] = {}

    # --- shared measurements ---------------------------------------------------------------
    @property
    def unit(self) -> str:
        """``epoch`` or ``step``: what the steps of the primary curve count."""
        curve = self.train or self.val
        return str(curve.granularity) if curve else "epoch"

    @property
    def window(self) -> int:
        return max((c.window for c in (self.train, self.val) if c is not None), default=1)

    @cached_property
    def primary(self) -> Curve | None:
        """The curve most detectors judge learning by: training loss, else validation loss."""
        return self.train if self.train is not None else self.val

    def trend(
        self, curve: Curve, part: slice | None = None, alpha: float | None = None
    ) -> TrendAnalysis:
        """Autocorrelation-corrected Mann-Kendall + Sen's slope over a slice of finite points
        (``alpha``: that of the slope's two-sided interval, default ``settings.alpha``).
        Cached per curve, range and alpha: several detectors test the same stretch (the
        validation loss after its minimum, for one)."""
        part = part or slice(None)
        alpha = self.settings.alpha if alpha is None else alpha
        key = (curve, part.indices(curve.n_finite), alpha)
        if key not in self._trends:
            self._trends[key] = trend_analysis(
                curve.y[part], t=curve.x[part], method=self.settings.trend_method, alpha=alpha
            )
        return self._trends[key]

    @cached_property
    def lr_drops(self) -> np.ndarray:
        """Steps at which the logged learning rate falls by at least a third (schedule
        changes: curves are piecewise there, so trends are tested after the last one)."""
        series = self.log.get("lr", Split.TRAIN)
        if series is None or len(series) < 2:
            return np.zeros(0)
        lr = series.values
        with np.errstate(invalid="ignore", divide="ignore"):
            falls = lr[1:] < lr[:-1] / 1.5
        return series.steps[1:][falls]

    def tail(self, curve: Curve) -> slice:
        """The end of the run for trend tests: the last ``tail_fraction`` of the finite points,
        starting after the last learning-rate drop (plus a few points to settle) when one
        falls inside it. The slice may then be shorter than ``min_tail_points``."""
        s = self.settings
        part = curve.tail_slice(s.tail_fraction, s.min_tail_points)
        drops = self.lr_drops
        if drops.size:
            settle = max(4, curve.n_finite // 20)
            after = int(np.searchsorted(curve.x, drops[-1], side="left")) + settle
            if after > part.start:
                part = slice(min(after, part.stop), part.stop)
        return part

    def still_improving(self, curve: Curve) -> Improvement | None:
        """How the end of ``curve`` is still falling, or None when it is not meaningfully:
        a significant decreasing trend over :meth:`tail` whose Sen's slope projects at least
        ``not_converged_min_remaining`` (relative) over another tail-length, and whose
        least steep slope (see below) still projects ``not_converged_min_assured``.
        Both matter: a 5% test alone fires on noise once in twenty, and a short noisy tail
        can project a large improvement from a slope it cannot pin down.

        The least steep slope is the one-sided ``1 - alpha`` bound (the upper limit of the
        two-sided ``1 - 2 alpha`` interval), the same level as the one-sided trend test: the
        two-sided ``1 - alpha`` limit would demand more of the slope than of the test.
        A tail that only climbs back down from a bump (its smoothed end no lower than the
        curve had already been before the tail) is recovering, not still improving."""
        s = self.settings
        tail = self.tail(curve)
        if tail.stop - tail.start < s.min_points:
            return None
        # The recovery check first: it is cheap, and the trend test is not needed when it fails.
        if tail.start > 0 and curve.smooth[-1] >= np.min(curve.smooth[: tail.start]):
            return None
        span = float(curve.x[-1] - curve.x[tail.start])
        end_level = abs(float(curve.smooth[-1]))
        if end_level <= 0 or span <= 0:
            return None
        trend = self.trend(curve, tail, alpha=2 * s.alpha)
        # Sen's slope and its projection first: they cost a fraction of the test and interval.
        projected = -trend.slope * span / end_level
        if trend.slope >= 0 or projected < s.not_converged_min_remaining:
            return None
        if not trend.ok or trend.test.p_decreasing >= s.alpha:
            return None
        assured = -trend.sen.ci.high * span / end_level
        if assured < s.not_converged_min_assured:
            return None
        return Improvement(tail, trend, span, projected, assured)

    @cached_property
    def train_fit(self) -> ConvergenceFit | None:
        return fit_convergence(self.train.y, self.train.x) if self.train is not None else None

    @cached_property
    def best_val_index(self) -> int | None:
        """Index (into ``val.x``/``val.y``) of the lowest finite validation loss."""
        if self.val is None or self.val.n_finite == 0:
            return None
        return int(np.argmin(self.val.y))

    @cached_property
    def paired(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """``(steps, train, val)`` at the steps where both losses are finite.

        Same steps are matched exactly; otherwise (step-level training loss with sparse
        evaluation) the windowed training curve is interpolated at the evaluation steps.
        """
        if self.train is None or self.val is None or self.train.n_finite < 2:
            return None
        vx, vy = self.val.x, self.val.y
        tx = self.train.x
        if tx.size == vx.size >= 3 and np.array_equal(tx, vx) and np.all(tx[1:] > tx[:-1]):
            return tx, self.train.y, vy  # np.intersect1d's answer, without its sorts
        common, ti, vi = np.intersect1d(tx, vx, return_indices=True)
        if common.size >= max(3, vx.size // 2):
            return common, self.train.y[ti], vy[vi]
        inside = (vx >= self.train.x[0]) & (vx <= self.train.x[-1])
        if np.count_nonzero(inside) < 3:
            return None
        interpolated = np.interp(vx[inside], self.train.x, self.train.smooth)
        return vx[inside], interpolated, vy[inside]

    @cached_property
    def equivalence(self) -> EquivalenceResult | None:
        """TOST of training against validation loss over the second half of the paired
        points (None without both curves); read by TRAIN_VAL_SIMILAR and UNDERFITTING."""
        if self.paired is None:
            return None
        train, val = self._second_half
        return tost_log_ratio(train, val, margin=self._log_margin, alpha=self.settings.alpha)

    @cached_property
    def equivalence_possible(self) -> bool:
        """False when :attr:`equivalence` cannot find the losses equivalent because their mean
        log ratio lies outside the margin (one of its one-sided p-values is then at least 0.5):
        a look that costs a fraction of the test and spares it."""
        if self.paired is None:
            return False
        d, _ = log_ratios(*self._second_half)
        return d.size == 0 or abs(float(np.mean(d))) < self._log_margin

    @property
    def _second_half(self) -> tuple[np.ndarray, np.ndarray]:
        _, train, val = self.paired
        half = slice(train.size // 2, None)
        return train[half], val[half]

    @property
    def _log_margin(self) -> float:
        return math.log1p(self.settings.equivalence_margin)  # the relative margin, as a log ratio

    @cached_property
    def baseline(self) -> tuple[float, str, bool]:
        """``(loss, how it was derived, from hints?)``: the chance baseline from hints, else
        the run's own initial training loss (the level a model that learned nothing keeps)."""
        chance = self.hints.chance_baseline()
        if chance is not None:
            return chance[0], chance[1], True
        curve = self.primary
        if curve is None or curve.n_finite == 0:
            return math.nan, "unknown", False
        return float(curve.y[0]), "the run's initial loss (no chance baseline given)", False
