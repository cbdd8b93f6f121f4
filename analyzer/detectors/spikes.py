"""Loss spikes: isolated jumps far above what the curve's own noise explains."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from analyzer.detectors.base import DetectorSpec, at, fmt
from analyzer.detectors.context import RunContext
from analyzer.model import Granularity
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.order import median
from analyzer.stats.shape import noise_scale

_MAD_TO_SIGMA = 1.482602218505602

SPEC = DetectorSpec(
    code=Code.LOSS_SPIKES,
    title="Loss spikes",
    severity=Severity.WARNING,
    what="Isolated points where the loss jumps far above the running median of its "
    "neighbours and then comes back.",
    why="Each spike undoes progress and can be the first sign of instability that later "
    "diverges; it also points at bad batches or numerical trouble.",
    evidence="number of spikes, the largest one in robust noise units and relative to the "
    "curve, and where they happened.",
    remedy="Clip gradients, add learning-rate warmup or lower the peak rate, look for "
    "corrupt or outlier batches at the spike steps, and for Adam consider a larger epsilon.",
)


def detect(ctx: RunContext) -> list[Finding]:
    """Spikes in the training loss (validation only when there is no training curve: a noisy
    validation curve is NOISY_VALIDATION's business). Step-level logs are searched point by
    point, before windowing, since a spike of a few steps vanishes in a window mean."""
    s = ctx.settings
    findings = []
    series = ctx.train_series or ctx.val_series
    if series is None:
        return findings
    for name, x, y in [(series.name, series.steps[series.finite], series.values[series.finite])]:
        if y.size < 2 * s.min_points:
            continue
        # Per-step spikes may last several steps: the median window must be wider than them.
        size = (
            5 if series.granularity is Granularity.EPOCH else 2 * min(50, max(2, y.size // 400)) + 1
        )
        # Loss noise is roughly multiplicative (it shrinks with the loss), so positive curves
        # are searched on the log scale, where one noise scale fits the whole run.
        scaled = np.log(y) if np.all(y > 0) else y
        baseline = ndimage.median_filter(scaled, size=size, mode="nearest")
        excess = scaled - baseline
        linear = scaled is y
        relative = excess / np.maximum(np.abs(baseline), 1e-12) if linear else np.expm1(excess)
        if not np.any(relative[1:] >= s.spike_min_relative):
            continue  # no point stands out enough to be a spike: the noise scales are not needed
        # Two robust scales, the larger wins: the residuals' own MAD (Hampel), which
        # autocorrelated noise does not shrink, and the MAD of first differences, which does
        # not collapse to 0 on a smooth monotone stretch where the median fits exactly.
        residual_scale = _MAD_TO_SIGMA * median(np.abs(excess - median(excess)))
        sigma = max(residual_scale, noise_scale(scaled).sigma)
        if not np.isfinite(sigma) or sigma <= 0:
            continue
        z = excess / sigma
        # Where the curve itself moves more across the window than the point stands out (a
        # steep opening descent), the running median cannot tell a jump from the curve.
        moving = _local_range(baseline, size) >= excess
        spikes = np.flatnonzero(
            (z >= s.spike_sigmas) & (relative >= s.spike_min_relative) & ~moving
        )
        spikes = spikes[spikes > 0]  # the first point has no past to spike from
        if spikes.size == 0:
            continue
        worst = int(spikes[np.argmax(z[spikes])])
        where = ", ".join(at(ctx, float(x[i])) for i in spikes[:5])
        more = f" and {spikes.size - 5} more" if spikes.size > 5 else ""
        findings.append(
            SPEC.finding(
                summary=f"{name} spikes {spikes.size} time(s) ({where}{more}); the "
                f"largest is {fmt(z[worst], 3)} noise scales ({fmt(relative[worst] * 100, 3)}%) "
                "above its neighbours.",
                explanation="A spike is a jump far beyond the curve's point-to-point noise "
                "that the curve then recovers from. Spikes are consistent with an occasional "
                "step that is too large (learning rate, no clipping) or with bad batches.",
                recommendations=(SPEC.remedy,),
                evidence=(
                    Evidence("spike_count", float(spikes.size), "points flagged as spikes"),
                    Evidence(
                        "max_spike_sigmas",
                        float(z[worst]),
                        "largest jump in robust noise units",
                        threshold=s.spike_sigmas,
                        comparison=">=",
                    ),
                    Evidence(
                        "max_spike_relative",
                        float(relative[worst]),
                        "largest jump relative to the running median",
                        threshold=s.spike_min_relative,
                        comparison=">=",
                    ),
                    Evidence(
                        "noise_scale",
                        sigma,
                        "robust scale of the residuals from the running median (log scale for "
                        "positive losses)",
                        test="hampel_mad",
                    ),
                ),
                confidence=0.9 if z[worst] >= 2 * s.spike_sigmas else 0.7,
                ctx=ctx,
                series=(name,),
                start=float(x[spikes[0]]),
                end=float(x[spikes[-1]]),
            )
        )
    return findings


def _local_range(curve: np.ndarray, size: int) -> np.ndarray:
    """How far ``curve`` moves within ``size`` points around each point (max - min)."""
    return ndimage.maximum_filter(curve, size=size, mode="nearest") - ndimage.minimum_filter(
        curve, size=size, mode="nearest"
    )
