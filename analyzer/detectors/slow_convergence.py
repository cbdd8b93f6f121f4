"""Slow convergence: a steady but nearly linear decline, far too slow for the run's length."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import (
    DetectorSpec,
    confidence_from_p,
    fmt,
    learning_rate_advice,
    pct,
)
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.SLOW_CONVERGENCE,
    title="Training converges too slowly",
    severity=Severity.WARNING,
    what="The training loss falls significantly throughout the run, but almost linearly: "
    "the second half improves about as much as the first and the total improvement is small.",
    why="A healthy curve falls fast and then flattens. A straight, shallow decline means the "
    "run ended long before the model got anywhere near what it could learn.",
    evidence="Mann-Kendall trend over the whole run, the share of the improvement made in "
    "the first half (front-loading), and the total relative improvement.",
    remedy="Raise the learning rate (try 3-10x, or run a learning-rate range test), "
    "normalize inputs (and targets for regression), check that the right parameters are "
    "trainable, and train longer.",
)


def front_loading(smooth: np.ndarray) -> float:
    """Share of the total improvement made in the first half (0.5 for a straight line,
    near 1 for a curve that converged early)."""
    first, middle, last = smooth[0], smooth[smooth.size // 2], smooth[-1]
    total = first - last
    return float((first - middle) / total) if total > 0 else float("nan")


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train or ctx.val, ctx.settings
    if curve is None or curve.n_finite < 2 * s.min_points:
        return []
    smooth = curve.smooth
    if smooth[0] <= 0:
        return []
    improvement = curve.net_improvement
    loading = front_loading(smooth)
    if not (s.no_learning_max_improvement <= improvement < s.slow_max_improvement):
        return []
    if not loading < s.slow_front_loading:
        return []
    trend = ctx.trend(curve)
    if not trend.ok or trend.test.p_decreasing >= s.alpha:
        return []
    return [
        SPEC.finding(
            summary=f"{curve.name} fell only {pct(improvement)} over the run, at a nearly "
            f"constant rate ({pct(loading)} of the improvement in the first half; Sen's slope "
            f"{fmt(trend.sen.slope)} per {ctx.unit}).",
            explanation="The loss is still falling at the end about as fast as at the start, "
            "so the run stopped early on a slow, steady descent. This is consistent with a "
            "learning rate that is too low or with badly scaled inputs (large raw feature "
            "values make the loss surface ill-conditioned).",
            recommendations=(*learning_rate_advice(ctx, lower=False), SPEC.remedy),
            evidence=(
                Evidence(
                    "total_relative_improvement",
                    improvement,
                    "(first - last) / first of the smoothed loss",
                    threshold=s.slow_max_improvement,
                    comparison="<",
                ),
                Evidence(
                    "front_loading",
                    loading,
                    "share of the improvement made in the first half",
                    threshold=s.slow_front_loading,
                    comparison="<",
                ),
                Evidence(
                    "mk_z",
                    trend.test.z,
                    "Mann-Kendall z over the run",
                    test=f"mann_kendall[{trend.test.method}]",
                    p_value=trend.test.p_decreasing,
                    threshold=s.alpha,
                    threshold_on="p_value",
                    comparison="<",
                ),
                Evidence("sen_slope", trend.sen.slope, "Sen's slope", unit=f"per {ctx.unit}"),
            ),
            confidence=confidence_from_p(trend.test.p_decreasing, s.alpha),
            ctx=ctx,
            series=(curve.name,),
            start=float(curve.x[0]),
            end=float(curve.x[-1]),
        )
    ]
