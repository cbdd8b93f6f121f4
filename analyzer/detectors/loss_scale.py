"""Loss-scale anomaly: a first loss orders of magnitude above where the run ends."""

from __future__ import annotations

import math

from analyzer.detectors.base import DetectorSpec, fmt
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.order import median

SPEC = DetectorSpec(
    code=Code.LOSS_SCALE_ANOMALY,
    title="Initial loss orders of magnitude too high",
    severity=Severity.WARNING,
    what="The first loss value is at least the anomaly ratio times the typical loss of the "
    "run's second half, and most of that drop happens at once; or, when the chance level is "
    "known, the loss stays that many times above it through the second half.",
    why="A healthy initial loss sits near the chance level. A first loss thousands of times "
    "higher means the first updates are spent undoing a bad scale, and large raw inputs or "
    "targets also make the loss surface ill-conditioned for the rest of the run.",
    evidence="first loss over the second half's median (and in orders of magnitude), and the "
    "drop from the first to the second point.",
    remedy="Standardize inputs (and regression targets): StandardScaler or MinMaxScaler, or "
    "a normalization layer; check the loss is computed on the scale you think it is.",
)


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train or ctx.val, ctx.settings
    if curve is None or curve.n_finite < s.min_points:
        return []
    y = curve.y
    first, second = float(y[0]), float(y[1])
    typical = median(y[y.size // 2 :])
    if typical <= 0 or second <= 0:
        return []
    ratio = first / typical
    jump = first / second
    baseline, how, hinted = ctx.baseline
    sudden = jump >= 5 or (hinted and first >= 10 * baseline)
    # With a known chance level, a loss that stays orders of magnitude above it all run long
    # is the same anomaly, not yet undone (inputs or targets far from unit scale).
    above_chance = typical / baseline if hinted else math.nan
    persistent = hinted and above_chance >= s.scale_anomaly_ratio
    if not persistent and (ratio < s.scale_anomaly_ratio or not sudden):
        return []
    if persistent:
        summary = (
            f"{curve.name} stays {fmt(above_chance, 3)}x above the chance level "
            f"{fmt(baseline)} ({how}) through the second half of the run."
        )
    else:
        summary = (
            f"The first {curve.name} ({fmt(first)}) is {fmt(ratio, 3)}x the typical loss of the "
            f"second half ({fmt(typical)}), about {math.log10(ratio):.1f} orders of magnitude."
        )
    return [
        SPEC.finding(
            summary=summary,
            explanation="A loss this far above where a sensibly scaled problem starts or "
            "settles is consistent with unnormalized inputs or targets (the network first has "
            "to learn the scale, on an ill-conditioned surface); the log cannot show the data, "
            "so check its ranges.",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "first_over_typical",
                    ratio,
                    "first loss over the second half's median",
                    threshold=s.scale_anomaly_ratio,
                    comparison=">=",
                ),
                Evidence("first_over_second", jump, "first loss over the second"),
                Evidence(
                    "typical_over_baseline",
                    above_chance,
                    f"second half's median over the chance level ({how})",
                    threshold=s.scale_anomaly_ratio,
                    comparison=">=",
                ),
            ),
            confidence=0.8
            if max(ratio, above_chance if hinted else 0) >= 10 * s.scale_anomaly_ratio
            else 0.65,
            ctx=ctx,
            series=(curve.name,),
            start=float(curve.x[0]),
            end=float(curve.x[-1] if persistent else curve.x[1]),
        )
    ]
