"""Curve shapes the reference trainer's real runs showed, each the case of one engine rule.

Every curve here is built from a formula and seeded noise (or, for the short early-stopped run,
the twelve values Keras logged), so the tests need no fixture files; the comment on each says
which real run it stands for and what the analyzer got wrong on it before.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from analyzer.engine import diagnose, drop_superseded
from analyzer.model.findings import Code, Finding, Severity
from analyzer.model.hints import Hints
from tests.detectors.curves import noise, run

E = np.arange(100)
BCE = Hints(loss="binary_crossentropy")


def _codes(log, hints=None):
    diagnosis = diagnose(log, hints=hints)
    return [f.code for f in diagnosis.findings], diagnosis.primary


def test_an_impatient_early_stop_is_stopped_while_improving():
    # var_early_stop_impatient: 12 epochs, the last two a 0.5% uptick. The tail's trend test
    # is one-sided at 5%, so the slope's bound must be one-sided at 5% too (the two-sided
    # 95% interval reached past zero and called this run converged).
    loss = [0.7464, 0.344, 0.275, 0.2538, 0.2413, 0.2311, 0.2229, 0.2157, 0.2108, 0.2055,
            0.2016, 0.1983]  # fmt: skip
    val = [0.4926, 0.3315, 0.2993, 0.2913, 0.2824, 0.276, 0.2662, 0.2696, 0.2605, 0.2515,
           0.2521, 0.2528]  # fmt: skip
    codes, primary = _codes(run(loss, val))
    assert primary is not None and primary.code is Code.STOPPED_WHILE_IMPROVING
    assert Code.OVERFITTING not in codes


def test_climbing_back_down_from_a_bump_is_not_still_improving():
    # ex6_lr_0.1: Adam at 0.1 on random targets sits at the mean's level from epoch 6 on,
    # wanders up by ~12% around epochs 60-80 and comes back. The tail falls significantly,
    # but only back to where the curve had already been: not a run that was cut short.
    level = 0.075 * (1 + 0.12 * np.exp(-(((E - 72) / 9.0) ** 2)))
    loss = np.where(E < 6, 0.31 - 0.04 * E, level) * noise(100, 0.03, 1)
    codes, primary = _codes(run(loss), Hints(loss="mse", target_variance=0.082))
    assert Code.NOT_CONVERGED not in codes
    assert primary is not None and primary.code is Code.UNDERFITTING


def test_a_still_falling_curve_at_new_lows_is_still_not_converged():
    loss = (0.3 + 2.0 * np.exp(-E / 60)) * noise(100, 0.01, 2)
    codes, _ = _codes(run(loss))
    assert Code.NOT_CONVERGED in codes


def test_underfitting_with_validation_below_training_is_not_leakage():
    # ex1: a line fitted to x^2. Train MSE flat at 0.99 x Var(y_train); the 20 test targets
    # spread less, so val sits at 0.64 x train from the first epoch. Underfitting needs val
    # not above train (no gap), not equivalence; a model no better than the mean has nothing
    # to leak, and 'validation below training' says why the gap is there.
    train = (85.5 + 34 * np.exp(-E / 4)) * noise(100, 0.002, 3)
    val = (54.7 + 18 * np.exp(-E / 3)) * noise(100, 0.002, 4)
    codes, primary = _codes(run(train, val), Hints(loss="mse", target_variance=86.0))
    assert primary is not None and primary.code is Code.UNDERFITTING
    assert Code.POSSIBLE_LEAKAGE not in codes
    assert Code.VAL_BELOW_TRAIN in codes


def test_leakage_still_reported_when_the_model_learns():
    train = (0.3 + 2.0 * np.exp(-E / 8)) * noise(100, 0.01, 5)
    val = 0.5 * train * noise(100, 0.01, 6)
    codes, _ = _codes(run(train, val), Hints(loss="mse", target_variance=2.3))
    assert Code.POSSIBLE_LEAKAGE in codes


def _relu_random_labels(rise):
    """ex5_relu_val: random labels; val falls 0.78 -> 0.697 by epoch 22 and then climbs back
    by ``rise`` (relative) while train keeps falling from ln 2 + 0.05 to 0.66."""
    train = (0.655 + 0.09 * np.exp(-E / 45)) * noise(100, 0.001, 7)
    val = np.where(E < 22, 0.697 + 0.085 * (1 - E / 22) ** 2, 0.697 * (1 + rise * (E - 22) / 77))
    return run(train, val * noise(100, 0.001, 8))


def test_overfitting_near_chance_level_gives_back_what_it_gained():
    # A 7% rise is under the 10% relative threshold, but it undoes most of the 0.085 the
    # validation loss had gained: at a loss level with a high floor that is the signal.
    _, primary = _codes(_relu_random_labels(0.07), BCE)
    assert primary is not None and primary.code is Code.OVERFITTING


def test_a_small_rise_after_no_real_gain_is_not_overfitting():
    # The same 7% rise on a validation curve that never improved beyond its noise.
    rng_noise = noise(100, 0.012, 9)
    val = 0.69 * np.where(E < 30, 1.0, 1 + 0.07 * (E - 30) / 69) * rng_noise
    train = 0.69 * noise(100, 0.01, 10)
    codes, _ = _codes(run(train, val), BCE)
    assert Code.OVERFITTING not in codes


def test_no_generalization_gap_while_training_loss_is_above_chance():
    # ex6_lr_1e-4_val: Adam at 1e-4, random targets with Var(y) = 0.082. Both losses fall
    # by the same amount (the untrained output's offset is being removed) and stay far above
    # the constant predictor; the relative gap grows only because train shrinks.
    train = (0.05 + 0.37 * np.exp(-E / 95)) * noise(100, 0.002, 11)
    val = train + 0.07 - 0.00008 * E
    hinted, _ = _codes(run(train, val), Hints(loss="mse", target_variance=0.082))
    assert Code.GENERALIZATION_GAP not in hinted
    assert Code.NOT_CONVERGED in hinted
    unhinted, _ = _codes(run(train, val))  # without a chance level the gap is all we know
    assert Code.GENERALIZATION_GAP in unhinted


def test_a_bounce_in_the_opening_descent_is_not_a_spike():
    # ex6_lr_0.1_val: 0.32 -> 0.13 -> 0.14 -> 0.086 -> 0.104 -> 0.087 in five epochs. The
    # running median cannot follow a curve that moves more within its window than the point
    # stands out; a jump of the same size in the flat part is still a spike.
    loss = 0.073 * noise(100, 0.01, 12)
    loss[:6] = [0.3213, 0.131, 0.1439, 0.0864, 0.1038, 0.0869]
    assert Code.LOSS_SPIKES not in _codes(run(loss))[0]
    loss = loss.copy()
    loss[60] *= 1.3
    assert Code.LOSS_SPIKES in _codes(run(loss))[0]


def test_a_superseded_finding_no_longer_silences_others():
    # UNDERFITTING drops POSSIBLE_LEAKAGE, which alone would have dropped VAL_BELOW_TRAIN.
    underfit, below = (
        Finding(code, code.value, Severity.WARNING, 0.9, "", "", ())
        for code in (Code.UNDERFITTING, Code.VAL_BELOW_TRAIN)
    )
    leakage = replace(underfit, code=Code.POSSIBLE_LEAKAGE)
    assert drop_superseded([underfit, leakage, below]) == [underfit, below]
    assert drop_superseded([leakage, below]) == [leakage]
