"""Every code has a detector, documentation, a case that fires it and one that must not."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.detectors import DETECTORS, SPECS
from analyzer.engine import diagnose
from analyzer.model.findings import Code, Severity, Verdict
from analyzer.model.hints import Hints
from tests.detectors.curves import decay, healthy, noise, run

N = 60
E = np.arange(N)


def _overfit(n=N, seed=3):
    train = decay(n, 2.3, 0.1, 8) * noise(n, 0.01, seed)
    clean_val = (
        0.5 + 1.8 * np.exp(-np.arange(n) / 6) + 0.0004 * np.maximum(0, np.arange(n) - 20) ** 2
    )
    return train, clean_val * noise(n, 0.015, seed + 1)


def fires():
    t_over, v_over = _overfit()
    acc_up = 0.6 + 0.3 * (1 - np.exp(-E / 10)) + 0.002 * np.maximum(0, E - 20)
    spiky = decay(N) * noise(N, 0.01, 5)
    spiky[[25, 41]] *= 2.5
    diverging = np.concatenate([decay(20, 2.3, 0.5, 5), 0.5 * np.exp(np.arange(1, 41) / 10)])
    oscillating = (
        decay(N, 2.0, 0.8, 5) * (1 + 0.25 * np.where(E % 2 == 0, 1, -1)) * noise(N, 0.05, 6)
    )
    plateau = np.where(E < 30, 0.69, 0.69 * np.exp(-(E - 30) / 8) + 0.1) * noise(N, 0.005, 7)
    nan_run = decay(N) * noise(N, 0.01, 8)
    nan_run[35:] = np.nan
    return {
        Code.INSUFFICIENT_DATA: (run([1.0, 0.8, 0.7]), None),
        Code.NON_FINITE_LOSS: (run(nan_run), None),
        Code.DIVERGENCE: (run(diverging), None),
        Code.OSCILLATION: (run(oscillating), None),
        Code.LOSS_SPIKES: (run(spiky, decay(N, 2.35, 0.33) * noise(N, 0.01, 9)), None),
        Code.SLOW_CONVERGENCE: (run((2.0 - 0.006 * np.arange(100)) * noise(100, 0.003, 10)), None),
        Code.NOT_CONVERGED: (run(decay(N, 2.3, 0.2, 40) * noise(N, 0.005, 11)), None),
        Code.PLATEAU: (run(plateau), None),
        Code.NO_LEARNING: (
            run(0.693 * noise(N, 0.005, 12), 0.694 * noise(N, 0.008, 13)),
            Hints(loss="binary_crossentropy"),
        ),
        Code.UNDERFITTING: (
            run(
                (80 + 70 * np.exp(-E / 3)) * noise(N, 0.005, 14),
                (81 + 70 * np.exp(-E / 3)) * noise(N, 0.008, 15),
            ),
            Hints(loss="mse", target_variance=85.0),
        ),
        Code.TRAIN_VAL_SIMILAR: (
            run(decay(N) * noise(N, 0.01, 16), decay(N) * noise(N, 0.01, 17)),
            None,
        ),
        Code.OVERFITTING: (run(t_over, v_over), None),
        Code.GENERALIZATION_GAP: (
            run(decay(N) * noise(N, 0.01, 18), 1.6 * decay(N) * noise(N, 0.01, 19)),
            None,
        ),
        Code.NOISY_VALIDATION: (
            run(decay(N) * noise(N, 0.005, 20), decay(N, 2.35, 0.33) * noise(N, 0.12, 21, phi=0.0)),
            None,
        ),
        Code.VAL_BELOW_TRAIN: (
            run(decay(N) * noise(N, 0.01, 22), 0.8 * decay(N) * noise(N, 0.01, 23)),
            None,
        ),
        Code.POSSIBLE_LEAKAGE: (
            run(decay(N) * noise(N, 0.01, 24), 0.4 * decay(N) * noise(N, 0.01, 25)),
            None,
        ),
        Code.STOPPED_WHILE_IMPROVING: (
            run(
                decay(40, 2.3, 0.2, 30) * noise(40, 0.005, 26),
                decay(40, 2.4, 0.3, 30) * noise(40, 0.005, 27),
            ),
            None,
        ),
        Code.WASTED_EPOCHS: (run(t_over, v_over), None),
        Code.LOSS_SCALE_ANOMALY: (run(np.concatenate([[5000.0], decay(N - 1, 5, 0.5, 5)])), None),
        Code.ACCURACY_LOSS_DISAGREEMENT: (run(t_over, v_over, acc_up), None),
    }


def quiet():
    """A close neighbour where the code must not appear."""
    t_over, v_over = _overfit()
    acc_down = 0.8 - 0.004 * np.maximum(0, E - 20)
    mild_below = run(decay(N) * noise(N, 0.01, 30), 0.8 * decay(N) * noise(N, 0.01, 31))
    gap = run(decay(N) * noise(N, 0.01, 32), 1.6 * decay(N) * noise(N, 0.01, 33))
    base = {code: (healthy(seed=40 + i), None) for i, code in enumerate(Code)}
    base[Code.TRAIN_VAL_SIMILAR] = (gap, None)
    base[Code.POSSIBLE_LEAKAGE] = (mild_below, None)
    base[Code.ACCURACY_LOSS_DISAGREEMENT] = (run(t_over, v_over, acc_down), None)
    base[Code.UNDERFITTING] = (healthy(seed=41), Hints(loss="mse", target_variance=85.0))
    # Still improving at the end: no epochs after the floor to waste.
    base[Code.WASTED_EPOCHS] = (
        run(
            decay(40, 2.3, 0.2, 30) * noise(40, 0.005, 34),
            decay(40, 2.4, 0.3, 30) * noise(40, 0.005, 35),
        ),
        None,
    )
    return base


def test_every_code_has_one_documented_detector():
    codes = [d.spec.code for d in DETECTORS]
    assert sorted(codes) == sorted(Code)
    assert len(set(codes)) == len(codes)
    for spec in SPECS.values():
        for field in (spec.title, spec.what, spec.why, spec.evidence, spec.remedy):
            assert len(field) > 20 or field is spec.title


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_case_fires(code):
    log, hints = fires()[code]
    diagnosis = diagnose(log, hints=hints)
    assert code in diagnosis.codes(), [f"{f.code}: {f.summary}" for f in diagnosis.findings]
    finding = diagnosis.finding(code)
    assert finding.evidence and finding.recommendations and finding.summary
    assert 0 < finding.confidence <= 1
    assert not diagnosis.failures


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_neighbour_stays_quiet(code):
    log, hints = quiet()[code]
    diagnosis = diagnose(log, hints=hints)
    assert code not in diagnosis.codes(), diagnosis.finding(code).summary
    assert not diagnosis.failures


def test_healthy_runs_are_healthy():
    for seed in range(10):
        diagnosis = diagnose(healthy(seed=seed))
        assert diagnosis.verdict is Verdict.HEALTHY, [f.summary for f in diagnosis.findings]
        assert diagnosis.primary is None


def test_overfitting_reports_onset_and_best_epoch_near_the_truth():
    train, val = _overfit()
    finding = diagnose(run(train, val)).finding(Code.OVERFITTING)
    clean = 0.5 + 1.8 * np.exp(-E / 6) + 0.0004 * np.maximum(0, E - 20) ** 2
    true_onset = int(np.argmin(clean))
    assert abs(finding.evidence_named("onset_step").value - true_onset) <= 3
    assert finding.evidence_named("best_step").value == float(np.argmin(val))
    assert finding.severity is Severity.WARNING


def test_primary_is_the_root_cause_and_verdict_follows_severity():
    nan_run = decay(N) * noise(N, 0.01, 8)
    nan_run[35:] = np.nan
    d = diagnose(run(nan_run))
    assert d.verdict is Verdict.FAILING
    assert d.primary.code is Code.NON_FINITE_LOSS
    assert d.findings[0] is d.primary


def test_superseded_findings_are_dropped():
    train, val = _overfit()
    codes = diagnose(run(train, val)).codes()
    assert Code.OVERFITTING in codes and Code.GENERALIZATION_GAP not in codes


def test_a_failing_detector_is_recorded_not_fatal(monkeypatch):
    from analyzer import detectors as registry
    from analyzer.detectors.base import Detector

    def boom(ctx):
        raise RuntimeError("boom")

    broken = Detector(registry.DETECTORS[0].spec, boom)
    monkeypatch.setattr("analyzer.engine.DETECTORS", (broken, *registry.DETECTORS[1:]))
    d = diagnose(healthy())
    assert [f.detector for f in d.failures] == [str(registry.DETECTORS[0].spec.code)]
    assert "RuntimeError: boom" in d.failures[0].error


def test_summary_numbers_match_the_curves():
    train, val = _overfit()
    s = diagnose(run(train, val)).summary
    best = int(np.argmin(val))
    assert s.best_epoch == best and s.best_val_loss == val[best]
    assert math.isclose(s.gap_at_best, val[best] - train[best])
    assert math.isclose(s.relative_final_gap, (val[-1] - train[-1]) / train[-1])
    assert s.epochs == N and s.window == 1


def test_hints_sharpen_recommendations():
    log, _ = fires()[Code.OSCILLATION]
    hinted = diagnose(log, hints=Hints(learning_rate=0.1, batch_size=8)).finding(Code.OSCILLATION)
    assert any("from 0.1 to about 0.01-0.033" in r for r in hinted.recommendations)
    assert any("batch size is 8" in r for r in hinted.recommendations)
    plain = diagnose(log).finding(Code.OSCILLATION)
    assert len(plain.recommendations) == 1

    log, _ = fires()[Code.STOPPED_WHILE_IMPROVING]
    finding = diagnose(log, hints=Hints(planned_epochs=100, early_stopping_patience=2)).finding(
        Code.STOPPED_WHILE_IMPROVING
    )
    assert "after 40 of 100 planned epochs" in finding.explanation
    assert "patience 2" in finding.explanation
