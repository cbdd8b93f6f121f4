"""Not yet converged: still improving significantly when the run ended."""

from __future__ import annotations

from analyzer.detectors.base import DetectorSpec, confidence_from_p, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.NOT_CONVERGED,
    title="Not yet converged",
    severity=Severity.WARNING,
    what="Over the last part of the run the training loss is still falling significantly, "
    "fast enough that more training would still help noticeably.",
    why="The run stopped before the model reached what it can learn: the final weights are "
    "not the best this setup can give.",
    evidence="Mann-Kendall trend and Sen's slope over the tail, the improvement the slope "
    "projects over another tail-length of training, and the convergence fit's estimate of "
    "the improvement left.",
    remedy="Train for more epochs (the fit estimates how much is left), or use a schedule "
    "that decays the learning rate so the last epochs converge.",
    superseded_by=(Code.SLOW_CONVERGENCE, Code.OVERFITTING, Code.DIVERGENCE, Code.NON_FINITE_LOSS),
)


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train or ctx.val, ctx.settings
    if curve is None or curve.n_finite < 2 * s.min_points:
        return []
    better = ctx.still_improving(curve)
    if better is None:
        return []
    tail, trend, span, projected = better.tail, better.trend, better.span, better.projected
    evidence = list(better.evidence(s, ctx.unit))
    fit = ctx.train_fit if curve is ctx.train else None
    left = ""
    if fit is not None and fit.ok and fit.remaining > 0:
        evidence.append(
            Evidence(
                "fit_remaining_relative",
                fit.remaining_relative,
                f"improvement left by the {fit.model} convergence fit",
                test=f"convergence_fit[{fit.model}]",
            )
        )
        left = f"; a {fit.model} fit puts the asymptote at {fmt(fit.asymptote)}"
    return [
        SPEC.finding(
            summary=f"{curve.name} was still falling at the end (Sen's slope "
            f"{fmt(trend.sen.slope)} per {ctx.unit}, about {pct(projected)} more over another "
            f"{fmt(span, 3)} {ctx.unit}s){left}.",
            explanation="The last part of the run still shows a significant downward trend "
            "(Mann-Kendall, corrected for autocorrelation), so training was cut short.",
            recommendations=(SPEC.remedy,),
            evidence=evidence,
            confidence=confidence_from_p(trend.test.p_decreasing, s.alpha),
            ctx=ctx,
            series=(curve.name,),
            start=float(curve.x[tail.start]),
            end=float(curve.x[-1]),
        )
    ]
