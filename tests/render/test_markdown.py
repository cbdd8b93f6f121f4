"""Markdown for pull-request comments: a verdict heading, a findings table, collapsed details."""

from __future__ import annotations

import re

from analyzer.errors import EmptyLogError
from analyzer.render.markdown import render, render_runs
from tests.render.samples import healthy_diagnosis, sample_diagnosis

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _tables(text: str) -> list[list[str]]:
    """The Markdown tables in ``text``, as lists of their row lines."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _cells(row: str) -> int:
    return len(_UNESCAPED_PIPE.findall(row)) - 1


def test_every_table_is_well_formed():
    for table in _tables(render(sample_diagnosis())):
        assert re.fullmatch(r"\|(\s*-+:?\s*\|)+|\|(---:?\|)+", table[1]) or set(table[1]) <= set(
            "|-: "
        )
        assert len({_cells(row) for row in table}) == 1, table


def test_heading_table_and_details():
    text = render(sample_diagnosis())
    assert text.startswith("### 🟡 Needs attention: `sample` (keras-csv)")
    findings = _tables(text)[0]
    assert len(findings) == 2 + 4  # header, rule, one row per finding
    assert findings[2].startswith("| ▶ | `OVERFITTING` | warning | high | epochs 20–39 |")
    assert findings[5].startswith("|  | `VAL_BELOW_TRAIN` | info | medium | – |")
    assert text.count("<details>") == text.count("</details>") == 4
    # A pipe inside a description must not split the cell.
    assert "Mann-Kendall z \\| after the onset" in text
    assert "| `val_mk_z` | 4.2 | mann_kendall[hamed_rao_ar1] | 2.5e-05 | p < 0.05: met |" in text
    assert "| `max_spike_sigmas` | inf |" in text
    assert "- Keep the weights from epoch 24." in text
    assert "> detector plateau_v2 failed (ValueError: boom)" in text


def test_healthy_run_without_findings():
    text = render(healthy_diagnosis())
    assert text.startswith("### 🟢 Healthy: run (csv)")
    assert "No findings." in text and "<details>" not in text
    assert "| best val loss | – |" in text


def test_runs_table():
    error = EmptyLogError("no numbers | at all", source="e.csv")
    table = render_runs([("a", sample_diagnosis()), ("e.csv", error)]).splitlines()
    assert table[2] == "| `a` | 🟡 Needs attention | `OVERFITTING` | 4 |"
    assert table[3].startswith("| `e.csv` | ❌ error | e.csv: no numbers \\| at all |")
    assert len({_cells(row) for row in table}) == 1
