"""A :class:`~analyzer.compare.model.Comparison` as a terminal report: the verdict, a table of
the runs in rank order, the tests between them, the differences in words, each run's own
verdict."""

from __future__ import annotations

import math
from collections.abc import Callable

from analyzer.compare.model import Comparison, Difference, Estimate, RunResult
from analyzer.detectors.base import fmt

#: Runs listed in the table (a sweep of thousands shows its head; the JSON has them all).
MAX_ROWS = 50


def ci(e: Estimate) -> str:
    """``0.0704 [0.066, 0.075]``, or the value alone without an interval."""
    if not e.known:
        return "n/a"
    if math.isfinite(e.low) and math.isfinite(e.high):
        return f"{fmt(e.value)} [{fmt(e.low, 3)}, {fmt(e.high, 3)}]"
    return fmt(e.value)


def pct(value: float) -> str:
    return f"{100 * value:+.0f}%" if math.isfinite(value) else "n/a"


#: The run table: header, and how each cell is made (shared with the Markdown renderer).
COLUMNS: tuple[tuple[str, Callable[[RunResult], str]], ...] = (
    ("rank", lambda r: str(r.rank)),
    ("run", lambda r: r.name),
    ("best (95% CI)", lambda r: ci(r.measures.best)),
    ("at", lambda r: fmt(r.measures.best.at, 6)),
    ("final (95% CI)", lambda r: ci(r.measures.final)),
    ("reaches target", lambda r: fmt(r.measures.target_reached_at.value, 3)),
    ("time constant", lambda r: fmt(r.measures.time_constant.value, 3)),
    ("noise", lambda r: f"{fmt(100 * r.measures.relative_noise, 2)}%"),
    ("spikes", lambda r: str(r.measures.spikes)),
    ("gap at best", lambda r: pct(r.measures.relative_gap_at_best)),
    ("verdict", lambda r: r.diagnosis.verdict.value),
)


def rows(c: Comparison, limit: int = MAX_ROWS) -> list[list[str]]:
    return [[cell(r) for _, cell in COLUMNS] for r in c.runs[:limit]]


def header(c: Comparison) -> list[str]:
    """What was compared and how: metric, criterion, alignment, target, tests."""
    better = "lower" if c.direction == "lower" else "higher"
    n = len(c.differences)
    return [
        f"Compared {len(c.runs)} runs on the {c.criterion.value} {c.metric} ({better} is better).",
        f"Alignment: {c.alignment.description}.",
        f"Target level: {fmt(c.target)} ({c.target_rule}).",
        f"Tests: Welch on each run's estimate with its own noise, {c.pairs.replace('_', ' ')} "
        f"({n} pair{'s' if n != 1 else ''}), {c.correction.title()}-adjusted at "
        f"alpha = {c.alpha:g}; "
        f"equivalence (TOST) within ±{c.margin:.0%}.",
    ]


def difference_line(d: Difference) -> str:
    effect = (
        f"ratio {fmt(d.ratio, 3)} [{fmt(math.exp(d.low), 3)}, {fmt(math.exp(d.high), 3)}]"
        if d.scale == "log_ratio"
        else f"difference {fmt(d.estimate, 3)} [{fmt(d.low, 3)}, {fmt(d.high, 3)}]"
    )
    said = {"a_better": f"{d.a} better", "b_better": f"{d.b} better"}.get(
        d.outcome.value, d.outcome.value.replace("_", " ")
    )
    return (
        f"{d.a} vs {d.b}: {said} ({effect}, "
        f"{fmt(d.standardized, 3)} noise sigmas, p = {fmt(d.p_adjusted, 2)}, "
        f"TOST p = {fmt(d.equivalence_p, 2)})"
    )


def _table(cells: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    return [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]


def render(c: Comparison) -> str:
    """The plain-text report."""
    lines = [f"{c.verdict.value.replace('_', ' ').upper()}: {c.summary}", ""]
    lines += header(c)
    lines += ["", *_table([[h for h, _ in COLUMNS], *rows(c)])]
    if len(c.runs) > MAX_ROWS:
        lines.append(f"... and {len(c.runs) - MAX_ROWS} more runs (--output json lists all)")
    lines += ["", "Differences:"]
    lines += [f"  {difference_line(d)}" for d in c.differences[:MAX_ROWS]]
    if len(c.differences) > MAX_ROWS:
        lines.append(f"  ... and {len(c.differences) - MAX_ROWS} more")
    if c.notes:
        lines += ["", "In words:", *(f"  - {n}" for n in c.notes)]
    if c.warnings:
        lines += ["", "Warnings:", *(f"  - {w}" for w in c.warnings[:20])]
    return "\n".join(lines)
