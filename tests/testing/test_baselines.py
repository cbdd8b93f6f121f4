"""The rule baselines on hand-made curves, with expected answers worked out by hand from each
tool's rule, and AutoTrainer's oscillation rule cross-checked against a plain loop written from
its published source."""

import math

import numpy as np
import pytest

from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog
from analyzer.model.findings import Code
from analyzer.testing.baselines import (
    BASELINES,
    COVERAGE,
    aligned_losses,
    autotrainer,
    gap_rule,
    keras_early_stopping,
    val_up_train_down,
)

NAN = math.nan


def series(name, values, steps=None, granularity=Granularity.EPOCH):
    metric_name = name.removeprefix("val_")
    metric = Metric.ACCURACY if metric_name == "accuracy" else Metric.LOSS
    return Series(
        name=name,
        metric=metric,
        metric_name=metric_name,
        split=Split.VALIDATION if name.startswith("val_") else Split.TRAIN,
        direction=Direction.HIGHER if metric is Metric.ACCURACY else Direction.LOWER,
        granularity=granularity,
        steps=np.arange(len(values)) if steps is None else steps,
        values=values,
    )


def log_of(train=None, val=None, **extra):
    parts = []
    if train is not None:
        parts.append(series("loss", train))
    if val is not None:
        parts.append(series("val_loss", val))
    parts += [series(name, values) for name, values in extra.items()]
    return TrainingLog(tuple(parts))


# ----------------------------------------------------------------------------- Keras EarlyStopping


def test_early_stopping_stops_five_epochs_after_the_best():
    # Best at epoch 2; epochs 3..7 are the 5 without improvement -> stop at 7 of 0..8.
    val = [1.0, 0.8, 0.7, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8]
    result = keras_early_stopping(log_of(val=val))
    assert result.codes == {Code.OVERFITTING} and result.onset == 2.0


def test_early_stopping_at_the_last_epoch_is_not_a_flag():
    # The same curve cut at epoch 7: Keras would stop exactly when the run ended anyway.
    result = keras_early_stopping(log_of(val=[1.0, 0.8, 0.7, 0.75, 0.76, 0.77, 0.78, 0.79]))
    assert result.codes == frozenset()


def test_early_stopping_needs_strict_improvement_and_treats_nan_as_none():
    # Equal values are no improvement (min_delta=0, strict less): best stays at epoch 0.
    flat = [1.0] * 8
    assert keras_early_stopping(log_of(val=flat)).onset == 0.0
    broken = [1.0, 0.9, NAN, NAN, NAN, NAN, NAN, NAN]
    assert keras_early_stopping(log_of(val=broken)).onset == 1.0
    assert keras_early_stopping(log_of(val=np.linspace(1, 0.5, 30))).codes == frozenset()
    assert keras_early_stopping(log_of(train=[1.0, 0.5])).codes == frozenset()


def test_early_stopping_patience_is_a_parameter():
    val = [1.0, 0.8, 0.7, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8]
    assert keras_early_stopping(log_of(val=val), patience=2).onset == 2.0
    assert keras_early_stopping(log_of(val=val), patience=7).codes == frozenset()


# --------------------------------------------------------------- gap and one-epoch rules


def test_gap_rule_needs_two_consecutive_epochs_above_ten_percent():
    train = [1.0] * 6
    val = [1.0, 1.2, 1.05, 1.1, 1.2, 1.3]  # epoch 1 alone is tolerated, 1.1 is not above
    result = gap_rule(log_of(train, val))
    assert result.codes == {Code.OVERFITTING, Code.GENERALIZATION_GAP}
    assert result.onset == 4.0
    assert gap_rule(log_of(train, [1.0, 1.2, 1.0, 1.2, 1.0, 1.2])).codes == frozenset()
    assert gap_rule(log_of(train)).codes == frozenset()


def test_val_up_train_down_flags_the_first_such_epoch():
    train = [1.0, 0.9, 0.8, 0.8, 0.7]
    val = [1.0, 0.9, 0.95, 1.0, 1.1]
    assert val_up_train_down(log_of(train, val)).onset == 2.0
    # val rises only while train is flat or rising: nothing.
    assert val_up_train_down(log_of([1.0, 1.0, 1.1], [1.0, 1.1, 1.2])).codes == frozenset()


def test_step_logs_are_compared_per_evaluation_with_mean_train_loss():
    train = series("loss", np.arange(10.0), granularity=Granularity.STEP)
    val = series("val_loss", [5.0, 9.0], steps=np.array([4.0, 9.0]), granularity=Granularity.STEP)
    x, t, v = aligned_losses(TrainingLog((train, val)))
    assert list(x) == [4.0, 9.0] and list(t) == [2.0, 7.0] and list(v) == [5.0, 9.0]
    # Mean train 2.0 vs val 5.0 and 7.0 vs 9.0: both above 1.1x -> flagged at the first.
    assert gap_rule(TrainingLog((train, val))).onset == 4.0


