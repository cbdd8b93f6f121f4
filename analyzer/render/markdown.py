"""The diagnosis as GitHub-flavoured Markdown, for pull-request comments and notebooks.

Verdict first as a heading, then a table of the findings, then each finding's evidence and
what to do inside a collapsed ``<details>`` block (a PR comment stays short until opened),
then the run in numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analyzer.errors import InputError
from analyzer.model.findings import Diagnosis, Finding, Summary, Verdict

_VERDICT = {
    Verdict.HEALTHY: "🟢 Healthy",
    Verdict.NEEDS_ATTENTION: "🟡 Needs attention",
    Verdict.FAILING: "🔴 Failing",
    Verdict.INSUFFICIENT_DATA: "⚪ Insufficient data",
}


def _cell(text: object) -> str:
    """Table-safe text: pipes escaped, line breaks folded."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _num(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "–"
    if value.is_integer() and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"


def _span(f: Finding) -> str:
    if f.start is None:
        return "–"
    if f.end is None or f.end == f.start:
        return f"{f.granularity} {_num(f.start)}"
    return f"{f.granularity}s {_num(f.start)}–{_num(f.end)}"


def _details(f: Finding) -> list[str]:
    lines = [f"<details><summary><b>{f.code}</b>: {f.title}</summary>", "", f.explanation, ""]
    if f.evidence:
        lines += [
            "| evidence | value | test | p | threshold | meaning |",
            "|---|---:|---|---:|---|---|",
        ]
    for e in f.evidence:
        p = "" if e.p_value is None or math.isnan(e.p_value) else f"{e.p_value:.3g}"
        lines.append(
            f"| `{_cell(e.name)}` | {_num(e.value)} | {_cell(e.test or '')} | {p} "
            f"| {_cell(e.criterion() or '')} | {_cell(e.description)} |"
        )
    if f.recommendations:
        lines += ["", "**What to do**", "", *(f"- {r}" for r in f.recommendations)]
    if lines[-1]:
        lines.append("")
    lines += ["</details>", ""]
    return lines


def _summary(s: Summary) -> list[str]:
    unit = s.granularity
    rows = [
        (f"{unit}s", _num(float(s.epochs))),
        (f"best {unit} (val loss)", _num(s.best_epoch)),
        ("best val loss", _num(s.best_val_loss)),
        ("final train / val loss", f"{_num(s.final_train_loss)} / {_num(s.final_val_loss)}"),
        ("final gap (abs / rel)", f"{_num(s.final_gap)} / {_num(s.relative_final_gap)}"),
        ("train improvement", _num(s.total_relative_improvement)),
        ("left to gain (fit)", _num(s.remaining_improvement)),
    ]
    if s.window > 1:
        rows.append(("window", f"{s.window} steps"))
    return ["| | |", "|---|---:|", *(f"| {k} | {v} |" for k, v in rows)]


def render(diagnosis: Diagnosis) -> str:
    """One run's report as Markdown."""
    d = diagnosis
    name = f"`{d.run_name}`" if d.run_name else "run"
    lines = [f"### {_VERDICT[d.verdict]}: {name} ({d.source_format})", ""]
    if d.primary is not None:
        lines += [f"**Fix first:** {d.primary.summary}", ""]
    if d.findings:
        lines += [
            "| | finding | severity | confidence | where | summary |",
            "|---|---|---|---|---|---|",
        ]
        for f in d.findings:
            mark = "▶" if f is d.primary else ""
            lines.append(
                f"| {mark} | `{f.code}` | {f.severity.label} | {f.confidence_label} "
                f"| {_span(f)} | {_cell(f.summary)} |"
            )
        lines.append("")
        for f in d.findings:
            lines += _details(f)
    else:
        lines += ["No findings.", ""]
    lines += ["**In numbers**", "", *_summary(d.summary)]
    notes = [*d.warnings, *(f"detector {x.detector} failed ({x.error})" for x in d.failures)]
    if notes:
        lines += ["", *(f"> {n}" for n in notes)]
    return "\n".join(lines)


def render_runs(outcomes: Sequence[tuple[str, Diagnosis | InputError]]) -> str:
    """A table with one row per run (for ``--each``); unreadable runs show their error."""
    lines = ["| run | verdict | fix first | findings |", "|---|---|---|---:|"]
    for name, outcome in outcomes:
        if isinstance(outcome, InputError):
            lines.append(f"| `{_cell(name)}` | ❌ error | {_cell(outcome)} | |")
            continue
        primary = f"`{outcome.primary.code}`" if outcome.primary is not None else "–"
        lines.append(
            f"| `{_cell(name)}` | {_VERDICT[outcome.verdict]} | {primary} "
            f"| {len(outcome.findings)} |"
        )
    return "\n".join(lines)
