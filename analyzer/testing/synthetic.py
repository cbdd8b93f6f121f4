"""Seeded synthetic training runs with known ground truth, for testing and benchmarking diagnosis.

Why synthetic: real logs come without labels, and a benchmark needs runs whose diagnosis is not
a matter of opinion. Every case here is built from a noise-free curve whose property is put in
by construction with an effect size chosen to stand clearly above the noise added on top (the
effect sizes scale with the noise level, so a phenomenon is never labelled where the noise would
drown it). The noise-free curves are kept on each case (:attr:`Case.clean`) so tests can check
the claimed property numerically.

Curves are written as functions of the run's fraction ``t`` in [0, 1], so a family looks the same
at 20 epochs and at 100,000 steps. Noise is AR(1) (``phi`` drawn in [0, 0.7]) with unit marginal
variance, scaled by the relative level ``sigma`` (0.5 %, 2 %, 5 % by default), either
multiplicative (``y = c * exp(sigma * e)``) or additive (``y = c + sigma * min(c) * e``, so the
relative noise is ``sigma`` at the lowest point of the curve and smaller elsewhere). Accuracy
series get additive noise of ``sigma / 5`` in absolute accuracy.

Granularity: runs of up to 1,000 points are per-epoch logs (epochs 0..n-1, Keras style). Longer
runs are per-step logs: the training loss at every step with per-step minibatch noise
(``1.5 * sigma``), and the validation loss evaluated every ``k`` steps (40 to 200 evaluations),
both with ``Granularity.STEP``.

Families (``t_x`` are fractions of the run; "gap" means val = train * (1 + gap)):

==========================  =====================================================================
family                      construction
==========================  =====================================================================
healthy                     exponential (tau 0.05-0.09), power-law (t0 0.005-0.015, alpha 2-3) or
                            converged-early (tau 0.015-0.03) decay by 3-10x; the last quarter
                            falls < 0.5 %; gap 3-12 %; half start at ln K with a cross-entropy
                            hint. Lengths from 5.
overfitting                 train keeps falling (hyperbolic, ends at 5-25 % of its start); val =
                            train * (1 + 3-20 %) plus a rise after ``t_on`` in [0.15, 0.55] so the
                            val end is >= max(20 %, 6 sigma) above its minimum. Onset = argmin of
                            the clean val. Half carry accuracy series that fall after the onset.
non_finite                  healthy decay, then NaN (or inf, or a short blow-up then NaN) from
                            ``t`` in [0.3, 0.9]; val turns NaN too in 70 % of cases.
divergence                  "rebound": converges to a minimum at ``t`` 0.2-0.5 then grows
                            exponentially to 1.8-5x the minimum; "from_start": rises from the
                            first epoch to 1.8-5x the start. Val follows.
oscillation                 decay with a zig-zag (alternating sign) or erratic multiplicative
                            component of relative amplitude 20-40 % on train and val.
loss_spikes                 healthy decay plus 1-3 isolated spikes (epochs: one point at
                            +max(60 %, 15 sigma) up to +300 %; steps: 1-20 steps at 2-6x) between
                            ``t`` 0.15 and 0.95; val without spikes.
slow_convergence            linear fall by max(8 %, 5 sigma) to 30 % over the whole run.
not_converged               exponential with tau 0.3-0.7: the last quarter still falls
                            >= max(8 %, 4 sigma); 30 % have no validation series.
plateau                     "start": flat at the initial level, "mid": fast fall then flat; the
                            flat stretch covers >= 35 % of the run, then a sigmoid drop by 40-80 %.
no_learning                 flat at ln 2 with a binary cross-entropy hint, or flat at the initial
                            level without hints; val within 0-5 % above.
underfitting                hinted baseline (ln K, ln 2 or Var(y)); fast fall to 50-80 % of it,
                            then flat; val within +-3 % of train.
train_val_similar_low       decays to 3-20 % of its start (ln K when hinted); val within +-2 %.
generalization_gap          val converges with train's shape to 1.6-3x train's final level,
                            never rising.
noisy_validation            healthy train; val noise iid multiplicative with relative sigma
                            max(8 %, 4 sigma) to twice that.
val_below_train             healthy; val = train * (0.8-0.9) throughout.
possible_leakage            healthy; val = train * (0.3-0.6) from epoch 0.
stopped_while_improving     train converged (last quarter < 1 %); val has an extra slow
                            exponential component so its last quarter still falls by
                            max(6 %, 4 sigma) to 1.5 times that.
wasted_epochs               train and val reach their floor at ``t_b`` in [0.1, 0.4] (quadratic
                            approach, zero slope) and stay exactly flat.
loss_scale_anomaly          first loss 10^2.2-10^4 times the normal curve, decaying with a time
                            constant of 0.2-0.5 epochs; val without it.
accuracy_loss_disagreement  overfitting-shaped losses (rise >= max(15 %, 6 sigma)) while val
                            accuracy keeps rising by >= max(3 points, 4 accuracy sigma) after
                            the onset.
insufficient_data           2-4 epochs of a falling curve.
lr_drop                     decays to a floor, then at each of 1-2 LR drops (x0.1, logged as
                            ``lr``) steps down by 20-50 % within 1-3 epochs; healthy.
==========================  =====================================================================

What each case expects (must be found), allows (acceptable alongside) and names as primary:

==========================  ===================  ============================================
family                      expected             allowed
==========================  ===================  ============================================
healthy                     -                    TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 WASTED_EPOCHS
overfitting                 OVERFITTING *        WASTED_EPOCHS, GENERALIZATION_GAP,
                                                 ACCURACY_LOSS_DISAGREEMENT (unless val accuracy
                                                 falls with the loss)
non_finite                  NON_FINITE_LOSS *    DIVERGENCE, LOSS_SPIKES, OSCILLATION,
                                                 NOT_CONVERGED, STOPPED_WHILE_IMPROVING,
                                                 TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 INSUFFICIENT_DATA (under 5 finite points)
divergence                  DIVERGENCE *         OSCILLATION, LOSS_SPIKES, WASTED_EPOCHS,
                                                 NO_LEARNING (from_start only)
oscillation                 OSCILLATION *        LOSS_SPIKES, NOT_CONVERGED, TRAIN_VAL_SIMILAR,
                                                 WASTED_EPOCHS, STOPPED_WHILE_IMPROVING
loss_spikes                 LOSS_SPIKES *        TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 WASTED_EPOCHS
slow_convergence            SLOW_CONVERGENCE *   NOT_CONVERGED, UNDERFITTING, TRAIN_VAL_SIMILAR,
                                                 STOPPED_WHILE_IMPROVING, VAL_BELOW_TRAIN
not_converged               NOT_CONVERGED *      STOPPED_WHILE_IMPROVING, TRAIN_VAL_SIMILAR,
                                                 VAL_BELOW_TRAIN
plateau                     PLATEAU *            NOT_CONVERGED, STOPPED_WHILE_IMPROVING,
                                                 TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 WASTED_EPOCHS
no_learning                 NO_LEARNING *        UNDERFITTING, TRAIN_VAL_SIMILAR, WASTED_EPOCHS
underfitting                UNDERFITTING *       TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 WASTED_EPOCHS
train_val_similar_low       TRAIN_VAL_SIMILAR    VAL_BELOW_TRAIN, WASTED_EPOCHS
generalization_gap          GENERALIZATION_GAP * WASTED_EPOCHS
noisy_validation            NOISY_VALIDATION *   TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 WASTED_EPOCHS
val_below_train             VAL_BELOW_TRAIN      TRAIN_VAL_SIMILAR, WASTED_EPOCHS
possible_leakage            POSSIBLE_LEAKAGE *   VAL_BELOW_TRAIN, WASTED_EPOCHS
stopped_while_improving     STOPPED_WHILE_       NOT_CONVERGED, GENERALIZATION_GAP,
                            IMPROVING *          TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN
wasted_epochs               WASTED_EPOCHS        TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN
loss_scale_anomaly          LOSS_SCALE_ANOMALY * VAL_BELOW_TRAIN, TRAIN_VAL_SIMILAR,
                                                 WASTED_EPOCHS
accuracy_loss_disagreement  OVERFITTING *,       WASTED_EPOCHS, GENERALIZATION_GAP
                            ACCURACY_LOSS_
                            DISAGREEMENT
insufficient_data           INSUFFICIENT_DATA    -
lr_drop                     -                    TRAIN_VAL_SIMILAR, VAL_BELOW_TRAIN,
                                                 WASTED_EPOCHS
==========================  ===================  ============================================

``*`` marks the primary (the one thing to fix first); families without one are healthy runs
(primary None). Choices worth defending: NOT_CONVERGED is not allowed on overfitting (training
longer is the wrong advice there); PLATEAU is not allowed on lr_drop (the ``lr`` series explains
the flat stretch and the step); both ACCURACY_LOSS_DISAGREEMENT and OVERFITTING are expected when
val loss rises while val accuracy rises, because both statements are true of the curves.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from scipy.signal import lfilter

from analyzer.model.findings import Code
from analyzer.model.hints import Hints, LossKind
from analyzer.model.series import Direction, Granularity, Metric, Series, Split, TrainingLog

C = Code

#: Relative noise levels used when none are given.
NOISE_LEVELS: tuple[float, ...] = (0.005, 0.02, 0.05)
#: Epoch-granularity lengths drawn from when none are given (filtered by each family's minimum).
EPOCH_LENGTHS: tuple[int, ...] = (5, 10, 20, 30, 50, 100, 200, 500, 1000)
#: Step-granularity lengths for the families that support per-step logs.
STEP_LENGTHS: tuple[int, ...] = (5_000, 20_000)
#: The length of the few long per-step cases ``generate`` adds by default.
LONG_LENGTH = 100_000
#: Above this many points a run is a per-step log.
MAX_EPOCHS = 1_000

_HEALTHY_ALLOWED = frozenset({C.TRAIN_VAL_SIMILAR, C.VAL_BELOW_TRAIN, C.WASTED_EPOCHS})


@dataclass(frozen=True)
class Case:
    """One synthetic run and what a correct diagnosis of it says."""

    name: str
    family: str
    log: TrainingLog
    hints: Hints | None
    expected: frozenset[Code]  # must be found
    allowed: frozenset[Code]  # acceptable alongside, neither right nor wrong
    primary: Code | None  # the one thing to fix first; None for a healthy run
    onset: float | None  # true overfitting onset (step/epoch of the clean val minimum)
    noise: float  # relative noise level sigma
    length: int  # points of the training loss series
    granularity: Granularity
    variant: str = ""
    #: Noise-free curves by series name (``loss``, ``val_loss``, ``val_accuracy``...).
    clean: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class _Grid:
    """Where a run is observed: train at ``x`` (fractions ``t``), val at ``xv`` (``tv``)."""

    x: np.ndarray
    t: np.ndarray
    xv: np.ndarray
    tv: np.ndarray
    step: bool

    @property
    def n(self) -> int:
        return int(self.x.size)


@dataclass
class _Truth:
    """What a family builder returns: clean curves plus labels."""

    variant: str
    train: np.ndarray
    val: np.ndarray | None
    expected: frozenset[Code]
    allowed: frozenset[Code]
    primary: Code | None
    hints: Hints | None = None
    accuracy: np.ndarray | None = None
    val_accuracy: np.ndarray | None = None
    lr: np.ndarray | None = None
    nan_from: float | None = None  # fraction of the run from which the loss is non-finite
    nan_val: bool = True
    nan_kind: str = "nan"
    val_sigma: float | None = None  # overrides the val noise level (noisy_validation)
    val_phi: float | None = None
    has_onset: bool = False


Builder = Callable[[np.random.Generator, _Grid, float, Mapping[str, object]], _Truth]


# --------------------------------------------------------------------------- curve pieces


def _exp(t: np.ndarray, start: float, end: float, tau: float) -> np.ndarray:
    return end + (start - end) * np.exp(-t / tau)


def _power(t: np.ndarray, start: float, end: float, t0: float, alpha: float) -> np.ndarray:
    return end + (start - end) * (1.0 + t / t0) ** -alpha


def _pick(params: Mapping[str, object], key: str, draw: Callable[[], object]) -> object:
    """A parameter given by the caller, else a seeded draw (so ``case(..., shape="power")``)."""
    return params[key] if key in params else draw()


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _classification(rng: np.random.Generator, p: Mapping[str, object]) -> tuple[float, Hints]:
    """A chance-level start ln K and the matching hint (binary or K-class cross-entropy)."""
    k = int(_pick(p, "num_classes", lambda: rng.choice([2, 10, 100])))  # type: ignore[arg-type]
    if k == 2:
        return math.log(2), Hints(loss=LossKind.BINARY_CROSSENTROPY)
    return math.log(k), Hints(loss=LossKind.CATEGORICAL_CROSSENTROPY, num_classes=k)


def _start(rng: np.random.Generator, p: Mapping[str, object]) -> tuple[float, Hints | None]:
    """Half the runs start at a hinted chance level, half at an unhinted level in [0.5, 3]."""
    if bool(_pick(p, "hinted", lambda: rng.random() < 0.5)):
        level, hints = _classification(rng, p)
        return level * _u(rng, 0.97, 1.03), hints
    return _u(rng, 0.5, 3.0), None


def _healthy_decay(rng: np.random.Generator, t: np.ndarray, start: float) -> np.ndarray:
    """A converging decay by 3-10x whose last quarter is flat to within 0.5 %."""
    return _exp(t, start, start / _u(rng, 3, 10), _u(rng, 0.05, 0.09))


def _gap(rng: np.random.Generator) -> float:
    return _u(rng, 0.03, 0.12)


# --------------------------------------------------------------------------- families


def _healthy(rng: np.random.Generator, g: _Grid, sigma: float, p: Mapping[str, object]) -> _Truth:
    shape = str(_pick(p, "shape", lambda: rng.choice(["exp", "power", "converged"])))
    start, hints = _start(rng, p)
    end = start / _u(rng, 3, 10)
    gap = _gap(rng)
    if shape == "exp":
        tau = _u(rng, 0.05, 0.09)

        def curve(t):
            return _exp(t, start, end, tau)
    elif shape == "power":
        t0, alpha = _u(rng, 0.005, 0.015), _u(rng, 2, 3)

        def curve(t):
            return _power(t, start, end, t0, alpha)
    else:
        tau = _u(rng, 0.015, 0.03)

        def curve(t):
            return _exp(t, start, end, tau)

    return _Truth(
        shape, curve(g.t), curve(g.tv) * (1 + gap), frozenset(), _HEALTHY_ALLOWED, None, hints
    )


def _rising_val(
    rng: np.random.Generator, g: _Grid, sigma: float, min_rise: float
) -> tuple[np.ndarray, np.ndarray]:
    """Train falling to the end; val = train * (1 + gap) plus a rise after ``t_on``."""
    start = _u(rng, 0.8, 2.5)
    end = start * _u(rng, 0.05, 0.25)
    t0 = _u(rng, 0.03, 0.1)

    def train_of(t):
        h = (1 + t / t0) ** -1.0
        h1 = (1 + 1 / t0) ** -1.0
        return end + (start - end) * (h - h1) / (1 - h1)

    t_on = _u(rng, 0.15, 0.55)
    gap0 = _u(rng, 0.03, 0.2)
    rise = max(_u(rng, min_rise, min_rise + 0.6), 6 * sigma)
    power = _u(rng, 1.0, 1.5)
    v_on = float(train_of(np.array(t_on))) * (1 + gap0)
    lift = rise * v_on + v_on - float(train_of(np.array(1.0))) * (1 + gap0)

    def val_of(t):
        s = np.clip((t - t_on) / (1 - t_on), 0, None) ** power
        return train_of(t) * (1 + gap0) + lift * s

    return train_of(g.t), val_of(g.tv)


def _overfitting(rng, g, sigma, p) -> _Truth:
    train, val = _rising_val(rng, g, sigma, 0.2)
    allowed = {C.WASTED_EPOCHS, C.GENERALIZATION_GAP, C.ACCURACY_LOSS_DISAGREEMENT}
    truth = _Truth("u_shape", train, val, frozenset({C.OVERFITTING}), frozenset(), C.OVERFITTING)
    if not g.step and bool(_pick(p, "with_accuracy", lambda: rng.random() < 0.5)):
        # Accuracy that agrees with the loss: val accuracy peaks at the onset and then falls.
        a_best = _u(rng, 0.75, 0.92)
        drop = max(_u(rng, 0.04, 0.1), 4 * sigma / 5)
        t_best = g.t[int(np.argmin(val))]
        truth.val_accuracy = np.where(
            g.t <= t_best,
            a_best - (a_best - 0.4) * (1 - g.t / t_best) ** 2,
            a_best - drop * ((g.t - t_best) / (1 - t_best)),
        )
        truth.accuracy = np.minimum(0.99, 0.4 + (a_best + 0.05 - 0.4) * g.t / t_best * 1.2)
        truth.variant = "u_shape_acc_falls"
        allowed.discard(C.ACCURACY_LOSS_DISAGREEMENT)
    truth.allowed = frozenset(allowed)
    truth.has_onset = True
    return truth


def _non_finite(rng, g, sigma, p) -> _Truth:
    kind = str(_pick(p, "kind", lambda: rng.choice(["nan", "inf", "blowup"])))
    start = _u(rng, 0.5, 3.0)
    tau = _u(rng, 0.1, 0.3)
    train = _exp(g.t, start, start * _u(rng, 0.1, 0.3), tau)
    val = _exp(g.tv, start, start * _u(rng, 0.1, 0.3), tau) * (1 + _gap(rng))
    nan_from = _u(rng, 0.3, 0.9)
    if kind == "blowup":  # a short explosion in the 10 % of the run before the NaN
        ramp = np.clip((g.t - (nan_from - 0.1)) / 0.1, 0, None)
        train = train * np.exp(3 * ramp)
    allowed = {
        C.DIVERGENCE,
        C.LOSS_SPIKES,
        C.OSCILLATION,
        C.NOT_CONVERGED,
        C.STOPPED_WHILE_IMPROVING,
        C.TRAIN_VAL_SIMILAR,
        C.VAL_BELOW_TRAIN,
    }
    if np.count_nonzero(g.t < nan_from) < 5:
        allowed.add(C.INSUFFICIENT_DATA)
    truth = _Truth(
        kind, train, val, frozenset({C.NON_FINITE_LOSS}), frozenset(allowed), C.NON_FINITE_LOSS
    )
    truth.nan_from = nan_from
    truth.nan_kind = "inf" if kind == "inf" else "nan"
    truth.nan_val = bool(_pick(p, "nan_val", lambda: rng.random() < 0.7))
    return truth


def _divergence(rng, g, sigma, p) -> _Truth:
    kind = str(_pick(p, "kind", lambda: rng.choice(["rebound", "from_start"])))
    start = _u(rng, 0.5, 3.0)
    factor = _u(rng, 1.8, 5.0)
    gap = _gap(rng)
    allowed = {C.OSCILLATION, C.LOSS_SPIKES, C.WASTED_EPOCHS}
    if kind == "rebound":
        t_min = _u(rng, 0.2, 0.5)
        floor = start * _u(rng, 0.1, 0.4)
        k = _u(rng, 3, 8)
        amp = (factor - 1) / (math.exp(k * (1 - t_min)) - 1)

        def curve(t):
            return _exp(t, start, floor, t_min / 5) * (
                1 + amp * (np.exp(k * np.clip(t - t_min, 0, None)) - 1)
            )
    else:
        power = _u(rng, 1.0, 2.0)
        allowed.add(C.NO_LEARNING)

        def curve(t):
            return start * (1 + (factor - 1) * t**power)

    return _Truth(
        kind,
        curve(g.t),
        curve(g.tv) * (1 + gap),
        frozenset({C.DIVERGENCE}),
        frozenset(allowed),
        C.DIVERGENCE,
    )


def _oscillation(rng, g, sigma, p) -> _Truth:
    kind = str(_pick(p, "kind", lambda: rng.choice(["zigzag", "erratic"])))
    start = _u(rng, 0.5, 3.0)
    tau = _u(rng, 0.1, 0.3)
    trend = _exp(g.t, start, start * _u(rng, 0.1, 0.4), tau)
    amp = _u(rng, 0.2, 0.4)

    def wobble(n: int) -> np.ndarray:
        if kind == "zigzag":
            return amp * (-1.0) ** np.arange(n) * rng.uniform(0.5, 1.0, n)
        return amp * rng.uniform(-1.0, 1.0, n) * math.sqrt(1.5)  # sd = amp / sqrt(2)

    gap = _gap(rng)
    val = _exp(g.tv, start, trend[-1], tau) * (1 + gap) * (1 + wobble(g.tv.size))
    allowed = {
        C.LOSS_SPIKES,
        C.NOT_CONVERGED,
        C.TRAIN_VAL_SIMILAR,
        C.WASTED_EPOCHS,
        C.STOPPED_WHILE_IMPROVING,
    }
    return _Truth(
        kind,
        trend * (1 + wobble(g.n)),
        val,
        frozenset({C.OSCILLATION}),
        frozenset(allowed),
        C.OSCILLATION,
    )


def _loss_spikes(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    end = start / _u(rng, 3, 10)
    tau = _u(rng, 0.05, 0.2)
    train = _exp(g.t, start, end, tau)
    count = int(_pick(p, "spikes", lambda: rng.integers(1, 4)))  # type: ignore[arg-type]
    # Spike positions between 15 % and 95 % of the run, at least max(3, 10 %) points apart.
    low, high = math.ceil(0.15 * (g.n - 1)), math.floor(0.95 * (g.n - 1))
    apart = max(3, g.n // 10)
    positions: list[int] = []
    for i in rng.permutation(np.arange(low, high + 1)):
        if all(abs(int(i) - j) >= apart for j in positions):
            positions.append(int(i))
        if len(positions) == count:
            break
    profile = np.ones(g.n)
    for i in positions:
        if g.step:
            width, height = int(rng.integers(1, 21)), _u(rng, 2.0, 6.0)
        else:
            width, height = 1, 1 + _u(rng, max(0.6, 15 * sigma), 3.0)
        profile[i : i + width] = height
    val = _exp(g.tv, start, end, tau) * (1 + _gap(rng))
    return _Truth(
        f"{count}_spikes",
        train * profile,
        val,
        frozenset({C.LOSS_SPIKES}),
        _HEALTHY_ALLOWED,
        C.LOSS_SPIKES,
    )


def _slow_convergence(rng, g, sigma, p) -> _Truth:
    start, hints = _start(rng, p)
    drop = _u(rng, max(0.08, 5 * sigma), 0.3)
    gap = _gap(rng)
    allowed = {
        C.NOT_CONVERGED,
        C.UNDERFITTING,
        C.TRAIN_VAL_SIMILAR,
        C.STOPPED_WHILE_IMPROVING,
        C.VAL_BELOW_TRAIN,
    }
    return _Truth(
        "linear",
        start * (1 - drop * g.t),
        start * (1 - drop * g.tv) * (1 + gap),
        frozenset({C.SLOW_CONVERGENCE}),
        frozenset(allowed),
        C.SLOW_CONVERGENCE,
        hints,
    )


def _not_converged(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    need = max(0.08, 4 * sigma)
    for _ in range(100):  # redraw until the last quarter falls by at least `need`
        tau, end = _u(rng, 0.3, 0.7), start * _u(rng, 0.05, 0.3)
        tail = _exp(np.array([0.75, 1.0]), start, end, tau)
        if 1 - tail[1] / tail[0] >= need:
            break
    with_val = bool(_pick(p, "with_val", lambda: rng.random() < 0.7))
    val = _exp(g.tv, start, end, tau) * (1 + _gap(rng)) if with_val else None
    allowed = {C.STOPPED_WHILE_IMPROVING, C.TRAIN_VAL_SIMILAR, C.VAL_BELOW_TRAIN}
    return _Truth(
        "with_val" if with_val else "train_only",
        _exp(g.t, start, end, tau),
        val,
        frozenset({C.NOT_CONVERGED}),
        frozenset(allowed),
        C.NOT_CONVERGED,
    )


def _plateau(rng, g, sigma, p) -> _Truth:
    kind = str(_pick(p, "kind", lambda: rng.choice(["start", "mid"])))
    start = _u(rng, 0.5, 3.0)
    keep = _u(rng, 0.2, 0.6)  # the loss falls to this fraction of the plateau level
    width = _u(rng, 0.01, 0.02)
    if kind == "start":
        level, t_end = start, _u(rng, 0.4, 0.6)
    else:
        level, t_end = start * _u(rng, 0.3, 0.6), _u(rng, 0.55, 0.7)

    def curve(t):
        base = level if kind == "start" else _exp(t, start, level, 0.02)
        return base - level * (1 - keep) / (1 + np.exp(-(t - t_end) / width))

    allowed = {
        C.NOT_CONVERGED,
        C.STOPPED_WHILE_IMPROVING,
        C.TRAIN_VAL_SIMILAR,
        C.VAL_BELOW_TRAIN,
        C.WASTED_EPOCHS,
    }
    gap = _gap(rng)
    return _Truth(
        kind,
        curve(g.t),
        curve(g.tv) * (1 + gap),
        frozenset({C.PLATEAU}),
        frozenset(allowed),
        C.PLATEAU,
    )


def _no_learning(rng, g, sigma, p) -> _Truth:
    kind = str(_pick(p, "kind", lambda: rng.choice(["bce_chance", "initial_level"])))
    if kind == "bce_chance":
        level, hints = math.log(2), Hints(loss=LossKind.BINARY_CROSSENTROPY)
    else:
        level, hints = _u(rng, 0.3, 3.0), None
    allowed = {C.UNDERFITTING, C.TRAIN_VAL_SIMILAR, C.WASTED_EPOCHS}
    return _Truth(
        kind,
        np.full(g.n, level),
        np.full(g.tv.size, level * (1 + _u(rng, 0.0, 0.05))),
        frozenset({C.NO_LEARNING}),
        frozenset(allowed),
        C.NO_LEARNING,
        hints,
    )


def _underfitting(rng, g, sigma, p) -> _Truth:
    kind = str(_pick(p, "kind", lambda: rng.choice(["ce", "bce", "mse"])))
    if kind == "ce":
        k = int(rng.choice([3, 10, 100]))
        baseline, hints = math.log(k), Hints(loss=LossKind.CATEGORICAL_CROSSENTROPY, num_classes=k)
    elif kind == "bce":
        baseline, hints = math.log(2), Hints(loss=LossKind.BINARY_CROSSENTROPY)
    else:
        baseline = _u(rng, 0.2, 5.0)
        hints = Hints(loss=LossKind.MSE, target_variance=baseline)
    start = baseline * _u(rng, 0.97, 1.03)
    level = baseline * _u(rng, 0.5, 0.8)
    tau = _u(rng, 0.03, 0.08)
    ratio = 1 + _u(rng, -0.03, 0.03)
    allowed = {C.TRAIN_VAL_SIMILAR, C.VAL_BELOW_TRAIN, C.WASTED_EPOCHS}
    return _Truth(
        kind,
        _exp(g.t, start, level, tau),
        _exp(g.tv, start, level, tau) * ratio,
        frozenset({C.UNDERFITTING}),
        frozenset(allowed),
        C.UNDERFITTING,
        hints,
    )


def _train_val_similar_low(rng, g, sigma, p) -> _Truth:
    start, hints = _start(rng, p)
    end = start * _u(rng, 0.03, 0.2)
    tau = _u(rng, 0.05, 0.12)
    ratio = 1 + _u(rng, -0.02, 0.02)
    return _Truth(
        "similar",
        _exp(g.t, start, end, tau),
        _exp(g.tv, start, end, tau) * ratio,
        frozenset({C.TRAIN_VAL_SIMILAR}),
        frozenset({C.VAL_BELOW_TRAIN, C.WASTED_EPOCHS}),
        None,
        hints,
    )


def _generalization_gap(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    end = start * _u(rng, 0.05, 0.3)
    tau = _u(rng, 0.05, 0.15)
    v_start, v_end = start * _u(rng, 1.0, 1.1), end * _u(rng, 1.6, 3.0)
    # Same time constant for both, so val - train never turns negative and val never rises.
    return _Truth(
        "flat_gap",
        _exp(g.t, start, end, tau),
        _exp(g.tv, v_start, v_end, tau),
        frozenset({C.GENERALIZATION_GAP}),
        frozenset({C.WASTED_EPOCHS}),
        C.GENERALIZATION_GAP,
    )


def _noisy_validation(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    end, tau, gap = start / _u(rng, 3, 10), _u(rng, 0.05, 0.12), _gap(rng)
    truth = _Truth(
        "noisy_val",
        _exp(g.t, start, end, tau),
        _exp(g.tv, start, end, tau) * (1 + gap),
        frozenset({C.NOISY_VALIDATION}),
        _HEALTHY_ALLOWED,
        C.NOISY_VALIDATION,
    )
    floor = max(0.08, 4 * sigma)
    truth.val_sigma, truth.val_phi = _u(rng, floor, 2 * floor), 0.0
    return truth


def _val_below(rng, g, sigma, p, *, low: float, high: float) -> tuple[np.ndarray, np.ndarray]:
    start = _u(rng, 0.5, 3.0)
    end, tau = start / _u(rng, 3, 10), _u(rng, 0.05, 0.12)
    ratio = _u(rng, low, high)
    return _exp(g.t, start, end, tau), _exp(g.tv, start, end, tau) * ratio


def _val_below_train(rng, g, sigma, p) -> _Truth:
    train, val = _val_below(rng, g, sigma, p, low=0.8, high=0.9)
    return _Truth(
        "benign",
        train,
        val,
        frozenset({C.VAL_BELOW_TRAIN}),
        frozenset({C.TRAIN_VAL_SIMILAR, C.WASTED_EPOCHS}),
        None,
    )


def _possible_leakage(rng, g, sigma, p) -> _Truth:
    train, val = _val_below(rng, g, sigma, p, low=0.3, high=0.6)
    return _Truth(
        "far_below",
        train,
        val,
        frozenset({C.POSSIBLE_LEAKAGE}),
        frozenset({C.VAL_BELOW_TRAIN, C.WASTED_EPOCHS}),
        C.POSSIBLE_LEAKAGE,
    )


def _stopped_while_improving(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    end, tau = start / _u(rng, 3, 10), _u(rng, 0.05, 0.1)
    gap = _gap(rng)
    need = max(0.06, 4 * sigma) * _u(rng, 1.0, 1.5)
    # A pure exponential falls by 1 - exp(-0.25 / tau) over the last quarter; take tau well
    # below the value where that equals `need`, and size the slow component to give `need`.
    tau_v = _u(rng, 0.4, 0.6) * -0.25 / math.log(1 - need)
    c1 = math.exp(-0.75 / tau_v) - math.exp(-1 / tau_v)
    c2 = math.exp(-1 / tau_v)
    extra = need * end * (1 + gap) / (c1 - need * (c1 + c2))  # last-quarter val drop >= need
    allowed = {
        C.NOT_CONVERGED,
        C.GENERALIZATION_GAP,
        C.TRAIN_VAL_SIMILAR,
        C.VAL_BELOW_TRAIN,
    }
    return _Truth(
        "val_still_falling",
        _exp(g.t, start, end, tau),
        _exp(g.tv, start, end, tau) * (1 + gap) + extra * np.exp(-g.tv / tau_v),
        frozenset({C.STOPPED_WHILE_IMPROVING}),
        frozenset(allowed),
        C.STOPPED_WHILE_IMPROVING,
    )


def _wasted_epochs(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    end = start / _u(rng, 3, 10)
    t_best = _u(rng, 0.1, 0.4)
    gap = _gap(rng)

    def curve(t):
        return end + (start - end) * np.clip(1 - t / t_best, 0, None) ** 2

    return _Truth(
        "flat_after_best",
        curve(g.t),
        curve(g.tv) * (1 + gap),
        frozenset({C.WASTED_EPOCHS}),
        frozenset({C.TRAIN_VAL_SIMILAR, C.VAL_BELOW_TRAIN}),
        None,
    )


def _loss_scale_anomaly(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    normal = _healthy_decay(rng, g.t, start)
    scale = 10 ** _u(rng, 2.2, 4.0)
    tau_epochs = _u(rng, 0.2, 0.5)
    boost = 1 + (scale - 1) * np.exp(-g.x / tau_epochs)
    return _Truth(
        "huge_start",
        normal * boost,
        normal * (1 + _gap(rng)),
        frozenset({C.LOSS_SCALE_ANOMALY}),
        frozenset({C.VAL_BELOW_TRAIN, C.TRAIN_VAL_SIMILAR, C.WASTED_EPOCHS}),
        C.LOSS_SCALE_ANOMALY,
    )


def _accuracy_loss_disagreement(rng, g, sigma, p) -> _Truth:
    train, val = _rising_val(rng, g, sigma, 0.15)
    t_best = g.t[int(np.argmin(val))]
    acc_sigma = sigma / 5
    need = max(0.03, 4 * acc_sigma)
    for _ in range(100):  # redraw until val accuracy rises by `need` after the onset
        a0, a_end, tau = _u(rng, 0.3, 0.6), _u(rng, 0.8, 0.95), _u(rng, 0.3, 0.6)
        val_acc = a_end - (a_end - a0) * np.exp(-g.t / tau)
        if val_acc[-1] - float(np.interp(t_best, g.t, val_acc)) >= need:
            break
    truth = _Truth(
        "acc_rises",
        train,
        val,
        frozenset({C.OVERFITTING, C.ACCURACY_LOSS_DISAGREEMENT}),
        frozenset({C.WASTED_EPOCHS, C.GENERALIZATION_GAP}),
        C.OVERFITTING,
    )
    truth.val_accuracy = val_acc
    truth.accuracy = np.minimum(0.995, val_acc + 0.1 * g.t)
    truth.has_onset = True
    return truth


def _insufficient_data(rng, g, sigma, p) -> _Truth:
    start = _u(rng, 0.5, 3.0)
    train = _exp(g.t, start, start / _u(rng, 2, 5), 0.5)
    return _Truth(
        "few_epochs",
        train,
        train * (1 + _gap(rng)),
        frozenset({C.INSUFFICIENT_DATA}),
        frozenset(),
        None,
    )


def _lr_drop(rng, g, sigma, p) -> _Truth:
    drops = int(_pick(p, "drops", lambda: rng.integers(1, 3)))  # type: ignore[arg-type]
    times = [_u(rng, 0.3, 0.5)] + ([_u(rng, 0.6, 0.8)] if drops == 2 else [])
    start = _u(rng, 0.5, 3.0)
    level = start / _u(rng, 3, 8)
    floors = [level]
    for _ in times:  # each drop lowers the floor by 20-50 %
        floors.append(floors[-1] * _u(rng, 0.5, 0.8))
    steps = [a - b for a, b in itertools.pairwise(floors)]
    width = _u(rng, 1, 3) / max(1, g.n - 1)  # 1-3 epochs (or steps) to settle
    lr0 = 10 ** _u(rng, -4, -1)

    def curve(t):
        y = _exp(t, start, level, min(0.05, times[0] / 6))
        for t_d, size in zip(times, steps, strict=True):
            y = y - size * (1 - np.exp(-np.clip(t - t_d, 0, None) / width))
        return y

    lr = lr0 * 0.1 ** np.searchsorted(np.array(times), g.t, side="right")
    truth = _Truth(
        f"{drops}_drops",
        curve(g.t),
        curve(g.tv) * (1 + _gap(rng)),
        frozenset(),
        _HEALTHY_ALLOWED,
        None,
    )
    truth.lr = lr
    return truth


@dataclass(frozen=True)
class _Family:
    build: Builder
    min_length: int = 20
    steps: bool = False  # also generated as per-step logs
    fixed_lengths: tuple[int, ...] = ()  # lengths that ignore the caller's


_FAMILIES: dict[str, _Family] = {
    "healthy": _Family(_healthy, 5, steps=True),
    "overfitting": _Family(_overfitting, 20, steps=True),
    "non_finite": _Family(_non_finite, 5, steps=True),
    "divergence": _Family(_divergence, 20, steps=True),
    "oscillation": _Family(_oscillation, 30),
    "loss_spikes": _Family(_loss_spikes, 20, steps=True),
    "slow_convergence": _Family(_slow_convergence, 30, steps=True),
    "not_converged": _Family(_not_converged, 20, steps=True),
    "plateau": _Family(_plateau, 30, steps=True),
    "no_learning": _Family(_no_learning, 10),
    "underfitting": _Family(_underfitting, 20),
    "train_val_similar_low": _Family(_train_val_similar_low, 30),
    "generalization_gap": _Family(_generalization_gap, 20),
    "noisy_validation": _Family(_noisy_validation, 20),
    "val_below_train": _Family(_val_below_train, 20),
    "possible_leakage": _Family(_possible_leakage, 20),
    "stopped_while_improving": _Family(_stopped_while_improving, 20),
    "wasted_epochs": _Family(_wasted_epochs, 30),
    "loss_scale_anomaly": _Family(_loss_scale_anomaly, 20),
    "accuracy_loss_disagreement": _Family(_accuracy_loss_disagreement, 20),
    "insufficient_data": _Family(_insufficient_data, 2, fixed_lengths=(2, 3, 4)),
    "lr_drop": _Family(_lr_drop, 30, steps=True),
}

#: Every family name, in generation order.
FAMILIES: tuple[str, ...] = tuple(_FAMILIES)
#: Families that are generated as per-step logs too (and get the long cases).
STEP_FAMILIES: tuple[str, ...] = tuple(f for f, spec in _FAMILIES.items() if spec.steps)


# --------------------------------------------------------------------------- assembly


def _grid(length: int) -> _Grid:
    if length <= MAX_EPOCHS:
        x = np.arange(length, dtype=float)
        t = x / max(1, length - 1)
        return _Grid(x, t, x, t, step=False)
    x = np.arange(length, dtype=float)
    t = x / (length - 1)
    evals = int(np.clip(length // 250, 40, 200))
    every = length // evals
    xv = np.arange(1, evals + 1, dtype=float) * every - 1
    return _Grid(x, t, xv, xv / (length - 1), step=True)


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Stationary AR(1) noise with unit marginal variance."""
    shocks = rng.standard_normal(n)
    shocks[1:] *= math.sqrt(1 - phi**2)
    return lfilter([1.0], [1.0, -phi], shocks)


