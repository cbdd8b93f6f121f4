"""Scoring on a small confusion example worked out by hand, plus the adapters."""

import dataclasses
import math

import pytest

from analyzer.model.findings import Code, Diagnosis, Finding, Severity, Summary, Verdict
from analyzer.testing.scoring import (
    Prediction,
    analyzer_detector,
    as_prediction,
    evaluate,
    from_diagnosis,
    per_family_exact,
    predict,
    score,
)
from analyzer.testing.synthetic import case

C = Code


def labelled(expected, allowed, primary, onset=None, family="x"):
    base = case("healthy", 1, length=50)
    return dataclasses.replace(
        base,
        family=family,
        expected=frozenset(expected),
        allowed=frozenset(allowed),
        primary=primary,
        onset=onset,
    )


@pytest.fixture
def example():
    cases = [
        labelled({C.OVERFITTING}, {C.WASTED_EPOCHS}, C.OVERFITTING, onset=10.0, family="a"),
        labelled(set(), {C.TRAIN_VAL_SIMILAR}, None, family="b"),
        labelled({C.DIVERGENCE}, set(), C.DIVERGENCE, family="c"),
        labelled(set(), set(), None, family="d"),
    ]
    predictions = [
        Prediction(frozenset({C.OVERFITTING, C.WASTED_EPOCHS}), onset=13.0),  # TP + ignored
        Prediction(frozenset({C.TRAIN_VAL_SIMILAR, C.OVERFITTING})),  # ignored + FP, alarm
        Prediction(frozenset()),  # FN
        Prediction(frozenset({C.TRAIN_VAL_SIMILAR})),  # FP, alarm (no severities)
    ]
    return cases, predictions


def test_hand_computed_confusion(example):
    cases, predictions = example
    report = score(cases, predictions)
    over = report.per_code[C.OVERFITTING]
    assert (over.tp, over.fp, over.fn, over.ignored) == (1, 1, 0, 0)
    assert over.precision == 0.5 and over.recall == 1.0 and over.f1 == pytest.approx(2 / 3)
    div = report.per_code[C.DIVERGENCE]
    assert (div.tp, div.fp, div.fn) == (0, 0, 1)
    assert math.isnan(div.precision) and div.recall == 0.0 and div.f1 == 0.0
    similar = report.per_code[C.TRAIN_VAL_SIMILAR]
    assert (similar.tp, similar.fp, similar.ignored, similar.support) == (0, 1, 1, 0)
    assert report.per_code[C.WASTED_EPOCHS].ignored == 1
    # Macro F1 over codes with support: OVERFITTING 2/3 and DIVERGENCE 0.
    assert report.macro_f1 == pytest.approx(1 / 3)
    assert (report.healthy_cases, report.false_alarms) == (2, 2)
    assert report.onset_median_abs_error == 3.0
    assert report.onset_median_relative_error == pytest.approx(3 / 49)
    assert math.isnan(report.primary_accuracy)


def test_severities_decide_what_is_an_alarm(example):
    cases, predictions = example
    predictions[3] = dataclasses.replace(predictions[3], alarms=frozenset())  # INFO only
    predictions[1] = dataclasses.replace(predictions[1], alarms=frozenset({C.OVERFITTING}))
    report = score(cases, predictions)
    assert report.false_alarms == 1 and report.false_alarm_rate == 0.5


def test_scoring_on_a_baselines_codes_only(example):
    cases, predictions = example
    report = score(cases, predictions, codes={C.OVERFITTING})
    assert set(report.per_code) == {C.OVERFITTING}
    assert report.macro_f1 == pytest.approx(2 / 3)
    assert report.false_alarms == 1  # case d's TRAIN_VAL_SIMILAR is out of scope


def test_primary_accuracy_counts_none_for_healthy(example):
    cases, _ = example
    named = [
        Prediction(frozenset({C.OVERFITTING}), primary=C.OVERFITTING, reports_primary=True),
        Prediction(frozenset(), primary=None, reports_primary=True),
        Prediction(frozenset(), primary=C.PLATEAU, reports_primary=True),
        Prediction(frozenset(), primary=C.PLATEAU, reports_primary=True),
    ]
    assert score(cases, named).primary_accuracy == 0.5
    assert per_family_exact(cases, named) == {"a": 1.0, "b": 1.0, "c": 0.0, "d": 1.0}


def test_a_trivial_stand_in_detector_is_scored():
    cases = [case("overfitting", 2, length=50), case("healthy", 2, length=50)]
    silent = evaluate(lambda log, hints: (set(), None), cases)
    assert silent.per_code[C.OVERFITTING].fn == 1 and silent.false_alarms == 0
    assert silent.macro_f1 == 0.0
    perfect = evaluate(lambda log, hints: ({"OVERFITTING"}, 20), cases[:1])
    assert perfect.macro_f1 == 1.0 and len(perfect.onset_errors_epochs) == 1


def test_a_raising_detector_is_recorded_not_fatal():
    def broken(log, hints):
        raise RuntimeError("boom")

    predictions = predict(broken, [case("healthy", 3, length=20)])
    assert predictions[0].codes == frozenset() and "boom" in predictions[0].error
    with pytest.raises(ValueError, match="predictions"):
        score([case("healthy", 3, length=20)], [])


def finding(code, severity, start=None, evidence=()):
    return Finding(
        code=code,
        title=code.value,
        severity=severity,
        confidence=0.9,
        summary="",
        explanation="",
        recommendations=(),
        evidence=evidence,
        start=start,
    )


def test_diagnosis_adapter_reads_onset_alarms_and_primary():
    over = finding(C.OVERFITTING, Severity.WARNING, start=12.0)
    info = finding(C.VAL_BELOW_TRAIN, Severity.INFO)
    diagnosis = Diagnosis(Verdict.NEEDS_ATTENTION, over, (over, info), Summary())
    pred = from_diagnosis(diagnosis)
    assert pred.codes == {C.OVERFITTING, C.VAL_BELOW_TRAIN}
    assert pred.alarms == {C.OVERFITTING} and pred.onset == 12.0
    assert pred.primary is C.OVERFITTING and pred.reports_primary
    healthy = Diagnosis(Verdict.HEALTHY, info, (info,), Summary())
    assert from_diagnosis(healthy).primary is None  # an INFO primary is a healthy verdict

    def fake_analyze(source, *, hints=None):
        return diagnosis

    assert analyzer_detector(fake_analyze)(None, None) == pred


def test_as_prediction_accepts_pairs_and_results():
    assert as_prediction(({"DIVERGENCE"}, None)) == Prediction(frozenset({C.DIVERGENCE}))
    from analyzer.testing.baselines import BaselineResult

    result = as_prediction(BaselineResult(frozenset({C.OVERFITTING}), 4))
    assert result.onset == 4.0 and result.alarms is None
