"""The facts the manifest states are right on curves whose answers are known by hand."""

import math

import pytest

from reference_trainer.facts import check, failed_checks, run_facts, series_facts


def test_series_facts_on_a_hand_made_curve():
    values = [4.0, 2.0, 1.0, 2.0, 3.0]
    f = series_facts("val_loss", values)
    assert f["val_loss_min"] == 1.0
    assert f["val_loss_argmin"] == 2
    assert f["val_loss_last_over_min"] == 3.0
    assert f["val_loss_drop"] == pytest.approx(0.25)  # 1 - 3/4
    # diffs - - + + : one reversal among three consecutive pairs
    assert f["val_loss_reversals"] == pytest.approx(1 / 3)
    assert f["val_loss_max_jump"] == 2.0
    assert f["val_loss_n_nonfinite"] == 0
    assert f["val_loss_first_nonfinite"] is None


def test_non_finite_values_are_counted_and_left_out():
    f = series_facts("loss", [3.0, 2.0, math.inf, math.nan, 1.0])
    assert f["loss_n_nonfinite"] == 2
    assert f["loss_first_nonfinite"] == 2
    assert f["loss_min"] == 1.0
    assert f["loss_argmin"] == 4  # the epoch, not the index among finite values


def test_zigzag_and_smooth_curves_by_reversals_and_late_drop():
    zigzag = [1.0 + (i % 2) for i in range(40)]
    smooth = [1.0 / (1 + i) for i in range(40)]
    assert series_facts("loss", zigzag)["loss_late_reversals"] == 1.0
    assert series_facts("loss", smooth)["loss_reversals"] == 0.0
    # median of epochs 30..39 over median of 20..29 of 1/(1+i)
    expected = 1 - (1 / 35.5) / (1 / 25.5)
    assert series_facts("loss", smooth)["loss_late_drop"] == pytest.approx(expected, rel=0.02)


def test_run_facts_gap_and_baseline():
    history = {"loss": [2.0, 1.0, 0.5], "val_loss": [2.0, 1.5, 2.0]}
    f = run_facts(history, {"train": 1.0, "validation": 4.0})
    assert f["val_over_train_last"] == 4.0
    assert f["val_over_train_at_best"] == 1.5
    assert f["loss_last_over_baseline"] == 0.5
    assert f["val_loss_min_over_baseline"] == 1.5 / 4.0


def test_check_expressions():
    facts = {"a": 2.0, "b": None}
    assert check("a >= 2", facts) and check("a < 2.5", facts) and check("a == 2", facts)
    assert not check("a > 2", facts)
    assert not check("b >= 0", facts), "a missing value must fail the check"
    assert not check("c >= 0", facts)
    assert failed_checks(["a > 3", "a < 3"], facts) == ["a > 3 (is 2.0)"]