def _noisy(
    rng: np.random.Generator, clean: np.ndarray, sigma: float, phi: float, kind: str
) -> np.ndarray:
    if sigma <= 0:
        return clean.copy()
    e = _ar1(rng, clean.size, phi)
    if kind == "multiplicative":
        return clean * np.exp(sigma * e)
    floor = float(np.min(clean))
    return np.maximum(clean + sigma * floor * e, 1e-3 * floor)


def _series(name: str, values: np.ndarray, x: np.ndarray, granularity: Granularity) -> Series:
    metric_name = name.removeprefix("val_")
    split = Split.VALIDATION if name.startswith("val_") else Split.TRAIN
    metric, direction = {
        "loss": (Metric.LOSS, Direction.LOWER),
        "accuracy": (Metric.ACCURACY, Direction.HIGHER),
        "lr": (Metric.LEARNING_RATE, Direction.NONE),
    }[metric_name]
    return Series(
        name=name,
        metric=metric,
        metric_name=metric_name,
        split=split,
        direction=direction,
        granularity=granularity,
        steps=x,
        values=values,
        source="synthetic",
    )


def case(
    family: str,
    seed: int,
    *,
    noise: float = 0.02,
    length: int | None = None,
    phi: float | None = None,
    noise_kind: str | None = None,
    **params: object,
) -> Case:
    """One case of ``family``, fully determined by ``seed`` and the given parameters.

    ``length`` defaults to 100 (the family's fixed length for insufficient_data); above 1,000 the
    run is a per-step log. ``phi`` (AR(1) coefficient, default drawn in [0, 0.7]) and
    ``noise_kind`` (``multiplicative`` or ``additive``, default drawn 70/30) shape the noise.
    Other keyword arguments fix a family's drawn parameters (``shape="power"``, ``kind="nan"``,
    ``hinted=False``...).
    """
    if family not in _FAMILIES:
        raise ValueError(f"unknown family {family!r}; expected one of {', '.join(FAMILIES)}")
    spec = _FAMILIES[family]
    rng = np.random.default_rng(np.random.SeedSequence([seed, FAMILIES.index(family)]))
    if spec.fixed_lengths:
        length = int(rng.choice(spec.fixed_lengths)) if length is None else length
    length = 100 if length is None else int(length)
    if length < spec.min_length:
        raise ValueError(f"{family} needs at least {spec.min_length} points, got {length}")
    if length > MAX_EPOCHS and not spec.steps:
        raise ValueError(f"{family} is generated only as a per-epoch log (<= {MAX_EPOCHS})")
    phi = _u(rng, 0.0, 0.7) if phi is None else float(phi)
    noise_kind = noise_kind or ("multiplicative" if rng.random() < 0.7 else "additive")
    grid = _grid(length)
    truth = spec.build(rng, grid, noise, params)

    granularity = Granularity.STEP if grid.step else Granularity.EPOCH
    train_sigma = noise * 1.5 if grid.step else noise  # per-step minibatch noise
    clean: dict[str, np.ndarray] = {"loss": truth.train}
    observed: dict[str, tuple[np.ndarray, np.ndarray]] = {
        "loss": (_noisy(rng, truth.train, train_sigma, phi, noise_kind), grid.x)
    }
    if truth.val is not None:
        clean["val_loss"] = truth.val
        val_sigma = noise if truth.val_sigma is None else truth.val_sigma
        val_kind = "multiplicative" if truth.val_sigma is not None else noise_kind
        val_phi = phi if truth.val_phi is None else truth.val_phi
        observed["val_loss"] = (_noisy(rng, truth.val, val_sigma, val_phi, val_kind), grid.xv)
    for name, curve in (("accuracy", truth.accuracy), ("val_accuracy", truth.val_accuracy)):
        if curve is not None:
            clean[name] = curve
            noisy = np.clip(curve + noise / 5 * rng.standard_normal(curve.size), 0, 1)
            observed[name] = (noisy, grid.x if name == "accuracy" else grid.xv)
    if truth.lr is not None:
        clean["lr"] = truth.lr
        observed["lr"] = (truth.lr.copy(), grid.x)
    if truth.nan_from is not None:
        _break(observed, clean, truth, grid)

    onset = None
    if truth.has_onset and truth.val is not None:
        onset = float(grid.xv[int(np.argmin(truth.val))])
    name = f"{family}/{truth.variant}/n={length}/sigma={noise:g}/seed={seed}"
    series = tuple(_series(k, v, x, granularity) for k, (v, x) in observed.items())
    for array in clean.values():
        array.setflags(write=False)
    return Case(
        name=name,
        family=family,
        log=TrainingLog(series=series, run_name=name, source_format="synthetic"),
        hints=truth.hints,
        expected=truth.expected,
        allowed=truth.allowed,
        primary=truth.primary,
        onset=onset,
        noise=noise,
        length=length,
        granularity=granularity,
        variant=truth.variant,
        clean=MappingProxyType(clean),
    )


