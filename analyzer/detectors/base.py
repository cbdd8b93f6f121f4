"""The contract every detector follows.

A detector is a module with a :class:`DetectorSpec` (its code, title and documentation: what it
detects, why it matters, which evidence it reports, what it recommends) and a pure
``detect(ctx) -> list[Finding]`` that reads a :class:`~analyzer.detectors.context.RunContext`.
"Not enough data" is a normal outcome: the detector returns no finding.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity


@dataclass(frozen=True)
class DetectorSpec:
    """A detector's identity and documentation (served by ``ListDetectors`` and
    ``analyzer-cli explain CODE``)."""

    code: Code
    title: str
    severity: Severity  # the usual severity; a finding may differ when its evidence says so
    what: str
    why: str
    evidence: str
    remedy: str
    #: Codes that make this finding redundant when present (overfitting implies a gap).
    superseded_by: tuple[Code, ...] = ()

    def finding(
        self,
        *,
        summary: str,
        explanation: str,
        recommendations: Sequence[str],
        evidence: Sequence[Evidence],
        confidence: float,
        ctx: RunContext,
        series: Sequence[str] = (),
        start: float | None = None,
        end: float | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            title=self.title,
            severity=self.severity if severity is None else severity,
            confidence=float(min(max(confidence, 0.0), 1.0)),
            summary=summary,
            explanation=explanation,
            recommendations=tuple(recommendations),
            evidence=tuple(evidence),
            series=tuple(series),
            start=None if start is None else float(start),
            end=None if end is None else float(end),
            granularity=ctx.unit,
        )


Detect = Callable[[RunContext], list[Finding]]


@dataclass(frozen=True)
class Detector:
    spec: DetectorSpec
    detect: Detect


def learning_rate_advice(ctx: RunContext, *, lower: bool) -> tuple[str, ...]:
    """A concrete learning-rate range when the hints give the rate used: 3-10x lower for
    instability, 3-10x higher for slow progress. Nothing when the rate is unknown."""
    rate = ctx.hints.learning_rate
    if rate is None:
        return ()
    low, high = (rate / 10, rate / 3) if lower else (rate * 3, rate * 10)
    verb = "Lower" if lower else "Raise"
    return (f"{verb} the learning rate from {rate:g} to about {low:.2g}-{high:.2g}.",)


def batch_advice(ctx: RunContext) -> tuple[str, ...]:
    """Batch-size advice when the hints say the batch is small (noisy gradient estimates)."""
    size = ctx.hints.batch_size
    if size is None or size >= 32:
        return ()
    return (f"The batch size is {size}: a larger batch (32-128) gives less noisy updates.",)


def confidence_from_p(p: float, alpha: float) -> float:
    """Map a p-value below alpha to a confidence in [0.5, 0.99]: just below alpha is 0.5,
    a hundred times smaller is about 0.9."""
    if not math.isfinite(p) or p >= alpha:
        return 0.5
    ratio = math.log10(alpha / max(p, 1e-300))
    return min(0.99, 0.5 + 0.2 * ratio)


def log_margin(relative: float) -> float:
    """A relative equivalence margin (0.1 = within 10%) on the log-ratio scale."""
    return math.log1p(relative)


def fmt(value: float, digits: int = 4) -> str:
    """A number for a sentence: 4 significant digits, 'nan' for NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def pct(value: float) -> str:
    return f"{100 * value:.0f}%" if math.isfinite(value) else "n/a"


def at(ctx: RunContext, step: float) -> str:
    """``epoch 12`` or ``step 4,000``."""
    unit = ctx.unit
    if unit == "epoch":
        return f"epoch {int(step)}" if float(step).is_integer() else f"epoch {step:g}"
    return f"step {round(step):,}"
