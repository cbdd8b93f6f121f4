"""A :class:`~analyzer.compare.model.Comparison` as Markdown (a pull-request comment, a sweep
report): the same content as the text report, in tables."""

from __future__ import annotations

from analyzer.compare.model import Comparison
from analyzer.render.compare_text import COLUMNS, MAX_ROWS, difference_line, header, rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def render(c: Comparison) -> str:
    """The Markdown report."""
    verdict = c.verdict.value.replace("_", " ")
    lines = [f"## Comparison: {verdict}", "", f"**{c.summary}**", ""]
    lines += [f"- {line}" for line in header(c)]
    lines += ["", _row([h for h, _ in COLUMNS]), "|" + "---|" * len(COLUMNS)]
    lines += [_row(r) for r in rows(c)]
    if len(c.runs) > MAX_ROWS:
        lines += ["", f"... and {len(c.runs) - MAX_ROWS} more runs."]
    lines += ["", "### Differences", ""]
    lines += [f"- {_cell(difference_line(d))}" for d in c.differences[:MAX_ROWS]]
    if len(c.differences) > MAX_ROWS:
        lines += ["", f"... and {len(c.differences) - MAX_ROWS} more differences."]
    if c.notes:
        lines += ["", "### In words", "", *(f"- {n}" for n in c.notes)]
    if c.warnings:
        lines += ["", "### Warnings", "", *(f"- {w}" for w in c.warnings[:20])]
    return "\n".join(lines) + "\n"
