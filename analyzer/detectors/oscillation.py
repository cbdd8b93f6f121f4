"""Oscillation: the training loss bounces far more than healthy training noise."""

from __future__ import annotations

import math

import numpy as np

from analyzer.detectors.base import (
    DetectorSpec,
    batch_advice,
    fmt,
    learning_rate_advice,
    pct,
)
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.distributions import normal_sf
from analyzer.stats.order import median
from analyzer.stats.shape import noise_scale

SPEC = DetectorSpec(
    code=Code.OSCILLATION,
    title="Training loss oscillates",
    severity=Severity.WARNING,
    what="In the second half of the run the training loss jumps up and down by a large "
    "fraction of its own level, far more than minibatch noise in a healthy run.",
    why="An optimizer that bounces across the valley instead of descending it wastes epochs "
    "and ends at a worse, essentially random point of its oscillation.",
    evidence="robust noise scale (MAD of first differences) relative to the curve's level "
    "and to its total improvement, and the turning-point test of randomness.",
    remedy="Lower the learning rate or decay it, add warmup, increase the batch size, or "
    "use gradient clipping; for Adam also consider a larger epsilon.",
)


def turning_points(y: np.ndarray) -> tuple[int, float, float]:
    """Turning-point test: count of local extrema, its z against i.i.d. noise
    (E = 2(n-2)/3, Var = (16n-29)/90) and the one-sided p-value for *more* turns."""
    n = y.size
    if n < 4:
        return 0, math.nan, math.nan
    d = np.diff(y)
    count = int(np.count_nonzero(d[:-1] * d[1:] < 0))
    mean, var = 2 * (n - 2) / 3, (16 * n - 29) / 90
    z = (count - mean) / math.sqrt(var)
    return count, z, normal_sf(z)


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train, ctx.settings
    if curve is None or curve.n_finite < 2 * s.min_points:
        return []
    half = curve.n_finite // 2
    late = curve.y[half:]
    sigma = noise_scale(late)
    if not sigma.ok:
        return []
    level = median(np.abs(curve.smooth[half:]))
    improvement = float(curve.smooth[0] - np.min(curve.smooth))
    if level <= 0:
        return []
    relative = sigma.sigma / level
    versus_improvement = sigma.sigma / improvement if improvement > 0 else math.inf
    if relative < s.oscillation_relative_noise or versus_improvement < s.oscillation_vs_improvement:
        return []
    turns, z, p = turning_points(late)
    confidence = min(0.95, 0.5 + 0.25 * math.log2(relative / s.oscillation_relative_noise + 1))
    return [
        SPEC.finding(
            summary=f"{curve.name} swings by about {pct(relative)} of its level from point to "
            f"point in the second half of the run (noise scale {fmt(sigma.sigma)} at level "
            f"{fmt(level)}).",
            explanation="Healthy training curves, averaged over an epoch, move smoothly. "
            "Swings this large relative to the loss are consistent with a learning rate that "
            "is too high (the optimizer overshoots the minimum back and forth) or with a "
            "batch too small for the rate.",
            recommendations=(
                *learning_rate_advice(ctx, lower=True),
                *batch_advice(ctx),
                SPEC.remedy,
            ),
            evidence=(
                Evidence(
                    "relative_noise",
                    relative,
                    "robust noise scale over the level",
                    test="mad_first_differences",
                    threshold=s.oscillation_relative_noise,
                    comparison=">=",
                ),
                Evidence(
                    "noise_vs_improvement",
                    versus_improvement,
                    "noise scale over the run's total improvement",
                    threshold=s.oscillation_vs_improvement,
                    comparison=">=",
                ),
                Evidence(
                    "turning_points",
                    float(turns),
                    "local extrema in the second half",
                    test="turning_point_test",
                    p_value=p,
                ),
                Evidence(
                    "turning_points_z",
                    z,
                    "z of the turning-point count against "
                    "i.i.d. noise (positive = more alternation)",
                ),
            ),
            confidence=confidence,
            ctx=ctx,
            series=(curve.name,),
            start=float(curve.x[half]),
            end=float(curve.x[-1]),
        )
    ]
