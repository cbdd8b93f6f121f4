"""No learning at all: the loss never leaves its initial level or the chance baseline."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.NO_LEARNING,
    title="The model learns nothing",
    severity=Severity.CRITICAL,
    what="The training loss never leaves its initial level (improves by less than a few "
    "percent over the run); when a chance baseline is known (ln 2 for balanced binary "
    "cross-entropy, ln K for K classes, Var(y) for MSE) the evidence says whether it sits at "
    "that level too.",
    why="A model at chance level has learned nothing about the inputs; nothing downstream of "
    "it (tuning, regularization) can help until this is fixed.",
    evidence="the best improvement over the run's opening level (mean of its first 10%), the "
    "trend test over the run, "
    "and the final loss against the chance baseline when one is known.",
    remedy="Check the data pipeline (labels aligned with inputs, not shuffled separately), "
    "that gradients reach the weights (no frozen layers, no detached graph), try a higher "
    "learning rate, replace saturating activations (sigmoid/tanh in deep stacks -> ReLU), "
    "and normalize the inputs.",
    superseded_by=(Code.DIVERGENCE, Code.NON_FINITE_LOSS),
)


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train or ctx.val, ctx.settings
    if curve is None or curve.n_finite < s.min_points:
        return []
    smooth = curve.smooth
    start, low, end = float(smooth[0]), float(np.min(smooth)), float(smooth[-1])
    if start <= 0:
        return []
    head = float(np.mean(curve.y[: max(2, curve.n_finite // 10)]))
    # The smaller of two views: the best point reached (biased low by noise) and where the
    # run ends (a run that fell and came back has not learned either; DIVERGENCE covers it).
    reached = (head - low) / head if head > 0 else 0.0
    improvement = max(min(reached, curve.net_improvement), 0.0)
    baseline, how, hinted = ctx.baseline
    evidence = [
        Evidence(
            "best_relative_improvement",
            improvement,
            "the smaller of (opening mean - lowest smoothed loss) / opening mean and the "
            "net improvement from the opening to the last quarter",
            threshold=s.no_learning_max_improvement,
            comparison="<",
        ),
    ]
    at_chance = hinted and end >= baseline * (1 - s.baseline_tolerance)
    if at_chance:
        evidence.append(
            Evidence(
                "final_over_baseline",
                end / baseline,
                f"final loss over the chance baseline ({how})",
                threshold=1 - s.baseline_tolerance,
                comparison=">=",
            )
        )
    flat = improvement < s.no_learning_max_improvement
    declining = False
    if flat:
        trend = ctx.trend(curve)
        declining = trend.ok and trend.test.p_decreasing < s.alpha
        if trend.ok:
            evidence.append(
                Evidence(
                    "mk_z",
                    trend.test.z,
                    "Mann-Kendall z over the run",
                    test=f"mann_kendall[{trend.test.method}]",
                    p_value=trend.test.p_decreasing,
                )
            )
    if not flat:
        return []  # it moved: ending at chance after real progress is UNDERFITTING's call
    reason = (
        f"it ends at {fmt(end)}, at or above the chance level {fmt(baseline)} ({how})"
        if at_chance
        else f"it improved only {pct(improvement)} from {fmt(start)}"
    )
    return [
        SPEC.finding(
            summary=f"{curve.name} never left its starting level: {reason}.",
            explanation="A loss that stays where an untrained or uninformed model starts "
            "means no signal is being learned. From the log alone this is consistent with "
            "vanishing gradients or saturated activations, a learning rate far too low, "
            "labels that carry no information (random or misaligned), or a bug that stops "
            "gradients from reaching the weights.",
            recommendations=(SPEC.remedy,),
            evidence=evidence,
            confidence=0.6 if declining else 0.9 if at_chance or curve.n_finite >= 20 else 0.7,
            ctx=ctx,
            series=(curve.name,),
            start=float(curve.x[0]),
            end=float(curve.x[-1]),
        )
    ]
