"""A large or widening generalization gap, without validation loss rising."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.order import median
from analyzer.stats.paired import wilcoxon_signed_rank

SPEC = DetectorSpec(
    code=Code.GENERALIZATION_GAP,
    title="Large generalization gap",
    severity=Severity.WARNING,
    what="Validation loss stays well above training loss at the end of the run (relative "
    "gap above the threshold, confirmed by a paired signed-rank test), or the gap widens "
    "significantly, while validation loss itself is not rising.",
    why="The model fits its training data much better than new data. It has not (yet) "
    "started to get worse, but more capacity goes into memorizing than into generalizing. "
    "Not reported when a known chance level says the training loss is no better than it: "
    "then there is no fit to generalize.",
    evidence="mean relative gap (val - train) / train over the tail, Wilcoxon signed-rank "
    "test of val > train, and the trend of the gap.",
    remedy="Regularize (weight decay, dropout, augmentation), get more or more varied data, "
    "check that training and validation data come from the same distribution.",
    superseded_by=(Code.OVERFITTING, Code.DIVERGENCE, Code.NON_FINITE_LOSS),
)


def detect(ctx: RunContext) -> list[Finding]:
    s, pairs = ctx.settings, ctx.paired
    if pairs is None or len(pairs[0]) < 2 * s.min_points:
        return []
    steps, train, val = pairs
    k = max(s.min_tail_points, int(np.ceil(s.tail_fraction * len(steps))))
    tail = slice(len(steps) - k, None)
    positive = train[tail] > 0
    if not positive.all():
        return []
    baseline, _, hinted = ctx.baseline
    if hinted and median(train[tail]) >= baseline:
        # No better than the chance level on its own training data: the model has fitted
        # nothing that could fail to generalize, and a difference between the splits comes
        # from their targets (and the untrained output's offset), not from memorization.
        return []
    gap = (val[tail] - train[tail]) / train[tail]
    mean_gap = float(np.mean(gap))
    if mean_gap < s.gap_relative:
        return []
    test = wilcoxon_signed_rank(val[tail], train[tail], alternative="greater")
    if not test.ok or test.p_value >= s.alpha:
        return []
    return [
        SPEC.finding(
            summary=f"Validation loss is {pct(mean_gap)} above training loss over the last "
            f"{k} {ctx.unit}s (final {fmt(val[-1])} vs {fmt(train[-1])}).",
            explanation="The gap is large and consistent (paired signed-rank test), but the "
            "validation loss is not rising, so this is a generalization gap rather than "
            "overfitting in progress.",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "mean_relative_gap",
                    mean_gap,
                    "(val - train) / train over the tail",
                    threshold=s.gap_relative,
                    comparison=">=",
                ),
                Evidence(
                    "wilcoxon_p",
                    test.p_value,
                    "signed-rank test, val > train",
                    test=test.method,
                    p_value=test.p_value,
                    threshold=s.alpha,
                    comparison="<",
                ),
                Evidence("rank_biserial", test.rank_biserial, "effect size of the gap"),
            ),
            confidence=0.9 if mean_gap >= 2 * s.gap_relative else 0.7,
            ctx=ctx,
            series=("val_loss", "loss"),
            start=float(steps[tail][0]),
            end=float(steps[-1]),
        )
    ]
