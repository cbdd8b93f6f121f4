"""Underfitting: training loss high and flat relative to a baseline, val not above train."""

from __future__ import annotations

from analyzer.detectors.base import DetectorSpec, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.UNDERFITTING,
    title="Underfitting",
    severity=Severity.WARNING,
    what="Training has flattened out at a loss that is still a large share of the baseline "
    "(the chance-level loss when known, else the run's initial loss), and validation loss is "
    "significantly not above it (within the equivalence margin, or below it).",
    why="The model cannot fit even its training data: more epochs will not help, and "
    "similar training and validation loss here means 'equally bad', not 'generalizes well'.",
    evidence="final smoothed training loss over the baseline, the tail trend test (flat), "
    "and the upper one-sided test of the equivalence TOST (validation not above training by "
    "more than the margin).",
    remedy="Increase capacity (wider/deeper model, better features, non-linear model for "
    "non-linear data), reduce regularization, train with a better-tuned learning rate.",
    superseded_by=(Code.NO_LEARNING, Code.DIVERGENCE, Code.NON_FINITE_LOSS),
)


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train, ctx.settings
    if curve is None or curve.n_finite < 2 * s.min_points:
        return []
    baseline, how, hinted = ctx.baseline
    end = float(curve.smooth[-1])
    if not baseline > 0:
        return []
    ratio = end / baseline
    needed = s.underfit_ratio if hinted else s.underfit_ratio_unhinted
    if ratio < needed:
        return []
    if ctx.still_improving(curve) is not None:
        return []  # still learning: not converged, not underfitting
    tail = ctx.tail(curve)
    trend = ctx.trend(curve, tail)
    evidence = [
        Evidence(
            "final_over_baseline",
            ratio,
            f"final training loss over the baseline ({how})",
            threshold=needed,
            comparison=">=",
        ),
    ]
    if trend.ok:
        evidence.append(
            Evidence(
                "tail_mk_p",
                trend.test.p_decreasing,
                "Mann-Kendall p for a decrease over the tail",
                test=f"mann_kendall[{trend.test.method}]",
                p_value=trend.test.p_decreasing,
                threshold=s.alpha,
                comparison=">=",
            )
        )
    pairs = ctx.paired
    val_reading = ""
    if pairs is not None:
        # Only a validation loss clearly above training speaks against underfitting (that is
        # a gap). One below it, even far below, leaves the training loss, which measures the
        # fit, just as high: it says the validation targets are easier, not the model better.
        eq = ctx.equivalence
        if not eq.ok or eq.p_upper >= s.alpha:
            return []
        evidence.append(
            Evidence(
                "val_not_above_p",
                eq.p_upper,
                "validation not above training by more than the margin (the upper one-sided "
                "test of TOST on the log ratio, second half)",
                test=eq.method,
                p_value=eq.p_upper,
                threshold=s.alpha,
                comparison="<",
            )
        )
        val_reading = (
            ", with validation loss equivalent to it"
            if eq.p_value < s.alpha
            else f", with validation loss below it ({fmt(eq.ratio, 3)}x)"
        )
    confidence = 0.85 if hinted else 0.6
    return [
        SPEC.finding(
            summary=f"Training loss flattened at {fmt(end)}, {pct(ratio)} of the baseline "
            f"{fmt(baseline)} ({how}){val_reading}.",
            explanation="The training loss stays high against the baseline: the model is "
            "too simple for the task (or too regularized) and fits even its training data "
            "poorly. Validation loss no higher than training loss here means 'equally bad' "
            "(or, when lower, validation targets that are easier to predict), not good "
            "generalization; memorization would show as a low training loss and a widening "
            "gap.",
            recommendations=(SPEC.remedy,),
            evidence=evidence,
            confidence=confidence,
            ctx=ctx,
            series=(curve.name, *(("val_loss",) if pairs is not None else ())),
            start=float(curve.x[tail.start]),
            end=float(curve.x[-1]),
        )
    ]
