"""What the analyzer concludes: findings with their evidence, and the diagnosis that ranks them.

Finding codes are one table (:class:`Code`); on the wire they travel as their string values,
which never change once published. Each detector declares the code it emits together with its
documentation (:mod:`analyzer.detectors`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class Code(StrEnum):
    """Every finding the analyzer can report. Values are stable API strings."""

    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"
    NON_FINITE_LOSS = "NON_FINITE_LOSS"
    DIVERGENCE = "DIVERGENCE"
    OSCILLATION = "OSCILLATION"
    LOSS_SPIKES = "LOSS_SPIKES"
    SLOW_CONVERGENCE = "SLOW_CONVERGENCE"
    NOT_CONVERGED = "NOT_CONVERGED"
    PLATEAU = "PLATEAU"
    NO_LEARNING = "NO_LEARNING"
    UNDERFITTING = "UNDERFITTING"
    TRAIN_VAL_SIMILAR = "TRAIN_VAL_SIMILAR"
    OVERFITTING = "OVERFITTING"
    GENERALIZATION_GAP = "GENERALIZATION_GAP"
    NOISY_VALIDATION = "NOISY_VALIDATION"
    VAL_BELOW_TRAIN = "VAL_BELOW_TRAIN"
    POSSIBLE_LEAKAGE = "POSSIBLE_LEAKAGE"
    STOPPED_WHILE_IMPROVING = "STOPPED_WHILE_IMPROVING"
    WASTED_EPOCHS = "WASTED_EPOCHS"
    LOSS_SCALE_ANOMALY = "LOSS_SCALE_ANOMALY"
    ACCURACY_LOSS_DISAGREEMENT = "ACCURACY_LOSS_DISAGREEMENT"


class Severity(IntEnum):
    """How much a finding matters; ordered so that ``max()`` picks the worst."""

    INFO = 0  # worth knowing, nothing to fix (e.g. validation below training, explained)
    WARNING = 1  # the run works but could be better (overfitting after the best epoch)
    CRITICAL = 2  # the run failed (NaN loss, divergence, no learning)

    @property
    def label(self) -> str:
        return self.name.lower()


class Verdict(StrEnum):
    """The one-word answer for a whole run."""

    HEALTHY = "healthy"
    NEEDS_ATTENTION = "needs_attention"
    FAILING = "failing"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True)
class Evidence:
    """One measurement behind a finding: a statistic by name, the test that produced it, its
    p-value or effect size, and the threshold it was compared with.

    ``name`` is a stable identifier (``mk_tau``, ``val_rise_relative``); ``description`` says in
    words what it measures.
    """

    name: str
    value: float
    description: str = ""
    test: str | None = None
    p_value: float | None = None
    threshold: float | None = None
    comparison: str | None = None  # e.g. "<", ">=": how value was held against threshold
    unit: str | None = None
    #: What the threshold applies to: the ``value`` itself, or the test's ``p_value``.
    threshold_on: str = "value"

    def passed(self) -> bool | None:
        """Whether ``value comparison threshold`` holds (None when there is no threshold)."""
        compared = self.p_value if self.threshold_on == "p_value" else self.value
        if self.threshold is None or self.comparison is None or compared is None:
            return None
        if math.isnan(compared):
            return None
        ops = {
            "<": compared < self.threshold,
            "<=": compared <= self.threshold,
            ">": compared > self.threshold,
            ">=": compared >= self.threshold,
        }
        return ops[self.comparison]

    def criterion(self) -> str | None:
        """The threshold in words with whether it holds, e.g. ``"p < 0.05: met"``, or None.

        A finding may rest on one of several alternative criteria, so a criterion that is not
        met is reported as such rather than as a requirement."""
        if self.threshold is None or not self.comparison:
            return None
        subject = "p" if self.threshold_on == "p_value" else "value"
        status = {True: ": met", False: ": not met", None: ""}[self.passed()]
        return f"{subject} {self.comparison} {self.threshold:.4g}{status}"


@dataclass(frozen=True)
class Finding:
    """A judgement about the run, with the evidence for it and what to do about it."""

    code: Code
    title: str
    severity: Severity
    confidence: float  # 0..1: how sure the evidence makes us, not how bad it is
    summary: str  # one line, rendered from the evidence
    explanation: str  # why it matters and what the numbers mean (may say "consistent with")
    recommendations: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()
    series: tuple[str, ...] = ()  # normalized names of the series the finding is about
    start: float | None = None  # first epoch/step the finding covers
    end: float | None = None  # last epoch/step it covers
    granularity: str = "epoch"

    @property
    def confidence_label(self) -> str:
        return "high" if self.confidence >= 0.8 else "medium" if self.confidence >= 0.5 else "low"

    def evidence_named(self, name: str) -> Evidence | None:
        return next((e for e in self.evidence if e.name == name), None)


@dataclass(frozen=True)
class Summary:
    """The run in numbers (NaN where the log cannot say: no validation series, ...)."""

    epochs: int = 0
    granularity: str = "epoch"
    best_epoch: float = math.nan  # by validation loss
    best_val_loss: float = math.nan
    best_train_loss: float = math.nan
    final_train_loss: float = math.nan
    final_val_loss: float = math.nan
    gap_at_best: float = math.nan  # val - train at the best epoch
    relative_gap_at_best: float = math.nan  # (val - train) / train
    final_gap: float = math.nan
    relative_final_gap: float = math.nan
    total_relative_improvement: float = math.nan  # (first - best) / first, training loss
    remaining_improvement: float = math.nan  # from the convergence fit, absolute
    remaining_improvement_relative: float = math.nan
    window: int = 1  # points per window used for step-level logs (1 = raw)


@dataclass(frozen=True)
class DetectorFailure:
    """A detector that raised: recorded, not fatal. Its absence of findings means nothing."""

    detector: str
    error: str


@dataclass(frozen=True)
class Diagnosis:
    """Everything the analyzer says about one run."""

    verdict: Verdict
    primary: Finding | None
    findings: tuple[Finding, ...]
    summary: Summary
    run_name: str | None = None
    source_format: str = "unknown"
    warnings: tuple[str, ...] = ()
    failures: tuple[DetectorFailure, ...] = field(default=())

    def codes(self) -> tuple[Code, ...]:
        return tuple(f.code for f in self.findings)

    def finding(self, code: Code | str) -> Finding | None:
        return next((f for f in self.findings if f.code == Code(code)), None)
