"""Scoring a detector set against the synthetic ground truth.

A *detector set* is any callable ``(TrainingLog, Hints | None) -> result`` where the result is
a :class:`Prediction`, or a ``(codes, onset)`` pair, or an object with ``codes`` and ``onset``
(a :class:`~analyzer.testing.baselines.BaselineResult`). :func:`analyzer_detector` adapts
``analyzer.analyze`` into one.

Per code: a found code is a true positive when the case expects it, ignored when the case allows
it, a false positive otherwise; an expected code not found is a false negative. F1 is
``2 TP / (2 TP + FP + FN)``; precision and recall are NaN where their denominator is 0. Macro F1
averages F1 over the codes with support (at least one case expecting them). When scoring on a
subset of codes (a baseline's coverage), codes outside it are neither counted nor expected.

False-alarm rate: among healthy cases (``primary is None``), the share with an *alarm* that the
case neither expects nor allows. Alarms are the WARNING/CRITICAL findings when the detector
reports severities (ours), otherwise every flagged code (baselines).

Onset error: on cases with a true onset where OVERFITTING was found with an onset, the median
absolute error in epochs (epoch-granularity cases) and as a fraction of the run (all cases).

Primary accuracy: for detectors that name a primary, the share of cases where it equals the
case's primary; a primary of INFO severity counts as "no primary" (a healthy verdict).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from analyzer.model.findings import Code, Diagnosis, Severity
from analyzer.model.hints import Hints
from analyzer.model.series import Granularity, TrainingLog
from analyzer.testing.synthetic import Case


@dataclass(frozen=True)
class Prediction:
    """What a detector set said about one case."""

    codes: frozenset[Code]
    onset: float | None = None
    #: Codes found at WARNING or CRITICAL severity; None when the detector has no severities.
    alarms: frozenset[Code] | None = None
    primary: Code | None = None
    reports_primary: bool = False
    error: str | None = None  # the detector raised on this case


Detector = Callable[[TrainingLog, Hints | None], object]


def as_prediction(result: object) -> Prediction:
    """Accept a Prediction, a ``(codes, onset)`` pair or an object with ``codes``/``onset``."""
    if isinstance(result, Prediction):
        return result
    if isinstance(result, tuple) and len(result) == 2:
        codes, onset = result
    else:
        codes, onset = result.codes, result.onset  # type: ignore[attr-defined]
    return Prediction(frozenset(Code(c) for c in codes), None if onset is None else float(onset))


def from_diagnosis(diagnosis: Diagnosis) -> Prediction:
    """A Prediction from our Diagnosis: onset from the OVERFITTING finding (its ``onset``
    evidence when present, else its ``start``), alarms and primary by severity."""
    overfit = diagnosis.finding(Code.OVERFITTING)
    onset = None
    if overfit is not None:
        evidence = overfit.evidence_named("onset")
        onset = evidence.value if evidence is not None else overfit.start
    primary = diagnosis.primary
    return Prediction(
        codes=frozenset(diagnosis.codes()),
        onset=onset,
        alarms=frozenset(f.code for f in diagnosis.findings if f.severity >= Severity.WARNING),
        primary=primary.code
        if primary is not None and primary.severity >= Severity.WARNING
        else None,
        reports_primary=True,
    )


def analyzer_detector(analyze: Callable[..., Diagnosis]) -> Detector:
    """Adapt ``analyzer.analyze(source, *, hints=...)`` into a detector set."""

    def detect(log: TrainingLog, hints: Hints | None) -> Prediction:
        return from_diagnosis(analyze(log, hints=hints))

    return detect


def predict(detector: Detector, cases: Iterable[Case]) -> list[Prediction]:
    """Run ``detector`` on every case; a raising detector yields an empty, marked prediction."""
    out = []
    for case in cases:
        try:
            out.append(as_prediction(detector(case.log, case.hints)))
        except Exception as exc:  # recorded and reported, like the engine does with detectors
            out.append(Prediction(frozenset(), error=f"{case.name}: {type(exc).__name__}: {exc}"))
    return out


@dataclass
class CodeScore:
    """Confusion counts for one code."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    ignored: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else math.nan

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else math.nan

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else math.nan


