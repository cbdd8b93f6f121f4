"""What the CLI prints and draws from the run results, in each output format."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from analyzer import __version__
from analyzer.cli.options import PROG
from analyzer.cli.runner import RunResult
from analyzer.errors import InputError
from analyzer.render import json as json_render
from analyzer.render import markdown, text

_PLOT_MISSING = "--plot needs matplotlib: pip install 'loss-analyzer[plot]'"


def run_to_dict(result: RunResult) -> dict[str, Any]:
    """One entry of the JSON document's ``runs``."""
    entry: dict[str, Any] = {"input": result.input, "run_name": None}
    if result.diagnosis is not None:
        entry["run_name"] = result.diagnosis.run_name
        entry["diagnosis"] = json_render.diagnosis_to_dict(result.diagnosis)
    else:
        entry["error"] = json_render.error_to_dict(result.error)
    return entry


def _json(results: Sequence[RunResult]) -> str:
    import orjson

    doc = json_render.document([run_to_dict(r) for r in results], generator=f"{PROG} {__version__}")
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode()


def report(results: Sequence[RunResult], fmt: str, *, each: bool, color: bool, series: bool) -> str:
    """The report on stdout. Runs that could not be read appear only in the JSON document and
    in the ``--each`` table (their error goes to stderr)."""
    if fmt == "json":
        return _json(results)
    done = [r for r in results if r.diagnosis is not None]
    if fmt == "markdown":
        blocks = [markdown.render(r.diagnosis) for r in done]
        if each:
            blocks.append(markdown.render_runs([(r.label, r.outcome) for r in results]))
        return "\n\n".join(blocks)
    blocks = []
    for r in done:
        # With --each, a rule naming the input heads each report (run names may repeat).
        head = f"== {r.label} ==\n" if each else ""
        blocks.append(head + text.render(r.diagnosis, color=color))
        if series and r.log is not None:
            blocks.append(text.render_series(r.log))
    if each:
        blocks.append(text.render_runs([(r.label, r.outcome) for r in results], color=color))
    return "\n\n".join(blocks)


def check_plot(path: str) -> None:
    """Fail before the analysis when ``--plot`` cannot be honoured."""
    from analyzer.render import plot

    if not plot.available():
        raise InputError(_PLOT_MISSING)
    plot.check_path(path)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "run"


def plot_paths(results: Sequence[RunResult], path: str) -> list[Path]:
    """Where each run's picture goes: ``path`` for one run, ``<stem>-<run name>.<ext>`` for
    several (numbered when run names repeat)."""
    base = Path(path)
    if len(results) == 1:
        return [base]
    names = [_slug(r.diagnosis.run_name or Path(r.input).stem) for r in results]
    unique = len(set(names)) == len(names)
    return [
        base.with_name(f"{base.stem}-{name if unique else f'{i}-{name}'}{base.suffix}")
        for i, name in enumerate(names, 1)
    ]


def plots(results: Sequence[RunResult], path: str) -> list[Path]:
    """Draw every diagnosed run that has its log; returns the files written."""
    from analyzer.render import plot

    drawable = [r for r in results if r.diagnosis is not None and r.log is not None]
    return [
        plot.save(r.log, r.diagnosis, target)
        for r, target in zip(drawable, plot_paths(drawable, path), strict=True)
    ]
