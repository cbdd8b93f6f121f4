"""Plain measurements of a finished run, used to state and check what each curve shows.

A scenario's manifest entry says *why* it expects a diagnosis in terms of these facts ("val_loss
min 0.41 at epoch 12, 0.93 at epoch 99"), and lists ``checks`` on them ("val_loss_last_over_min
>= 1.5") that the generator enforces when it writes the fixtures and the tests re-verify from the
files. They are descriptive numbers, not statistical tests: the analyzer's own statistics are
what the fixtures exist to test. Needs only NumPy.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence

import numpy as np

#: Series the facts describe, when the run has them.
SERIES = ("loss", "val_loss", "accuracy", "val_accuracy")
#: Points in each of the two windows compared by ``<series>_late_drop``.
LATE_WINDOW = 10

Facts = dict[str, float | int | None]

_OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}


def series_facts(name: str, values: Sequence[float]) -> Facts:
    """Facts of one series; epochs count from 0 and non-finite values are left out of the
    statistics (their count and first epoch are facts of their own)."""
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    bad = np.flatnonzero(~finite)
    out: Facts = {
        f"{name}_n_nonfinite": int(bad.size),
        f"{name}_first_nonfinite": int(bad[0]) if bad.size else None,
    }
    epochs = np.flatnonzero(finite)
    f = v[finite]
    if f.size == 0:
        return out
    diffs = np.diff(f)
    signs = np.sign(diffs[diffs != 0])
    out.update(
        {
            f"{name}_first": float(f[0]),
            f"{name}_last": float(f[-1]),
            f"{name}_min": float(f.min()),
            f"{name}_argmin": int(epochs[np.argmin(f)]),
            f"{name}_max": float(f.max()),
            f"{name}_argmax": int(epochs[np.argmax(f)]),
            # 1 - last/first: the share of the first value that training removed.
            f"{name}_drop": _ratio_complement(f[-1], f[0]),
            f"{name}_last_over_min": _ratio(f[-1], f.min()),
            # Share of consecutive steps that reverse direction: ~0 for a smooth curve,
            # ~2/3 for white noise, 1 for a zig-zag.
            f"{name}_reversals": float(np.mean(signs[1:] != signs[:-1])) if signs.size > 1 else 0.0,
            # Largest one-epoch rise, as a ratio to the previous value.
            f"{name}_max_jump": float(np.max(f[1:] / f[:-1]))
            if f.size > 1 and f.min() > 0
            else None,
        }
    )
    if f.size >= 2 * LATE_WINDOW:
        late = np.sign(np.diff(f[-2 * LATE_WINDOW :]))
        late = late[late != 0]
        # Reversals over the last 20 points only (a zig-zag that set in late).
        out[f"{name}_late_reversals"] = (
            float(np.mean(late[1:] != late[:-1])) if late.size > 1 else 0.0
        )
        recent = np.median(f[-LATE_WINDOW:])
        before = np.median(f[-2 * LATE_WINDOW : -LATE_WINDOW])
        # 1 - median(last 10) / median(the 10 before): > 0 while still improving.
        out[f"{name}_late_drop"] = _ratio_complement(recent, before)
    return out


def run_facts(history: Mapping[str, Sequence[float]], baseline: Mapping | None = None) -> Facts:
    """Facts of a whole run: each series', the train/validation gap, and the ratios to the
    constant-predictor baseline when one is given (``{"train": x, "validation": y}``)."""
    facts: Facts = {"epochs": max(len(v) for v in history.values())}
    for name in SERIES:
        if name in history:
            facts.update(series_facts(name, history[name]))
    if "loss" in history and "val_loss" in history:
        loss = np.asarray(history["loss"], dtype=np.float64)
        val = np.asarray(history["val_loss"], dtype=np.float64)
        facts["val_over_train_last"] = _ratio(val[-1], loss[-1])
        best = facts.get("val_loss_argmin")
        facts["val_over_train_at_best"] = None if best is None else _ratio(val[best], loss[best])
    if baseline:
        facts["baseline_train"] = baseline.get("train")
        facts["baseline_validation"] = baseline.get("validation")
        for split, key in (("train", "loss"), ("validation", "val_loss")):
            if f"{key}_last" in facts and baseline.get(split):
                facts[f"{key}_last_over_baseline"] = _ratio(facts[f"{key}_last"], baseline[split])
                facts[f"{key}_min_over_baseline"] = _ratio(facts[f"{key}_min"], baseline[split])
    return facts


def check(expression: str, facts: Mapping[str, float | int | None]) -> bool:
    """Evaluate ``"<fact> <op> <number>"``; a missing or ``None`` fact fails the check."""
    name, op, number = expression.split()
    value = facts.get(name)
    if value is None:
        return False
    return bool(_OPERATORS[op](value, float(number)))


def failed_checks(expressions: Sequence[str], facts: Mapping) -> list[str]:
    """The checks that do not hold, each with the fact's actual value."""
    return [f"{e} (is {facts.get(e.split()[0])})" for e in expressions if not check(e, facts)]


def _ratio(a: float, b: float) -> float | None:
    return float(a / b) if b != 0 and math.isfinite(a) and math.isfinite(b) else None


def _ratio_complement(a: float, b: float) -> float | None:
    r = _ratio(a, b)
    return None if r is None else 1.0 - r
