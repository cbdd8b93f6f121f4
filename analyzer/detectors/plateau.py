"""Plateau: a long stall that the loss later escapes from."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.base import DetectorSpec, at, fmt, pct
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity
from analyzer.stats.changepoints import change_points
from analyzer.stats.order import median

SPEC = DetectorSpec(
    code=Code.PLATEAU,
    title="Training stalled on a plateau",
    severity=Severity.WARNING,
    what="The loss stays flat for a long stretch (consecutive segments of the change-point "
    "segmentation whose level moves by little compared with the drop that follows) and only "
    "later falls well below it.",
    why="Epochs spent on a plateau are wasted, and a run that stalls once may stall for good "
    "with a different seed: the optimizer is struggling to get signal through the network.",
    evidence="the flat segment (start, end, share of the run), its level, its Sen's slope "
    "and Mann-Kendall test, and how far below it the loss falls afterwards.",
    remedy="Use non-saturating activations (ReLU family instead of sigmoid/tanh in deep "
    "stacks), a better initialization (He/Glorot), batch normalization or residual "
    "connections, normalized inputs, or a higher (or warmed-up) learning rate.",
    superseded_by=(Code.NO_LEARNING,),
)


def _flat_stretches(curve, segments, lowest_after, flatness: float) -> list[tuple[int, int]]:
    """Runs of consecutive change-point segments whose levels stay within a band around the
    first one's, the band being ``flatness`` times the drop that follows (``lowest_after[i]``:
    the lowest smoothed value from point ``i`` on): noise makes PELT cut a long plateau into
    pieces, and this glues them back. Longest first."""
    n = curve.n_finite
    levels = [median(curve.y[a:b]) for a, b in segments]
    stretches = []
    for i, (a, _) in enumerate(segments):
        j = i
        while j + 1 < len(segments) and segments[j + 1][1] < n:
            drop = levels[i] - lowest_after[segments[j + 1][1]]
            if drop <= 0 or abs(levels[j + 1] - levels[i]) > flatness * drop:
                break
            j += 1
        stretches.append((a, segments[j][1]))
    return sorted(stretches, key=lambda ab: ab[0] - ab[1])


def _explained_by_schedule(ctx: RunContext, curve, a: int, b: int) -> bool:
    """A learning-rate drop where the loss leaves the flat stretch explains it: a schedule
    step, not a stall."""
    drops = ctx.lr_drops
    if drops.size == 0:
        return False
    reach = min(curve.n_finite - 1, b + max(3, curve.n_finite // 10))
    return bool(np.any((drops > curve.x[a]) & (drops <= curve.x[reach])))


def detect(ctx: RunContext) -> list[Finding]:
    curve, s = ctx.train or ctx.val, ctx.settings
    if curve is None or curve.n_finite < 4 * s.min_points:
        return []
    cps = change_points(curve.y, curve.x)
    if not cps.ok:
        return []
    n = curve.n_finite
    # the minimum of every tail of the smooth at once (a Python list: read a few dozen times)
    lowest_after = np.minimum.accumulate(curve.smooth[::-1])[::-1].tolist()
    for a, b in _flat_stretches(curve, cps.segments, lowest_after, s.plateau_flatness):
        if b - a < max(s.min_points, s.plateau_min_fraction * n) or b >= n:
            continue
        level = median(curve.y[a:b])
        after = lowest_after[b]
        escape = (level - after) / abs(level) if level else 0.0
        if escape < s.plateau_escape:
            continue
        trend = ctx.trend(curve, slice(a, b))
        if not trend.ok:
            continue
        change = abs(trend.sen.slope) * float(curve.x[b - 1] - curve.x[a])
        flat = change / (level - after)
        if flat >= s.plateau_flatness or _explained_by_schedule(ctx, curve, a, b):
            continue
        start, end = float(curve.x[a]), float(curve.x[b - 1])
        share = (b - a) / n
        return [
            SPEC.finding(
                summary=f"{curve.name} stalled at about {fmt(level)} from {at(ctx, start)} to "
                f"{at(ctx, end)} ({pct(share)} of the run) before falling {pct(escape)} "
                "below that level.",
                explanation="A long flat stretch followed by renewed progress is consistent "
                "with vanishing gradients or saturated activations (the classic sigmoid "
                "plateau), a poor initialization, or a learning rate too low to leave a "
                "saddle region quickly.",
                recommendations=(SPEC.remedy,),
                evidence=(
                    Evidence(
                        "plateau_share",
                        share,
                        "share of the run on the plateau",
                        threshold=s.plateau_min_fraction,
                        comparison=">=",
                    ),
                    Evidence(
                        "plateau_change",
                        flat,
                        "change across the plateau (Sen's slope x length) over the drop after it",
                        test="sens_slope",
                        threshold=s.plateau_flatness,
                        comparison="<",
                    ),
                    Evidence(
                        "plateau_mk_p",
                        trend.test.p,
                        "Mann-Kendall p-value on the plateau",
                        test=f"mann_kendall[{trend.test.method}]",
                        p_value=trend.test.p,
                    ),
                    Evidence(
                        "escape_relative",
                        escape,
                        "how far below the plateau the loss falls later",
                        threshold=s.plateau_escape,
                        comparison=">=",
                    ),
                    Evidence(
                        "change_points",
                        float(len(cps.indices)),
                        "segment boundaries found",
                        test="pelt",
                    ),
                ),
                confidence=0.8 if share >= 2 * s.plateau_min_fraction else 0.65,
                ctx=ctx,
                series=(curve.name,),
                start=start,
                end=end,
            )
        ]
    return []
