"""Stopped while still improving: validation loss still falling when the run ended."""

from __future__ import annotations

from analyzer.detectors.base import DetectorSpec, at, confidence_from_p, fmt
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.STOPPED_WHILE_IMPROVING,
    title="Stopped while validation loss was still improving",
    severity=Severity.WARNING,
    what="Over the last part of the run the validation loss still falls significantly, and "
    "its best value is at or near the end.",
    why="The run ended (epoch budget or an impatient early-stopping callback) before the "
    "model reached its best generalization.",
    evidence="Mann-Kendall trend and Sen's slope of validation loss over the tail, and where "
    "the best validation loss is.",
    remedy="Train longer; with early stopping, raise patience (5-10 epochs, or more with a "
    "noisy validation curve) and set a min_delta, and keep restore_best_weights=True.",
    superseded_by=(Code.DIVERGENCE, Code.NON_FINITE_LOSS),
)


def detect(ctx: RunContext) -> list[Finding]:
    val, s = ctx.val, ctx.settings
    if val is None or val.n_finite < 2 * s.min_points:
        return []
    best = ctx.best_val_index
    patience = ctx.hints.early_stopping_patience or 0
    near_end = max(2, patience + 2, round(0.1 * val.n_finite))
    if val.n_finite - 1 - best > near_end:
        return []
    better = ctx.still_improving(val)
    if better is None:
        return []
    tail, trend = better.tail, better.trend
    stopper = ""
    planned = ctx.hints.planned_epochs
    if planned and ctx.unit == "epoch" and val.x[-1] + 1 < planned:
        stopper = (
            f" The run ended after {int(val.x[-1]) + 1} of {planned} planned epochs, so "
            "something stopped it early."
        )
    if ctx.hints.early_stopping_patience is not None:
        stopper += (
            " An early-stopping callback with patience "
            f"{ctx.hints.early_stopping_patience} is consistent with stopping on a small uptick."
        )
    return [
        SPEC.finding(
            summary=f"Validation loss was still falling when the run ended (best at "
            f"{at(ctx, float(val.x[best]))}, Sen's slope {fmt(trend.sen.slope)} per "
            f"{ctx.unit} over the last {tail.stop - tail.start} points).",
            explanation="The end of the validation curve still has a significant downward "
            f"trend, so more training would likely lower it further.{stopper}",
            recommendations=(SPEC.remedy,),
            evidence=(
                *better.evidence(s, ctx.unit, prefix="val_"),
                Evidence(
                    "points_after_best",
                    float(val.n_finite - 1 - best),
                    "points after the best validation loss",
                    threshold=float(near_end),
                    comparison="<=",
                ),
            ),
            confidence=confidence_from_p(trend.test.p_decreasing, s.alpha),
            ctx=ctx,
            series=("val_loss",),
            start=float(val.x[tail.start]),
            end=float(val.x[-1]),
        )
    ]
