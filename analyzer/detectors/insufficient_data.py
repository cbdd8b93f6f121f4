"""Too little data for a verdict: a normal outcome, not an error."""

from __future__ import annotations

from analyzer.detectors.base import DetectorSpec
from analyzer.detectors.context import RunContext
from analyzer.model.findings import Code, Evidence, Finding, Severity

SPEC = DetectorSpec(
    code=Code.INSUFFICIENT_DATA,
    title="Too little data for a verdict",
    severity=Severity.INFO,
    what="The log has fewer finite loss points than any trend or comparison needs.",
    why="With a handful of points every curve looks like a trend or like noise; a verdict "
    "would be a guess.",
    evidence="finite points in the longest loss series, against the minimum.",
    remedy="Log every epoch (or more often), train longer, or pass the full log.",
)


def detect(ctx: RunContext) -> list[Finding]:
    curves = [c for c in (ctx.train, ctx.val) if c is not None]
    n = max((c.n_finite for c in curves), default=0)
    need = ctx.settings.min_points
    if n >= need:
        return []
    found = ", ".join(s.name for s in ctx.log.series) or "nothing"
    what = "no loss series" if not curves else f"{n} finite loss point{'s' * (n != 1)}"
    return [
        SPEC.finding(
            summary=f"Only {what}; at least {need} are needed for a verdict.",
            explanation=f"The log holds: {found}. Trend, gap and noise tests need at least "
            f"{need} finite points of training or validation loss.",
            recommendations=(SPEC.remedy,),
            evidence=(
                Evidence(
                    "finite_points",
                    float(n),
                    "finite loss points in the longest loss series",
                    threshold=float(need),
                    comparison="<",
                ),
            ),
            confidence=0.99,
            ctx=ctx,
            series=tuple(c.name for c in curves),
        )
    ]
