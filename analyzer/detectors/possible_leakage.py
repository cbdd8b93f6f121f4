"""Possible leakage: validation far below training, persistently, from the first epoch."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.order import median

SPEC = DetectorSpec(
    code=Code.POSSIBLE_LEAKAGE,
    title="Validation far below training: check for leakage",
    severity=Severity.WARNING,
    what="Validation loss is far below training loss (below the leakage ratio) in nearly "
    "every epoch, starting with the first.",
    why="Regularization and epoch averaging explain a moderate gap; a large gap present from "
    "the very first epoch is also what duplicated or leaked examples (the validation set "
    "overlapping the training set, or a feature derived from the target) look like.",
    evidence="median validation/training ratio, the share of epochs below the leakage "
    "ratio, and the ratio at the first epoch.",
    remedy="Check for duplicates between the splits, for features computed with the target "
    "or with future data, and that the validation set is preprocessed like the training "
    "set; then evaluate the training set in inference mode to compare like with like.",
    # A model that fits its training data no better than the baseline has learned nothing it
    # could have leaked: validation far below training then says the validation targets are
    # easier (less spread), which VAL_BELOW_TRAIN explains.
    superseded_by=(Code.UNDERFITTING,),
)


def detect(ctx: RunContext) -> list[Finding]:
    s, pairs = ctx.settings, ctx.paired
    if pairs is None or len(pairs[0]) < s.min_points:
        return []
    steps, train, val = pairs
    if not (train > 0).all():
        return []
    ratio = val / train
    below = ratio < s.leakage_ratio
    if not below[0]:
        return []
    share = float(np.mean(below))
    if share < s.leakage_persistence:
        return []
    typical = median(ratio)
    return [
        SPEC.finding(
            summary=f"Validation loss is {fmt(typical, 3)}x training loss (median), below "
            f"{fmt(s.leakage_ratio, 2)}x in {pct(share)} of {ctx.unit}s including the first.",
            explanation="A gap this large and this early is more than dropout or epoch "
            "averaging usually produce. It is consistent with leakage between the splits; the "
            "log cannot prove it, so check the data.",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "median_val_train_ratio",
                    typical,
                    "median validation/training ratio",
                    threshold=s.leakage_ratio,
                    comparison="<",
                ),
                Evidence(
                    "share_below",
                    share,
                    "share of points below the leakage ratio",
                    threshold=s.leakage_persistence,
                    comparison=">=",
                ),
                Evidence("first_ratio", float(ratio[0]), "ratio at the first point"),
            ),
            confidence=0.6,
            ctx=ctx,
            series=("val_loss", "loss"),
            start=float(steps[0]),
            end=float(steps[-1]),
        )
    ]
