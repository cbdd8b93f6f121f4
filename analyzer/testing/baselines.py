"""The rules other tools use to judge a training run, as baselines for the benchmark.

Each baseline takes a :class:`TrainingLog` (and hints, which none of them use) and returns the
codes it would flag plus, for overfitting, the onset it would report. They are written from
the tools' own definitions, not tuned to our cases:

- :func:`keras_early_stopping`: ``keras.callbacks.EarlyStopping(monitor="val_loss",
  patience=5)`` as implemented in Keras 3 (``keras/src/callbacks/early_stopping.py``): every
  epoch ``wait += 1``; a value strictly below the best so far (``min_delta=0``) becomes the best
  and resets ``wait`` to 0; otherwise training stops once ``wait >= patience`` (never at epoch 0).
  NaN is never an improvement. Flags OVERFITTING when it would stop before the last epoch;
  onset = its best epoch (the one ``restore_best_weights`` would restore).
- :func:`gap_rule`: a fixed 10 % generalization-gap rule with patience 1: OVERFITTING and
  GENERALIZATION_GAP once ``val > 1.1 * train`` for 2 consecutive epochs; onset = the first
  epoch of that pair.
- :func:`val_up_train_down`: the single-epoch rule: OVERFITTING at the first epoch where val
  rises while train falls; onset = that epoch.
- :func:`autotrainer`: the loss checks of AutoTrainer (Zhang et al., ICSE'21), read from
  ``AutoTrainer/utils/monitor.py`` (``loss_issue``, ``ol_judge``, ``max_delta_acc``) with its
  default parameters zeta = 0.03, eta = 0.2, delta = 0.01:

  * a NaN/inf in train or val loss, or a last val loss >= 1e5, sets ``nan_loss`` and returns
    before any other check -> NON_FINITE_LOSS only;
  * oscillation (``ol_judge``): the local maxima and the local minima of the curve (interior
    points, ties count, so a flat point is both) are listed in order; the i-th maximum is paired
    with the i-th minimum and a pair counts when ``max - min >= zeta``; OSCILLATION when the
    count is ``>= eta * len(curve)``;
  * slow convergence (``sc_accuracy``): the largest one-epoch gain of the curve is below delta
    for both train and val -> SLOW_CONVERGENCE.

  AutoTrainer applies these to *accuracy* (``history['acc']``, gains are increases). Our logs
  mostly have only losses, so by default (``metric="loss"``) the same thresholds are applied to
  the loss with gains as decreases; ``metric="accuracy"`` applies them to the accuracy series as
  the original does (and flags nothing when there is none). Its other loss check
  (``test_turn_bad``, val up while train down) is computed but never used in its final decision
  (the overfit branch is commented out), so it is left out here, as is the judgement point
  (checks start after 30 % of the planned epochs), which a finished log always passes.

Logs at step granularity are compared per validation evaluation: each evaluation becomes an
"epoch" whose training loss is the mean of the training steps since the previous evaluation
(what Keras reports as the epoch's loss).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from analyzer.model.findings import Code
from analyzer.model.hints import Hints
from analyzer.model.series import Series, Split, TrainingLog


@dataclass(frozen=True)
class BaselineResult:
    """What a baseline flags, and the overfitting onset (epoch or step) where it has one."""

    codes: frozenset[Code]
    onset: float | None = None


Baseline = Callable[[TrainingLog, Hints | None], BaselineResult]
_NONE = BaselineResult(frozenset())


def _loss(log: TrainingLog, split: Split) -> Series | None:
    return log.get("loss", split)


def aligned_losses(log: TrainingLog) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(x, train, val)`` on the validation evaluations, or None without both series.

    Epoch logs are matched by epoch; when train has points between evaluations (step logs), the
    train value of an evaluation is the mean of its points since the previous evaluation.
    """
    train, val = _loss(log, Split.TRAIN), _loss(log, Split.VALIDATION)
    if train is None or val is None or len(val) == 0 or len(train) == 0:
        return None
    if np.array_equal(train.steps, val.steps):
        return val.steps, train.values, val.values
    edges = np.searchsorted(train.steps, val.steps, side="right")  # train points <= each eval
    starts = np.concatenate(([0], edges[:-1]))
    counts = edges - starts
    cumulative = np.concatenate(([0.0], np.cumsum(train.values)))
    means = (cumulative[edges] - cumulative[starts]) / np.maximum(counts, 1)
    keep = counts > 0
    return val.steps[keep], means[keep], val.values[keep]