@dataclass
class Report:
    """The scores of one detector set on one list of cases."""

    per_code: dict[Code, CodeScore]
    cases: int
    healthy_cases: int = 0
    false_alarms: int = 0
    onset_errors_epochs: list[float] = field(default_factory=list)
    onset_errors_relative: list[float] = field(default_factory=list)
    primary_correct: int = 0
    primary_cases: int = 0  # cases where the detector named a primary (0: it does not)
    errors: list[str] = field(default_factory=list)

    @property
    def macro_f1(self) -> float:
        scores = [s.f1 for s in self.per_code.values() if s.support > 0]
        return float(np.mean(scores)) if scores else math.nan

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.healthy_cases if self.healthy_cases else math.nan

    @property
    def onset_median_abs_error(self) -> float:
        """Median |reported - true| onset in epochs, over epoch-granularity cases."""
        return float(np.median(self.onset_errors_epochs)) if self.onset_errors_epochs else math.nan

    @property
    def onset_median_relative_error(self) -> float:
        """Median |reported - true| onset as a fraction of the run, over all cases."""
        errors = self.onset_errors_relative
        return float(np.median(errors)) if errors else math.nan

    @property
    def primary_accuracy(self) -> float:
        return self.primary_correct / self.primary_cases if self.primary_cases else math.nan


def score(
    cases: Sequence[Case],
    predictions: Sequence[Prediction],
    *,
    codes: Collection[Code] | None = None,
) -> Report:
    """Score ``predictions`` (one per case, in order) on ``codes`` (default: every code)."""
    if len(cases) != len(predictions):
        raise ValueError(f"{len(cases)} cases but {len(predictions)} predictions")
    scope = frozenset(Code) if codes is None else frozenset(codes)
    report = Report(per_code={c: CodeScore() for c in Code if c in scope}, cases=len(cases))
    for case, pred in zip(cases, predictions, strict=True):
        if pred.error:
            report.errors.append(pred.error)
        found = pred.codes & scope
        expected = case.expected & scope
        for code in found:
            tally = report.per_code[code]
            if code in expected:
                tally.tp += 1
            elif code in case.allowed:
                tally.ignored += 1
            else:
                tally.fp += 1
        for code in expected - found:
            report.per_code[code].fn += 1
        if case.primary is None:
            report.healthy_cases += 1
            alarms = (pred.codes if pred.alarms is None else pred.alarms) & scope
            if alarms - case.expected - case.allowed:
                report.false_alarms += 1
        _score_onset(report, case, pred, scope)
        if pred.reports_primary:
            report.primary_cases += 1
            report.primary_correct += pred.primary == case.primary
    return report


def _score_onset(report: Report, case: Case, pred: Prediction, scope: frozenset[Code]) -> None:
    if case.onset is None or pred.onset is None or Code.OVERFITTING not in pred.codes & scope:
        return
    error = abs(pred.onset - case.onset)
    train = case.log.get("loss")
    span = float(train.steps[-1] - train.steps[0]) if train is not None and len(train) > 1 else 1.0
    report.onset_errors_relative.append(error / span)
    if case.granularity is Granularity.EPOCH:
        report.onset_errors_epochs.append(error)


def evaluate(
    detector: Detector, cases: Sequence[Case], *, codes: Collection[Code] | None = None
) -> Report:
    """Run ``detector`` on ``cases`` and score it."""
    return score(cases, predict(detector, cases), codes=codes)


def per_family_exact(
    cases: Sequence[Case], predictions: Sequence[Prediction]
) -> Mapping[str, float]:
    """Share of each family's cases diagnosed exactly: every expected code found and nothing
    found that the case neither expects nor allows."""
    hits: dict[str, list[bool]] = {}
    for case, pred in zip(cases, predictions, strict=True):
        exact = case.expected <= pred.codes <= case.expected | case.allowed
        hits.setdefault(case.family, []).append(exact)
    return {family: float(np.mean(v)) for family, v in hits.items()}
