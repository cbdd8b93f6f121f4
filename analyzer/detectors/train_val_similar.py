"""Why are my training and validation losses so similar? An equivalence test, read
against the level."""

from __future__ import annotations

from analyzer.detectors.base import DetectorSpec, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.TRAIN_VAL_SIMILAR,
    title="Training and validation loss are equivalent",
    severity=Severity.INFO,
    what="Over the second half of the run, validation loss is within the equivalence margin "
    "of training loss (two one-sided tests on the log ratio, with the sample size reduced "
    "for autocorrelation).",
    why="Similar losses are often misread as memorization. They mean the model does as well "
    "on new data as on its training data: good news when the loss is low, underfitting when "
    "it is high, and no learning when it never moved.",
    evidence="TOST p-value, the mean validation/training ratio with its confidence "
    "interval, the effective sample size, and the loss level against the baseline.",
    remedy="Nothing to fix when the level is low. When it is high, see UNDERFITTING or "
    "NO_LEARNING.",
    superseded_by=(Code.DIVERGENCE, Code.NON_FINITE_LOSS, Code.OSCILLATION),
)


def detect(ctx: RunContext) -> list[Finding]:
    s, pairs = ctx.settings, ctx.paired
    if pairs is None or len(pairs[0]) < 2 * s.min_points:
        return []
    steps, _, val = pairs
    half = slice(len(steps) // 2, None)
    if not ctx.equivalence_possible:
        return []
    eq = ctx.equivalence
    if not eq.ok or eq.p_value >= s.alpha:
        return []
    baseline, how, _ = ctx.baseline
    level = float(val[half].mean())
    share = level / baseline if baseline > 0 else float("nan")
    if share >= s.underfit_ratio:
        reading = (
            f"Both are high ({pct(share)} of the baseline {fmt(baseline)}, {how}): the "
            "similarity means equally poor fit, which is underfitting (or no learning), "
            "not memorization."
        )
    else:
        reading = (
            f"Both are low ({pct(share)} of the baseline {fmt(baseline)}, {how}): the "
            "model generalizes about as well as it fits. This is healthy, and the "
            "opposite of memorization, which shows as a widening gap."
        )
    return [
        SPEC.finding(
            summary=f"Validation loss is equivalent to training loss in the second half "
            f"(ratio {fmt(eq.ratio, 3)}, {int((1 - 2 * s.alpha) * 100)}% CI "
            f"{fmt(eq.ratio_ci[0], 3)}-{fmt(eq.ratio_ci[1], 3)}, within ±"
            f"{pct(s.equivalence_margin)}).",
            explanation=reading,
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "tost_p",
                    eq.p_value,
                    "two one-sided tests on log(val/train)",
                    test=eq.method,
                    p_value=eq.p_value,
                    threshold=s.alpha,
                    comparison="<",
                ),
                Evidence("val_train_ratio", eq.ratio, "mean validation/training ratio"),
                Evidence("effective_n", eq.n_eff, "effective sample size after autocorrelation"),
                Evidence(
                    "level_over_baseline", share, f"validation level over the baseline ({how})"
                ),
            ),
            confidence=0.9 if eq.p_value < s.alpha / 10 else 0.7,
            ctx=ctx,
            series=("loss", "val_loss"),
            start=float(steps[half][0]),
            end=float(steps[-1]),
        )
    ]
