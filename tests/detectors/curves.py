"""Small hand-made runs for detector tests: each a clear case of one phenomenon, or healthy."""

from __future__ import annotations

import numpy as np

from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog


def series(name, values, *, split=Split.TRAIN, metric=Metric.LOSS, steps=None,
           granularity=Granularity.EPOCH):  # fmt: skip
    values = np.asarray(values, dtype=float)
    metric_name = {Metric.LOSS: "loss", Metric.ACCURACY: "accuracy"}[metric]
    direction = Direction.LOWER if metric is Metric.LOSS else Direction.HIGHER
    return Series(
        name=name, metric=metric, metric_name=metric_name, split=split, direction=direction,
        granularity=granularity,
        steps=np.arange(values.size) if steps is None else steps, values=values,
    )  # fmt: skip


def run(train=None, val=None, val_acc=None, granularity=Granularity.EPOCH) -> TrainingLog:
    parts = []
    if train is not None:
        parts.append(series("loss", train, granularity=granularity))
    if val is not None:
        parts.append(series("val_loss", val, split=Split.VALIDATION, granularity=granularity))
    if val_acc is not None:
        parts.append(series("val_accuracy", val_acc, split=Split.VALIDATION,
                            metric=Metric.ACCURACY))  # fmt: skip
    return TrainingLog(series=tuple(parts), run_name="test")


def noise(n, scale, seed, phi=0.3):
    """AR(1) multiplicative noise factors around 1."""
    rng = np.random.default_rng(seed)
    e = np.empty(n)
    e[0] = rng.normal()
    for i in range(1, n):
        e[i] = phi * e[i - 1] + np.sqrt(1 - phi**2) * rng.normal()
    return 1 + scale * e


def decay(n, start=2.3, end=0.3, tau=8.0):
    return end + (start - end) * np.exp(-np.arange(n) / tau)


def healthy(n=60, seed=0):
    train = decay(n) * noise(n, 0.01, seed)
    val = decay(n, 2.35, 0.33) * noise(n, 0.015, seed + 1)
    return run(train, val)
