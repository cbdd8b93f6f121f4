"""Noisy validation: the validation curve is much noisier than the training curve."""

from __future__ import annotations

import math

from analyzer.detectors.base import DetectorSpec, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.NOISY_VALIDATION,
    title="Noisy validation loss",
    severity=Severity.WARNING,
    what="The validation loss moves from epoch to epoch by a much larger share of its level "
    "than the training loss does.",
    why="A noisy validation curve makes the best epoch, early stopping and every comparison "
    "between runs unreliable: the differences are within its noise.",
    evidence="robust noise scale over level, for validation and for training, and their ratio.",
    remedy="Use a larger validation set (or k-fold cross-validation), evaluate on the same "
    "fixed set every time, and smooth or use patience when early stopping.",
)


def detect(ctx: RunContext) -> list[Finding]:
    val, train, s = ctx.val, ctx.train, ctx.settings
    if val is None or train is None or min(val.n_finite, train.n_finite) < 2 * s.min_points:
        return []
    if train.window > 1 or val.window > 1:
        return []  # window means and single evaluations have incomparable noise
    if not val.level > 0:
        return []
    val_rel = val.sigma / val.level
    # Validation's own noise first: when it is small, the training curve's is not needed.
    if not math.isfinite(val_rel) or val_rel < s.noisy_val_min_relative:
        return []
    if not train.level > 0:
        return []
    train_rel = train.sigma / train.level
    if not math.isfinite(train_rel):
        return []
    ratio = val_rel / train_rel if train_rel > 0 else math.inf
    if ratio < s.noisy_val_ratio:
        return []
    size = ctx.hints.val_size
    size_note = f" The validation set has {size} examples." if size else ""
    return [
        SPEC.finding(
            summary=f"Validation loss jumps by about {pct(val_rel)} of its level from point to "
            f"point, {fmt(ratio, 3)}x the training loss's {pct(train_rel)}.",
            explanation="The validation curve is dominated by noise; this is consistent with "
            f"a small validation set or with evaluation on a changing subset.{size_note}",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "val_relative_noise",
                    val_rel,
                    "validation noise scale over level",
                    test="mad_first_differences",
                    threshold=s.noisy_val_min_relative,
                    comparison=">=",
                ),
                Evidence(
                    "train_relative_noise",
                    train_rel,
                    "training noise scale over level",
                    test="mad_first_differences",
                ),
                Evidence(
                    "noise_ratio",
                    ratio,
                    "validation over training relative noise",
                    threshold=s.noisy_val_ratio,
                    comparison=">=",
                ),
            ),
            confidence=0.85 if ratio >= 2 * s.noisy_val_ratio else 0.65,
            ctx=ctx,
            series=("val_loss",),
            start=float(val.x[0]),
            end=float(val.x[-1]),
        )
    ]
