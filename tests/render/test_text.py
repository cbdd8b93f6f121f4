"""The terminal report: verdict first, colour only when asked, lines that fit."""

from __future__ import annotations

import re

from analyzer.errors import ParseError
from analyzer.render.text import WIDTH, render, render_runs, render_series
from tests.render.samples import healthy_diagnosis, sample_diagnosis, sample_log

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_verdict_comes_first_then_the_primary_finding():
    lines = render(sample_diagnosis()).splitlines()
    assert lines[0] == "Run sample (keras-csv): NEEDS ATTENTION"
    assert lines[2] == "Fix first:"
    assert "OVERFITTING" in lines[3]
    text = "\n".join(lines)
    assert text.index("Fix first:") < text.index("Also found:") < text.index("In numbers:")
    # The others are one-liners: their evidence is not repeated.
    assert "spike_count" not in text


def test_plain_report_has_no_escape_codes_and_fits_the_width():
    text = render(sample_diagnosis())
    assert "\x1b" not in text
    assert max(len(line) for line in text.splitlines()) <= WIDTH


def test_colour_adds_only_escape_codes():
    plain = render(sample_diagnosis())
    coloured = render(sample_diagnosis(), color=True)
    assert coloured != plain
    assert "\x1b[1;33mNEEDS ATTENTION\x1b[0m" in coloured  # the verdict, in yellow
    assert "\x1b[33m[warning]\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == plain


def test_no_findings_and_unknown_numbers():
    text = render(healthy_diagnosis())
    assert text.startswith("Run (csv): HEALTHY")
    assert "Fix first" not in text and "found:" not in text
    assert "best val loss             n/a" in text


def test_notes_and_detector_failures_are_shown():
    text = render(sample_diagnosis())
    assert "note: a note from ingestion" in text
    assert "internal: detector plateau_v2 failed (ValueError: boom)" in text


def test_runs_table_has_one_line_per_run_and_shows_errors():
    error = ParseError("'abc' is not a number", source="b.csv", line=3, field="loss")
    long = "some/very/long/directory/name/that/goes/on/and/on/run_42"
    table = render_runs([("a", sample_diagnosis()), ("b.csv", error), (long, healthy_diagnosis())])
    lines = table.splitlines()
    assert len(lines) == 4
    assert lines[1].split() == ["a", "needs_attention", "OVERFITTING", "4"]
    assert lines[2].split()[:2] == ["b.csv", "error"]
    assert lines[2].endswith("line 3: column 'loss': 'abc' is not a number")
    assert lines[3].startswith("...") and "run_42" in lines[3]  # the distinctive end is kept
    assert lines[3].split()[1:] == ["healthy", "-", "0"]


def test_series_table_lists_every_series_with_its_best_point():
    lines = render_series(sample_log()).splitlines()
    assert lines[0].startswith("run: sample   format: keras-csv")
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert set(rows) == {"loss", "val_loss"}
    assert rows["loss"][4] == "40"  # points