def keras_early_stopping(
    log: TrainingLog, hints: Hints | None = None, *, patience: int = 5
) -> BaselineResult:
    """Keras ``EarlyStopping(monitor="val_loss", patience=patience)`` replayed on the log."""
    val = _loss(log, Split.VALIDATION)
    if val is None:
        return _NONE
    best, best_epoch, wait = np.inf, 0, 0
    for epoch, current in enumerate(val.values):
        wait += 1
        if current < best:  # False for NaN, as ops.less is
            best, best_epoch, wait = current, epoch, 0
            continue
        if wait >= patience and epoch > 0:
            if epoch < len(val) - 1:
                return BaselineResult(frozenset({Code.OVERFITTING}), float(val.steps[best_epoch]))
            break
    return _NONE


def gap_rule(
    log: TrainingLog, hints: Hints | None = None, *, ratio: float = 1.1, patience: int = 1
) -> BaselineResult:
    """OVERFITTING and GENERALIZATION_GAP once val > ratio * train for patience + 1 epochs."""
    pair = aligned_losses(log)
    if pair is None:
        return _NONE
    x, train, val = pair
    run = 0
    for i, above in enumerate(val > ratio * train):
        run = run + 1 if above else 0
        if run > patience:
            onset = float(x[i - patience])
            return BaselineResult(frozenset({Code.OVERFITTING, Code.GENERALIZATION_GAP}), onset)
    return _NONE


def val_up_train_down(log: TrainingLog, hints: Hints | None = None) -> BaselineResult:
    """OVERFITTING at the first epoch where val rises while train falls."""
    pair = aligned_losses(log)
    if pair is None:
        return _NONE
    x, train, val = pair
    hits = np.flatnonzero((np.diff(val) > 0) & (np.diff(train) < 0))
    if hits.size == 0:
        return _NONE
    return BaselineResult(frozenset({Code.OVERFITTING}), float(x[hits[0] + 1]))


def _oscillates(curve: np.ndarray, zeta: float, eta: float) -> bool:
    """AutoTrainer's ``ol_judge``: enough (i-th max, i-th min) pairs at least ``zeta`` apart."""
    if curve.size < 3:
        return False
    mid, left, right = curve[1:-1], curve[:-2], curve[2:]
    maxima = mid[(mid >= left) & (mid >= right)]
    minima = mid[(mid <= left) & (mid <= right)]
    pairs = min(maxima.size, minima.size)
    count = int(np.count_nonzero(maxima[:pairs] - minima[:pairs] >= zeta))
    return count >= eta * curve.size


def _largest_gain(curve: np.ndarray, higher_is_better: bool) -> float:
    """AutoTrainer's ``max_delta_acc``: the largest one-epoch improvement, at least 0."""
    if curve.size < 2:
        return 0.0
    steps = np.diff(curve) if higher_is_better else -np.diff(curve)
    return max(0.0, float(np.max(steps)))


def autotrainer(
    log: TrainingLog,
    hints: Hints | None = None,
    *,
    zeta: float = 0.03,
    eta: float = 0.2,
    delta: float = 0.01,
    metric: str = "loss",
) -> BaselineResult:
    """AutoTrainer's NaN, oscillation and slow-convergence checks (see the module docstring)."""
    train, val = _loss(log, Split.TRAIN), _loss(log, Split.VALIDATION)
    if train is None:
        return _NONE
    losses = [s.values for s in (train, val) if s is not None]
    if any(not np.isfinite(v).all() for v in losses) or (val is not None and val.values[-1] >= 1e5):
        return BaselineResult(frozenset({Code.NON_FINITE_LOSS}))
    if metric == "accuracy":
        curves = [log.get("accuracy", Split.TRAIN), log.get("accuracy", Split.VALIDATION)]
        if curves[0] is None:
            return _NONE
        higher = True
    else:
        curves, higher = [train, val], False
    present = [c.values for c in curves if c is not None]
    codes = set()
    if _oscillates(present[0], zeta, eta):
        codes.add(Code.OSCILLATION)
    if all(_largest_gain(c, higher) < delta for c in present):
        codes.add(Code.SLOW_CONVERGENCE)
    return BaselineResult(frozenset(codes))


#: The baselines by name, as the benchmark prints them.
BASELINES: Mapping[str, Baseline] = {
    "keras_es_p5": keras_early_stopping,
    "gap_10pct": gap_rule,
    "val_up_train_down": val_up_train_down,
    "autotrainer": autotrainer,
}

#: The codes each baseline can flag: it is scored on these only.
COVERAGE: Mapping[str, frozenset[Code]] = {
    "keras_es_p5": frozenset({Code.OVERFITTING}),
    "gap_10pct": frozenset({Code.OVERFITTING, Code.GENERALIZATION_GAP}),
    "val_up_train_down": frozenset({Code.OVERFITTING}),
    "autotrainer": frozenset({Code.NON_FINITE_LOSS, Code.OSCILLATION, Code.SLOW_CONVERGENCE}),
}
