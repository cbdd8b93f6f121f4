"""The terminal report: verdict first, then the one thing to fix with its evidence, then the
other findings and the run in numbers."""

from __future__ import annotations

import math
import textwrap

from analyzer.model.findings import Diagnosis, Evidence, Finding, Summary, Verdict

_VERDICT_LINE = {
    Verdict.HEALTHY: "HEALTHY: nothing needs fixing",
    Verdict.NEEDS_ATTENTION: "NEEDS ATTENTION",
    Verdict.FAILING: "FAILING",
    Verdict.INSUFFICIENT_DATA: "INSUFFICIENT DATA: too little to judge",
}
WIDTH = 92


def _num(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=" " * len(indent))


def _evidence_line(e: Evidence) -> str:
    parts = [f"{e.name} = {_num(e.value)}"]
    if e.test:
        parts.append(f"[{e.test}]")
    if e.p_value is not None and not math.isnan(e.p_value):
        parts.append(f"p = {e.p_value:.3g}")
    if e.threshold is not None and e.comparison:
        subject = "p" if e.threshold_on == "p_value" else "needs"
        parts.append(f"({subject} {e.comparison} {_num(e.threshold)})")
    line = " ".join(parts)
    return f"{line} - {e.description}" if e.description else line


def _finding(f: Finding, *, detailed: bool) -> list[str]:
    head = f"[{f.severity.label}] {f.code} ({f.confidence_label} confidence): {f.summary}"
    lines = [_wrap(head, "  ")]
    if not detailed:
        return lines
    lines.append(_wrap(f.explanation, "    "))
    lines.append("    Evidence:")
    lines.extend(_wrap(_evidence_line(e), "      - ") for e in f.evidence)
    lines.append("    What to do:")
    lines.extend(_wrap(r, "      * ") for r in f.recommendations)
    return lines


def _summary(s: Summary) -> list[str]:
    unit = s.granularity
    rows = [
        (f"{unit}s", _num(float(s.epochs)) + (f" (windows of {s.window} steps)" if s.window > 1
                                                else "")),
        (f"best {unit} (val loss)", _num(s.best_epoch)),
        ("best val loss", _num(s.best_val_loss)),
        ("train loss at best", _num(s.best_train_loss)),
        ("final train / val loss", f"{_num(s.final_train_loss)} / {_num(s.final_val_loss)}"),
        ("gap at best (abs / rel)", f"{_num(s.gap_at_best)} / {_num(s.relative_gap_at_best)}"),
        ("final gap (abs / rel)", f"{_num(s.final_gap)} / {_num(s.relative_final_gap)}"),
        ("train improvement", _num(s.total_relative_improvement)),
        ("left to gain (fit)", f"{_num(s.remaining_improvement)} "
                               f"({_num(s.remaining_improvement_relative)} relative)"),
    ]  # fmt: skip
    return [f"  {k:<26}{v}" for k, v in rows]


def render(diagnosis: Diagnosis) -> str:
    """The whole report as plain text (no colour)."""
    d = diagnosis
    title = f"Run {d.run_name}" if d.run_name else "Run"
    lines = [f"{title} ({d.source_format}): {_VERDICT_LINE[d.verdict]}", ""]
    if d.primary is not None:
        lines.append("Fix first:")
        lines.extend(_finding(d.primary, detailed=True))
        lines.append("")
    others = [f for f in d.findings if f is not d.primary]
    if others:
        lines.append("Also found:")
        for f in others:
            lines.extend(_finding(f, detailed=False))
        lines.append("")
    lines.append("In numbers:")
    lines.extend(_summary(d.summary))
    for w in d.warnings:
        lines.append(_wrap(f"note: {w}", ""))
    for failure in d.failures:
        lines.append(f"internal: detector {failure.detector} failed ({failure.error})")
    return "\n".join(lines)
