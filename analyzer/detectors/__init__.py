"""Detectors: one per file, each a :class:`DetectorSpec` plus a pure ``detect(ctx)``.

The tuple below is the registry, in the order the engine runs them and ranks equal-severity
findings: root causes before their symptoms (a NaN loss before the oscillation that led to it,
no learning before underfitting).
"""

from __future__ import annotations

from analyzer.detectors import (
    accuracy_loss,
    divergence,
    generalization_gap,
    insufficient_data,
    loss_scale,
    no_learning,
    noisy_validation,
    non_finite,
    not_converged,
    oscillation,
    overfitting,
    plateau,
    possible_leakage,
    slow_convergence,
    spikes,
    stopped_while_improving,
    train_val_similar,
    underfitting,
    val_below_train,
    wasted_epochs,
)
from analyzer.detectors.base import Detector, DetectorSpec
from analyzer.model.findings import Code

_MODULES = (
    insufficient_data,
    non_finite,
    divergence,
    no_learning,
    loss_scale,
    oscillation,
    spikes,
    plateau,
    slow_convergence,
    underfitting,
    possible_leakage,
    overfitting,
    generalization_gap,
    noisy_validation,
    stopped_while_improving,
    not_converged,
    accuracy_loss,
    wasted_epochs,
    train_val_similar,
    val_below_train,
)

DETECTORS: tuple[Detector, ...] = tuple(Detector(m.SPEC, m.detect) for m in _MODULES)
SPECS: dict[Code, DetectorSpec] = {d.spec.code: d.spec for d in DETECTORS}
#: Rank of each code among findings of equal severity (lower first).
PRIORITY: dict[Code, int] = {d.spec.code: i for i, d in enumerate(DETECTORS)}

__all__ = ["DETECTORS", "PRIORITY", "SPECS", "Detector", "DetectorSpec"]
