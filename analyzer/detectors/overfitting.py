"""Overfitting: validation loss rising significantly from its minimum while training loss
keeps falling."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, at, confidence_from_p, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.OVERFITTING,
    title="Overfitting",
    severity=Severity.WARNING,
    what="After its minimum the validation loss rises significantly (Mann-Kendall, "
    "corrected for autocorrelation) and by a meaningful amount, while the training loss "
    "keeps falling or stays flat.",
    why="From the onset on, every epoch fits the training set's noise at the expense of new "
    "data: the final model is worse than the one at the best epoch.",
    evidence="onset (where the smoothed validation loss turns), best epoch (lowest "
    "validation loss), the relative rise since, the trend test on validation after the onset "
    "and on training loss over the same epochs.",
    remedy="Keep the weights of the best epoch (early stopping with restore_best_weights, "
    "or checkpoint on val_loss), add regularization (weight decay, dropout, augmentation), "
    "get more data, or use a smaller model.",
    superseded_by=(Code.NON_FINITE_LOSS, Code.DIVERGENCE),
)


def _refine_onset(x: np.ndarray, y: np.ndarray, index: int) -> float:
    """The turning point of the validation loss: the vertex of a least-squares parabola over
    the raw points around the smoothed curve's minimum (a sixteenth of the run on each side),
    snapped to a logged step. A U-shaped bottom is flat compared with the noise, and the
    fit averages it; when the fit is not a clean U around that minimum, the minimum stands."""
    half = max(3, x.size // 16)
    lo, hi = max(0, index - half), min(x.size, index + half + 1)
    if hi - lo < 5:
        return float(x[index])
    a, b, _ = np.polyfit(x[lo:hi] - x[index], y[lo:hi], 2)
    if a <= 0:
        return float(x[index])
    vertex = x[index] - b / (2 * a)
    if not x[lo] <= vertex <= x[hi - 1]:
        return float(x[index])
    return float(x[np.argmin(np.abs(x - vertex))])


def detect(ctx: RunContext) -> list[Finding]:
    val, train, s = ctx.val, ctx.train, ctx.settings
    if val is None or val.n_finite < s.min_points + s.overfit_min_epochs:
        return []
    smooth = val.smooth
    onset = int(np.argmin(smooth))
    if val.n_finite - onset - 1 < s.overfit_min_epochs or smooth[onset] <= 0:
        return []
    rise = float((smooth[-1] - smooth[onset]) / smooth[onset])
    rise_sigmas = float((smooth[-1] - smooth[onset]) / val.sigma) if val.sigma > 0 else np.inf
    # Giving back counts only what was really gained: an improvement beyond the noise.
    gained = float(smooth[0] - smooth[onset])
    real_gain = gained > 0 and not gained < s.overfit_min_rise_sigmas * val.sigma
    giveback = float((smooth[-1] - smooth[onset]) / gained) if real_gain else 0.0
    meaningful = rise >= s.overfit_min_rise or giveback >= s.overfit_min_giveback
    if not meaningful or rise_sigmas < s.overfit_min_rise_sigmas:
        return []
    up = ctx.trend(val, slice(onset, None))
    if not up.ok or up.test.p_increasing >= s.alpha:
        return []
    onset_step = _refine_onset(val.x, val.y, onset)
    best = ctx.best_val_index
    best_step = float(val.x[best])
    evidence = [
        Evidence("onset_step", onset_step, "where the smoothed validation loss is lowest"),
        Evidence("best_step", best_step, "lowest raw validation loss"),
        Evidence("best_val_loss", float(val.y[best]), "validation loss at the best step"),
        Evidence(
            "val_rise_relative",
            rise,
            "smoothed validation loss at the end over its minimum, minus 1",
            threshold=s.overfit_min_rise,
            comparison=">=",
        ),
        Evidence(
            "val_giveback",
            giveback,
            "the rise over the improvement the smoothed validation loss made before its "
            "minimum (meaningful when the relative rise is not)",
            threshold=s.overfit_min_giveback,
            comparison=">=",
        ),
        Evidence(
            "val_rise_sigmas",
            rise_sigmas,
            "the rise in point-to-point noise scales of validation loss",
            threshold=s.overfit_min_rise_sigmas,
            comparison=">=",
        ),
        Evidence(
            "val_mk_z",
            up.test.z,
            "Mann-Kendall z of validation loss after the onset",
            test=f"mann_kendall[{up.test.method}]",
            p_value=up.test.p_increasing,
            threshold=s.alpha,
            threshold_on="p_value",
            comparison="<",
        ),
    ]
    train_note = (
        "Without a training curve this is consistent with overfitting, or with divergence: "
        "check the training loss."
    )
    confidence = confidence_from_p(up.test.p_increasing, s.alpha)
    if train is not None and train.n_finite >= s.min_points:
        inside = train.x >= onset_step
        if np.count_nonzero(inside) >= 3:
            tr = ctx.trend(train, slice(int(np.argmax(inside)), None))
            if tr.ok and tr.test.p_increasing < s.alpha:
                return []  # both rising: divergence, not overfitting
            if tr.ok:
                evidence.append(
                    Evidence(
                        "train_mk_z",
                        tr.test.z,
                        "Mann-Kendall z of training loss over the same steps (not rising)",
                        test=f"mann_kendall[{tr.test.method}]",
                        p_value=tr.test.p_increasing,
                    )
                )
                train_note = (
                    f"Over the same {ctx.unit}s the training loss kept "
                    f"{'falling' if tr.test.p_decreasing < s.alpha else 'flat'}."
                )
    else:
        confidence = min(confidence, 0.6)
    return [
        SPEC.finding(
            summary=f"Validation loss is lowest at {at(ctx, best_step)} ({fmt(val.y[best])}) "
            f"and rises {pct(rise)} from {at(ctx, onset_step)} on.",
            explanation=f"The validation loss turns upward at {at(ctx, onset_step)} and keeps "
            f"rising significantly. {train_note} The model is fitting particulars of the "
            "training data that do not carry over to new data.",
            recommendations=(
                f"Keep the weights from {at(ctx, best_step)} (early stopping on val_loss with "
                "restore_best_weights=True, or a checkpoint callback).",
                "Add regularization (weight decay, dropout, data augmentation) or get more "
                "training data; a smaller model also helps.",
            ),
            evidence=evidence,
            confidence=confidence,
            ctx=ctx,
            series=("val_loss", "loss") if train is not None else ("val_loss",),
            start=onset_step,
            end=float(val.x[-1]),
        )
    ]
