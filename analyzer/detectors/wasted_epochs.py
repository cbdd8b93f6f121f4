"""Many epochs wasted after the best one."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, at, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.WASTED_EPOCHS,
    title="Many epochs after the best one",
    severity=Severity.INFO,
    what="The best validation loss came early, and a large share of the run followed "
    "without beating it.",
    why="Those epochs cost compute and, without restoring the best weights, leave a model "
    "no better (or worse) than the one at the best epoch.",
    evidence="best epoch, points after it, and their share of the run.",
    remedy="Use early stopping on val_loss (patience about 5-10 epochs, restore_best_weights) "
    "or a checkpoint callback that keeps the best model.",
    superseded_by=(Code.NON_FINITE_LOSS, Code.DIVERGENCE),
)


def detect(ctx: RunContext) -> list[Finding]:
    val, s = ctx.val, ctx.settings
    if val is None or val.n_finite < 2 * s.min_points:
        return []
    smooth = val.smooth
    floor = float(np.min(smooth))
    tolerance = max(s.wasted_tolerance * abs(floor), 2 * val.sigma / np.sqrt(val.smooth_size))
    reached = int(np.argmax(smooth <= floor + tolerance))
    after = val.n_finite - 1 - reached
    share = after / val.n_finite
    if after < s.wasted_min_epochs or share < s.wasted_min_fraction:
        return []
    best_step = float(val.x[reached])
    return [
        SPEC.finding(
            summary=f"Validation loss reached its floor at {at(ctx, best_step)}; the {after} "
            f"points after it ({pct(share)} of the run) did not improve it meaningfully.",
            explanation="Stopping at the best epoch plus a few epochs of patience would have "
            f"saved about {pct(share)} of the training time with a model at least as good.",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "floor_step",
                    best_step,
                    "where the smoothed validation loss came within noise of its minimum",
                ),
                Evidence(
                    "points_after_best",
                    float(after),
                    "points after the best",
                    threshold=float(s.wasted_min_epochs),
                    comparison=">=",
                ),
                Evidence(
                    "share_after_best",
                    share,
                    "share of the run after the best",
                    threshold=s.wasted_min_fraction,
                    comparison=">=",
                ),
            ),
            confidence=0.9,
            ctx=ctx,
            series=("val_loss",),
            start=best_step,
            end=float(val.x[-1]),
        )
    ]
