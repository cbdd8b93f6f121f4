"""Validation below training loss: usually benign, explained."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, log_margin, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.paired import paired_t

SPEC = DetectorSpec(
    code=Code.VAL_BELOW_TRAIN,
    title="Validation loss below training loss",
    severity=Severity.INFO,
    what="Validation loss is significantly lower than training loss, by more than the "
    "equivalence margin (paired t-test on the log ratio, autocorrelation-corrected).",
    why="It looks wrong but is common: regularizers such as dropout are active while "
    "training and off at evaluation, and Keras' training loss is an average over the epoch "
    "while validation loss is measured at its end, after the epoch's updates.",
    evidence="mean validation/training ratio, its paired t-test, and the share of epochs "
    "where validation is lower.",
    remedy="Usually nothing. To compare like with like, evaluate the training set in "
    "inference mode at the end of each epoch. If the gap is large from the first epoch on, "
    "check for overlap between training and validation data.",
    superseded_by=(Code.POSSIBLE_LEAKAGE,),
)


def detect(ctx: RunContext) -> list[Finding]:
    s, pairs = ctx.settings, ctx.paired
    if pairs is None or len(pairs[0]) < s.min_points:
        return []
    steps, train, val = pairs
    ok = (train > 0) & (val > 0)
    if np.count_nonzero(ok) < s.min_points:
        return []
    log_ratio = np.log(val[ok] / train[ok])
    mean_ratio = float(np.exp(np.mean(log_ratio)))
    if mean_ratio >= 1 / (1 + s.equivalence_margin):
        return []
    test = paired_t(log_ratio + log_margin(s.equivalence_margin), alternative="less")
    if not test.ok or test.p_value >= s.alpha:
        return []
    share = float(np.mean(log_ratio < 0))
    return [
        SPEC.finding(
            summary=f"Validation loss is {pct(1 - mean_ratio)} below training loss on average "
            f"({pct(share)} of {ctx.unit}s lower).",
            explanation=SPEC.why + " A moderate, stable gap like this one is expected with "
            "dropout or heavy augmentation and is not by itself a problem.",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "val_train_ratio",
                    mean_ratio,
                    "geometric-mean validation/training ratio",
                    threshold=1 / (1 + s.equivalence_margin),
                    comparison="<",
                ),
                Evidence(
                    "paired_t_p",
                    test.p_value,
                    "log ratio below -margin",
                    test=test.method,
                    p_value=test.p_value,
                    threshold=s.alpha,
                    comparison="<",
                ),
                Evidence("share_below", share, "share of points with validation lower"),
            ),
            confidence=0.85 if test.p_value < s.alpha / 10 else 0.65,
            ctx=ctx,
            series=("val_loss", "loss"),
            start=float(steps[0]),
            end=float(steps[-1]),
        )
    ]
