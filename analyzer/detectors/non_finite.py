"""Non-finite loss: the first NaN or infinite loss value."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, at
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.NON_FINITE_LOSS,
    title="Loss became NaN or infinite",
    severity=Severity.CRITICAL,
    what="A training or validation loss value is NaN or infinite.",
    why="Once the loss is NaN the weights are NaN too: every later epoch is wasted and the "
    "model is unusable. It is the end point of divergence or of a numerical bug.",
    evidence="first non-finite epoch or step, how many values are non-finite, whether the "
    "loss ever recovered, and the last finite value before it.",
    remedy="Lower the learning rate (or add warmup), clip gradients, check the inputs and "
    "targets for NaN/inf, use a numerically stable loss (from logits), and with mixed "
    "precision use loss scaling.",
)


def detect(ctx: RunContext) -> list[Finding]:
    findings = []
    for series in (ctx.train_series, ctx.val_series):
        if series is None:
            continue
        bad = np.flatnonzero(~np.isfinite(series.values))
        if bad.size == 0:
            continue
        first = int(bad[0])
        first_step = float(series.steps[first])
        recovered = bool(np.isfinite(series.values[first:]).any())
        kinds = sorted({"NaN" if np.isnan(v) else "inf" for v in series.values[bad]})
        last_finite = series.values[:first][np.isfinite(series.values[:first])]
        evidence = [
            Evidence("first_non_finite_step", first_step, "first step with a non-finite loss"),
            Evidence("non_finite_count", float(bad.size), "non-finite loss values"),
            Evidence("non_finite_share", bad.size / len(series), "share of the series"),
        ]
        if last_finite.size:
            evidence.append(
                Evidence("last_finite_loss", float(last_finite[-1]), "last finite value before")
            )
        tail = "and stayed non-finite" if not recovered else "then recovered in places"
        findings.append(
            SPEC.finding(
                summary=f"{series.name} became {'/'.join(kinds)} at "
                f"{at(ctx, first_step)} {tail} ({bad.size} of {len(series)} values).",
                explanation="A NaN or infinite loss means the optimization broke down "
                "numerically. The weights after that point are not usable; analyses below "
                "use only the finite values before and around it.",
                recommendations=(SPEC.remedy,),
                evidence=evidence,
                confidence=0.99,
                ctx=ctx,
                series=(series.name,),
                start=first_step,
                end=float(series.steps[-1]),
            )
        )
    return findings
