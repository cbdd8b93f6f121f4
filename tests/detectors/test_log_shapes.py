"""Logs with only some of the usual series still get the verdicts that make sense."""

import warnings

import numpy as np
import pytest

from analyzer.engine import diagnose
from analyzer.model import Granularity, Metric, Split, TrainingLog
from analyzer.model.findings import Code
from tests.detectors.curves import decay, noise, run, series

N = 60
E = np.arange(N)
U_VAL = (0.5 + 1.8 * np.exp(-E / 6) + 0.0004 * np.maximum(0, E - 20) ** 2) * noise(N, 0.01, 1)


def test_training_loss_only():
    diverging = np.concatenate([decay(20, 2.3, 0.5, 5), 0.5 * np.exp(np.arange(1, 41) / 10)])
    d = diagnose(run(diverging))
    assert d.primary.code is Code.DIVERGENCE
    assert np.isnan(d.summary.best_epoch)  # no validation: no best epoch to report


def test_validation_loss_only_is_overfitting_with_less_confidence():
    d = diagnose(run(val=U_VAL))
    finding = d.finding(Code.OVERFITTING)
    assert finding is not None and finding.confidence <= 0.6
    assert "Without a training curve" in finding.explanation


def test_accuracy_only_is_judged_on_the_error_rate():
    train_acc = 1 - decay(N, 0.5, 0.02, 10)
    val_acc = 1 - U_VAL / 4
    log = TrainingLog(
        series=(
            series("accuracy", train_acc, metric=Metric.ACCURACY),
            series("val_accuracy", val_acc, split=Split.VALIDATION, metric=Metric.ACCURACY),
        )
    )
    d = diagnose(log)
    assert Code.OVERFITTING in d.codes()
    assert any("error rate" in w for w in d.warnings)


def test_step_level_training_loss_with_sparse_evaluation():
    steps = np.arange(20_000)
    t = steps / steps[-1]
    rng = np.random.default_rng(0)
    train = (0.2 + 2 * np.exp(-t / 0.1)) * np.exp(0.05 * rng.normal(size=steps.size))
    eval_steps = steps[::400]
    te = eval_steps / steps[-1]
    val = (0.5 + 2 * np.exp(-te / 0.1) + 0.8 * np.maximum(0, te - 0.4) ** 2) * noise(
        te.size, 0.01, 2
    )
    log = TrainingLog(
        series=(
            series("loss", train, steps=steps, granularity=Granularity.STEP),
            series("val_loss", val, split=Split.VALIDATION, steps=eval_steps,
                   granularity=Granularity.STEP),
        )
    )  # fmt: skip
    d = diagnose(log)
    assert d.summary.window > 1 and d.summary.granularity == "step"
    finding = d.finding(Code.OVERFITTING)
    assert finding is not None
    true_onset = eval_steps[
        np.argmin(0.5 + 2 * np.exp(-te / 0.1) + 0.8 * np.maximum(0, te - 0.4) ** 2)
    ]
    assert abs(finding.start - true_onset) <= 3 * 400
    assert not d.failures


@pytest.mark.parametrize("scale", [1e200, 1e306])
def test_a_loss_in_huge_units_gets_the_same_findings_without_failures_or_warnings(scale):
    """Losses near the float64 range (a diverged run, or a sum over a huge dataset): squares
    and sums overflowed in the change-point search and the autocorrelation, and PLATEAU failed.
    Every judgement is about shapes and ratios, so the unit must not matter."""
    e = np.arange(300.0)
    train = (0.3 + 1.9 * np.exp(-e / 12)) * noise(300, 0.01, 3)
    val = (0.55 + 1.7 * np.exp(-e / 12) + 0.004 * np.maximum(e - 40, 0) ** 1.2) * noise(
        300, 0.015, 4
    )
    unit = diagnose(run(train, val))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        huge = diagnose(run(train * scale, val * scale))
    assert huge.failures == ()
    assert [f.code for f in huge.findings] == [f.code for f in unit.findings]
    assert unit.primary.code is Code.OVERFITTING
    assert huge.summary.best_epoch == unit.summary.best_epoch