def _break(
    observed: dict[str, tuple[np.ndarray, np.ndarray]],
    clean: dict[str, np.ndarray],
    truth: _Truth,
    grid: _Grid,
) -> None:
    """Make the losses non-finite from ``truth.nan_from`` on (clean and observed alike)."""
    assert truth.nan_from is not None
    names = ["loss", "val_loss"] if truth.nan_val else ["loss"]
    for name in names:
        if name not in observed:
            continue
        values, x = observed[name]
        t = x / (grid.n - 1)
        bad = np.flatnonzero(t >= truth.nan_from)
        if bad.size == 0:  # a short run: at least the last point breaks
            bad = np.array([values.size - 1])
        for target in (values, clean[name]):
            target[bad] = np.nan
            if truth.nan_kind == "inf":
                target[bad[0]] = np.inf


def generate(
    seed: int,
    *,
    n_per_family: int = 8,
    noise_levels: Sequence[float] = NOISE_LEVELS,
    lengths: Iterable[int] | None = None,
    families: Iterable[str] | None = None,
) -> list[Case]:
    """``n_per_family`` cases of every family, deterministic for ``seed``.

    Noise levels cycle through ``noise_levels`` so each is represented. Lengths are drawn from
    ``lengths`` where the family allows them (at least its minimum; per-step lengths only for
    :data:`STEP_FAMILIES`), else the family's minimum. With ``lengths=None`` they come from
    :data:`EPOCH_LENGTHS` (and :data:`STEP_LENGTHS` for one in five per-step-capable cases), and
    the last case of each per-step family (when ``n_per_family >= 3``) is a 100,000-step log.
    """
    root = np.random.SeedSequence(seed)
    chosen = list(FAMILIES if families is None else families)
    given = None if lengths is None else sorted(set(int(n) for n in lengths))
    cases: list[Case] = []
    for family in chosen:
        spec = _FAMILIES[family]
        family_rng = np.random.default_rng(root.spawn(1)[0])
        for i in range(n_per_family):
            case_seed = int(family_rng.integers(2**31))
            noise = float(noise_levels[i % len(noise_levels)])
            length = _length_for(spec, family_rng, given, last=i == n_per_family - 1, i=i)
            cases.append(case(family, case_seed, noise=noise, length=length))
    return cases


def _length_for(
    spec: _Family, rng: np.random.Generator, given: list[int] | None, *, last: bool, i: int
) -> int | None:
    if spec.fixed_lengths:
        return None
    if given is None:
        if spec.steps and last and i >= 2:
            return LONG_LENGTH
        if spec.steps and rng.random() < 0.2:
            return int(rng.choice(STEP_LENGTHS))
        menu = [n for n in EPOCH_LENGTHS if n >= spec.min_length]
    else:
        menu = [n for n in given if n >= spec.min_length and (n <= MAX_EPOCHS or spec.steps)]
        if not menu:
            return spec.min_length
    return int(rng.choice(menu))
