"""Divergence: training loss rising, from the start or after a fall."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import (
    DetectorSpec,
    at,
    confidence_from_p,
    fmt,
    learning_rate_advice,
    pct,
)
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.DIVERGENCE,
    title="Training loss diverges",
    severity=Severity.CRITICAL,
    what="The training loss rises significantly: from the start, or after falling to a "
    "minimum it climbs well above it.",
    why="The optimizer is making the model worse on the very data it trains on; the usual "
    "cause is a step size too large for the curvature it meets.",
    evidence="the minimum of the smoothed loss and where it happened, the rise after it "
    "(relative), and a Mann-Kendall test of the points after the minimum.",
    remedy="Lower the learning rate (often 3-10x), add warmup or a decaying schedule, clip "
    "gradients, and check for a bad batch or label noise at the turning point.",
)


def detect(ctx: RunContext) -> list[Finding]:
    # Only the training loss can diverge in this sense: a validation loss rising alone is
    # OVERFITTING's to judge (which says divergence is possible when training loss is absent).
    curve = ctx.train
    s = ctx.settings
    if curve is None or curve.n_finite < s.min_points:
        return []
    smooth = curve.smooth
    low = int(np.argmin(smooth))
    after = curve.n_finite - low
    if after < s.min_tail_points or smooth[low] <= 0:
        return []
    rise = (smooth[-1] - smooth[low]) / abs(smooth[low])
    if rise < s.divergence_min_rise:
        return []
    trend = ctx.trend(curve, slice(low, None))
    if not trend.ok or trend.test.p_increasing >= s.alpha:
        return []
    low_step = float(curve.x[low])
    shape = "from the start" if low <= 1 else f"after reaching its minimum at {at(ctx, low_step)}"
    return [
        SPEC.finding(
            summary=f"{curve.name} rises {shape}: it ends {pct(rise)} above its minimum "
            f"({fmt(smooth[low])} -> {fmt(smooth[-1])}).",
            explanation="A training loss that climbs while training continues means the "
            "updates overshoot. This is consistent with a learning rate that is too high "
            "(possibly only after a warmup or schedule change), or with exploding gradients.",
            recommendations=(*learning_rate_advice(ctx, lower=True), SPEC.remedy),
            evidence=(
                Evidence("min_loss", float(smooth[low]), "minimum of the smoothed loss"),
                Evidence("min_step", low_step, "where the minimum was"),
                Evidence(
                    "rise_relative",
                    float(rise),
                    "final smoothed loss over the minimum, minus 1",
                    threshold=s.divergence_min_rise,
                    comparison=">=",
                ),
                Evidence(
                    "mk_z",
                    trend.test.z,
                    "Mann-Kendall z after the minimum",
                    test=f"mann_kendall[{trend.test.method}]",
                    p_value=trend.test.p_increasing,
                    threshold=s.alpha,
                    threshold_on="p_value",
                    comparison="<",
                ),
                Evidence(
                    "sen_slope",
                    trend.sen.slope,
                    "Sen's slope after the minimum",
                    unit=f"per {ctx.unit}",
                ),
            ),
            confidence=confidence_from_p(trend.test.p_increasing, s.alpha),
            ctx=ctx,
            series=(curve.name,),
            start=low_step,
            end=float(curve.x[-1]),
        )
    ]
