"""Validation accuracy and validation loss disagreeing: overconfidence."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, at, fmt
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.ACCURACY_LOSS_DISAGREEMENT,
    title="Validation accuracy holds while validation loss rises",
    severity=Severity.INFO,
    what="After the validation-loss minimum, validation loss rises significantly while "
    "validation accuracy does not fall (it holds or keeps rising).",
    why="Accuracy counts right answers; cross-entropy also punishes confident wrong ones. "
    "Both moving 'up' means the model gets a few more examples right while becoming very "
    "confident on the ones it gets wrong: overconfidence, poorly calibrated probabilities.",
    evidence="trend of validation loss and of validation accuracy after the loss minimum.",
    remedy="Pick the checkpoint by the metric you deploy on; if probabilities matter, add "
    "label smoothing or calibrate (temperature scaling), and regularize.",
)


def detect(ctx: RunContext) -> list[Finding]:
    val, acc, s = ctx.val, ctx.val_accuracy, ctx.settings
    if val is None or acc is None or val.n_finite < s.min_points + s.overfit_min_epochs:
        return []
    onset = int(np.argmin(val.smooth))
    if val.n_finite - onset - 1 < s.overfit_min_epochs:
        return []
    up = ctx.trend(val, slice(onset, None))
    if not up.ok or up.test.p_increasing >= s.alpha:
        return []
    onset_step = float(val.x[onset])
    after = acc.x >= onset_step
    if np.count_nonzero(after) < s.overfit_min_epochs:
        return []
    acc_trend = ctx.trend(acc, slice(int(np.argmax(after)), None))
    if not acc_trend.ok or acc_trend.test.p_decreasing < s.alpha:
        return []
    direction = "rising" if acc_trend.test.p_increasing < s.alpha else "holding"
    return [
        SPEC.finding(
            summary=f"From {at(ctx, onset_step)} validation loss rises while validation "
            f"accuracy keeps {direction} ({fmt(acc.y[np.argmax(after)], 3)} -> "
            f"{fmt(acc.y[-1], 3)}).",
            explanation=SPEC.why,
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "val_loss_mk_z",
                    up.test.z,
                    "validation loss trend after its minimum",
                    test=f"mann_kendall[{up.test.method}]",
                    p_value=up.test.p_increasing,
                    threshold=s.alpha,
                    threshold_on="p_value",
                    comparison="<",
                ),
                Evidence(
                    "val_accuracy_mk_z",
                    acc_trend.test.z,
                    "validation accuracy trend over the same steps (not falling)",
                    test=f"mann_kendall[{acc_trend.test.method}]",
                    p_value=acc_trend.test.p_decreasing,
                    threshold=s.alpha,
                    threshold_on="p_value",
                    comparison=">=",
                ),
            ),
            confidence=0.75,
            ctx=ctx,
            series=("val_loss", "val_accuracy"),
            start=onset_step,
            end=float(val.x[-1]),
        )
    ]
