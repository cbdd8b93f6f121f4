"""Seeded pairs of synthetic runs with a known difference (or none), for testing and
benchmarking :func:`analyzer.compare`.

Both runs of a pair share the shape of :mod:`analyzer.testing.synthetic`'s healthy exponential
runs (a decay from ``start`` to ``floor`` with time constant ``tau``, as fractions of the run;
validation loss a few percent above training loss) and get independent AR(1) multiplicative
noise of relative level ``noise`` (``phi`` drawn in [0, 0.5]). What differs, by kind:

==========  ========================================================================  ==========
kind        construction                                                              truth
==========  ========================================================================  ==========
``equal``   the same clean curves, independent noise                                  none
``better``  b's curves are a's times ``1 + effect``, ``effect`` drawn in              a better
            [max(5%, 3 noise), max(20%, 6 noise)]
``slower``  b's time constant is 3-5x a's (at most a tenth of the run): same floor   a faster
==========  ========================================================================  ==========

A correct comparison says "no difference" (equivalent or not significant) on ``equal`` pairs at
least ``1 - alpha`` of the time, finds ``better`` pairs, and on ``slower`` pairs says b
reaches the target level later without calling the best levels different.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog
from analyzer.testing.synthetic import _noisy

KINDS = ("equal", "better", "slower")
TRUTH = {"equal": "none", "better": "a_better", "slower": "a_faster"}


@dataclass(frozen=True)
class Pair:
    """Two runs ``a`` and ``b`` and what truly differs between them (see the module table)."""

    kind: str
    a: TrainingLog
    b: TrainingLog
    truth: str
    effect: float  # relative level difference (better) or time-constant ratio (slower)
    noise: float


def _log(name: str, train: np.ndarray, val: np.ndarray) -> TrainingLog:
    x = np.arange(train.size, dtype=float)

    def series(metric: str, values: np.ndarray, split: Split) -> Series:
        prefix = "val_" if split is Split.VALIDATION else ""
        return Series(f"{prefix}{metric}", Metric.LOSS, metric, split, Direction.LOWER,
                      Granularity.EPOCH, x, values, source="synthetic")  # fmt: skip

    return TrainingLog(
        (series("loss", train, Split.TRAIN), series("loss", val, Split.VALIDATION)),
        run_name=name, source_format="synthetic",
    )  # fmt: skip


def pair(kind: str, seed: int, *, length: int = 100, noise: float = 0.02) -> Pair:
    """One pair of ``kind``, fully determined by ``seed``, ``length`` and ``noise``."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    rng = np.random.default_rng(np.random.SeedSequence([seed, KINDS.index(kind), 7919]))
    t = np.linspace(0.0, 1.0, length)
    start = rng.uniform(0.8, 2.5)
    floor = start / rng.uniform(3, 10)
    tau = rng.uniform(0.02, 0.035)
    gap = rng.uniform(0.03, 0.12)
    phi = rng.uniform(0.0, 0.5)
    effect = 0.0
    tau_b = tau
    scale_b = 1.0
    if kind == "better":
        effect = rng.uniform(max(0.05, 3 * noise), max(0.2, 6 * noise))
        scale_b = 1.0 + effect
    elif kind == "slower":
        effect = rng.uniform(3.0, 5.0)
        tau_b = min(tau * effect, 0.1)  # exp(-10): b reaches the floor too
        effect = tau_b / tau

    def clean(time_constant: float) -> np.ndarray:
        return floor + (start - floor) * np.exp(-t / time_constant)

    def run(name: str, curve: np.ndarray) -> TrainingLog:
        train = _noisy(rng, curve, noise, phi, "multiplicative")
        val = _noisy(rng, curve * (1 + gap), noise, phi, "multiplicative")
        return _log(name, train, val)

    a = run(f"{kind}-{seed}-a", clean(tau))
    b = run(f"{kind}-{seed}-b", clean(tau_b) * scale_b)
    return Pair(kind, a, b, TRUTH[kind], effect, noise)


def pairs(kind: str, count: int, *, seed: int = 0, **options: object) -> list[Pair]:
    """``count`` pairs of ``kind`` (seeds ``seed`` ... ``seed + count - 1``)."""
    return [pair(kind, seed + i, **options) for i in range(count)]  # type: ignore[arg-type]