# ----------------------------------------------------------------------------- AutoTrainer


def ol_judge_loop(acc, threshold, rate):
    """AutoTrainer's ``ol_judge`` as its source writes it: a plain loop over interior points."""
    maximum, minimum, count = [], [], 0
    for i in range(1, len(acc) - 1):
        if acc[i] - acc[i - 1] >= 0 and acc[i] - acc[i + 1] >= 0:
            maximum.append(acc[i])
        if acc[i] - acc[i - 1] <= 0 and acc[i] - acc[i + 1] <= 0:
            minimum.append(acc[i])
    for i in range(min(len(maximum), len(minimum))):
        if maximum[i] - minimum[i] >= threshold:
            count += 1
    return count >= rate * len(acc)


def test_autotrainer_oscillation_on_a_zigzag():
    zigzag = [1.0, 0.9] * 5  # maxima 1.0 at 2,4,6,8; minima 0.9 at 1,3,5,7: 4 pairs >= 2
    assert Code.OSCILLATION in autotrainer(log_of(zigzag)).codes
    small = [1.0, 0.99] * 5  # pairs differ by 0.01 < 0.03
    assert Code.OSCILLATION not in autotrainer(log_of(small)).codes
    assert Code.OSCILLATION not in autotrainer(log_of(list(np.linspace(2, 1, 20)))).codes


def test_autotrainer_oscillation_matches_the_original_loop():
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(3, 60))
        curve = np.round(1 + np.cumsum(rng.normal(0, 0.03, n)), 2)  # rounding makes ties
        ours = Code.OSCILLATION in autotrainer(log_of(list(curve))).codes
        assert ours == ol_judge_loop(list(curve), 0.03, 0.2)


def test_autotrainer_slow_convergence_needs_both_curves_slow():
    slow = list(1 - 0.005 * np.arange(30))
    fast = list(1 - 0.02 * np.arange(30))
    assert Code.SLOW_CONVERGENCE in autotrainer(log_of(slow, slow)).codes
    assert Code.SLOW_CONVERGENCE not in autotrainer(log_of(slow, fast)).codes
    assert Code.SLOW_CONVERGENCE not in autotrainer(log_of(fast)).codes
    # A flat curve: every interior point is both a maximum and a minimum, all pairs differ by 0.
    result = autotrainer(log_of([1.0] * 10))
    assert result.codes == {Code.SLOW_CONVERGENCE}


def test_autotrainer_nan_returns_before_other_checks():
    zigzag_then_nan = [1.0, 0.9] * 5 + [NAN]
    assert autotrainer(log_of(zigzag_then_nan)).codes == {Code.NON_FINITE_LOSS}
    assert autotrainer(log_of([1.0, 0.5], [1.0, 2e5])).codes == {Code.NON_FINITE_LOSS}
    assert autotrainer(log_of([1.0, math.inf])).codes == {Code.NON_FINITE_LOSS}


def test_autotrainer_on_accuracy_as_the_original():
    losses = list(1 - 0.05 * np.arange(10))
    acc = [0.5, 0.6] * 5
    result = autotrainer(log_of(losses, losses, accuracy=acc, val_accuracy=acc), metric="accuracy")
    assert result.codes == {Code.OSCILLATION}  # gains of 0.1 in accuracy: not slow
    slow_acc = list(0.5 + 0.001 * np.arange(10))
    result = autotrainer(
        log_of(losses, accuracy=slow_acc, val_accuracy=slow_acc), metric="accuracy"
    )
    assert result.codes == {Code.SLOW_CONVERGENCE}
    assert autotrainer(log_of(losses), metric="accuracy").codes == frozenset()


def test_registry_covers_what_each_baseline_can_flag():
    curves = [
        log_of([1.0] * 10, [1.0, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2.0]),
        log_of([1.0, 0.9] * 5, [1.0, 0.8, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4]),
        log_of([1.0, NAN]),
    ]
    assert set(BASELINES) == set(COVERAGE)
    for name, baseline in BASELINES.items():
        for log in curves:
            assert baseline(log, None).codes <= COVERAGE[name]


@pytest.mark.parametrize("name", list(BASELINES))
def test_baselines_run_on_every_synthetic_family(name):
    from analyzer.testing.synthetic import generate

    for case in generate(1, n_per_family=1, lengths=(5, 50)):
        result = BASELINES[name](case.log, case.hints)
        assert result.codes <= COVERAGE[name]
