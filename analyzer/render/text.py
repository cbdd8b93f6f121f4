"""The terminal report: verdict first, then the one thing to fix with its evidence, then the
other findings and the run in numbers.

Colour is optional ANSI styling of the verdict, severities and headings; the words carry the
whole meaning, so the plain report (the default) loses nothing. Whether to colour is the
caller's decision (the CLI: only on a terminal, never with ``NO_COLOR``).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np

from analyzer.errors import InputError
from analyzer.model import Direction, TrainingLog
from analyzer.model.findings import Diagnosis, Evidence, Finding, Severity, Summary, Verdict

_VERDICT_LINE = {
    Verdict.HEALTHY: "HEALTHY: nothing needs fixing",
    Verdict.NEEDS_ATTENTION: "NEEDS ATTENTION",
    Verdict.FAILING: "FAILING",
    Verdict.INSUFFICIENT_DATA: "INSUFFICIENT DATA: too little to judge",
}
WIDTH = 92

_RESET = "\x1b[0m"
_VERDICT_STYLE = {
    Verdict.HEALTHY: "\x1b[1;32m",
    Verdict.NEEDS_ATTENTION: "\x1b[1;33m",
    Verdict.FAILING: "\x1b[1;31m",
    Verdict.INSUFFICIENT_DATA: "\x1b[1;36m",
}
_SEVERITY_STYLE = {
    Severity.INFO: "\x1b[36m",
    Severity.WARNING: "\x1b[33m",
    Severity.CRITICAL: "\x1b[1;31m",
}
_HEADING = "\x1b[1m"


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{_RESET}" if color else text


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
    if criterion := e.criterion():
        parts.append(f"({criterion})")
    line = " ".join(parts)
    return f"{line} - {e.description}" if e.description else line


def _finding(f: Finding, *, detailed: bool, color: bool) -> list[str]:
    label = f"[{f.severity.label}]"
    head = f"{label} {f.code} ({f.confidence_label} confidence): {f.summary}"
    wrapped = _wrap(head, "  ")
    # Wrap first, then paint: escape codes would otherwise count towards the line width.
    lines = [wrapped.replace(label, _paint(label, _SEVERITY_STYLE[f.severity], color), 1)]
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


def render(diagnosis: Diagnosis, *, color: bool = False) -> str:
    """The whole report as text, with ANSI colour when ``color`` is true."""
    d = diagnosis
    title = f"Run {d.run_name}" if d.run_name else "Run"
    verdict = _paint(_VERDICT_LINE[d.verdict], _VERDICT_STYLE[d.verdict], color)
    lines = [f"{title} ({d.source_format}): {verdict}", ""]
    if d.primary is not None:
        lines.append(_paint("Fix first:", _HEADING, color))
        lines.extend(_finding(d.primary, detailed=True, color=color))
        lines.append("")
    others = [f for f in d.findings if f is not d.primary]
    if others:
        heading = "Also found:" if d.primary is not None else "Found:"
        lines.append(_paint(heading, _HEADING, color))
        for f in others:
            lines.extend(_finding(f, detailed=False, color=color))
        lines.append("")
    lines.append(_paint("In numbers:", _HEADING, color))
    lines.extend(_summary(d.summary))
    for w in d.warnings:
        lines.append(_wrap(f"note: {w}", ""))
    for failure in d.failures:
        lines.append(f"internal: detector {failure.detector} failed ({failure.error})")
    return "\n".join(lines)


def render_runs(
    outcomes: Sequence[tuple[str, Diagnosis | InputError]], *, color: bool = False
) -> str:
    """One line per run (for ``--each``): its name, verdict, the finding to fix first and how
    many findings there are; a run that could not be read shows its error instead."""
    names = [name for name, _ in outcomes]
    width = min(max((len(n) for n in names), default=3) + 2, 40)
    lines = [_paint(f"{'run':<{width}}{'verdict':<19}{'fix first':<26}findings", _HEADING, color)]
    for name, outcome in outcomes:
        # Long paths lose their start: the end (the run's own name) tells runs apart.
        shown = name if len(name) < width else "..." + name[-(width - 5) :]
        if isinstance(outcome, InputError):
            error = outcome.detail if outcome.source else str(outcome)
            where = f"{outcome.location}: " if outcome.location else ""
            status = _paint(f"{'error':<19}", _VERDICT_STYLE[Verdict.FAILING], color)
            lines.append(f"{shown:<{width}}{status}{where}{error}")
            continue
        verdict = f"{outcome.verdict!s:<19}"
        primary = str(outcome.primary.code) if outcome.primary is not None else "-"
        lines.append(
            f"{shown:<{width}}{_paint(verdict, _VERDICT_STYLE[outcome.verdict], color)}"
            f"{primary:<26}{len(outcome.findings)}"
        )
    return "\n".join(lines)


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def render_series(log: TrainingLog) -> str:
    """A table of the series ingestion found (``--series``): what each was called in the log,
    its split and granularity, its length, first, last and best values."""
    lines = [
        f"run: {log.run_name or '(unnamed)'}   format: {log.source_format}   "
        f"sources: {', '.join(log.sources)}",
        f"{'series':<22}{'from':<24}{'split':<11}{'per':<6}{'points':>8}"
        f"{'first':>11}{'last':>11}{'best':>11}{'at':>9}{'non-finite':>11}",
    ]
    for s in log.series:
        finite = s.finite
        best, at = math.nan, math.nan
        if finite.any() and s.direction is not Direction.NONE:
            pick = np.nanargmin if s.direction is Direction.LOWER else np.nanargmax
            index = int(pick(np.where(finite, s.values, np.nan)))
            best, at = float(s.values[index]), float(s.steps[index])
        lines.append(
            f"{s.name:<22.22}{s.original_name:<24.24}{s.split:<11}{s.granularity:<6}"
            f"{len(s):>8}{_fmt(s.values[0]):>11}{_fmt(s.values[-1]):>11}{_fmt(best):>11}"
            f"{_fmt(at):>9}{int((~finite).sum()):>11}"
        )
    lines.extend(f"warning: {w}" for w in log.warnings)
    return "\n".join(lines)
