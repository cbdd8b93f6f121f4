"""From the inputs on the command line to one result per run: the step a remote backend
replaces.

:func:`analyze_locally` loads and diagnoses in this process. A backend is any callable with
the :data:`Backend` signature (a request in, a list of :class:`RunResult` out); the rest of the
CLI (reports, plots, exit status) works on the results only, so local and remote answers are
rendered by the same code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from analyzer.engine import diagnose
from analyzer.errors import InputError
from analyzer.ingest import load, load_runs
from analyzer.model import TrainingLog
from analyzer.model.findings import Diagnosis
from analyzer.model.hints import Hints

#: Inputs at least this large (bytes, a directory's files summed) show progress on a terminal.
LARGE_INPUT_BYTES = 20_000_000

#: An input as the backends take it: a path, or ``(name, bytes)`` for standard input.
Input = str | tuple[str, bytes]


class Progress:
    """A one-line status on stderr, rewritten in place; silent unless stderr is a terminal
    (a pipe or a CI log must not fill up with carriage returns)."""

    def __init__(self, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.stream = sys.stderr if stream is None else stream
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self._shown = False

    def show(self, text: str) -> None:
        if self.enabled:
            self.stream.write(f"\r\x1b[K{text}")
            self.stream.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


@dataclass(frozen=True)
class AnalysisRequest:
    """What to analyze and how: the command line without its presentation options."""

    inputs: tuple[Input, ...]
    each: bool = False
    format: str | None = None
    hints: Hints = field(default_factory=Hints)
    progress: Progress | None = None


@dataclass(frozen=True)
class RunResult:
    """One run's outcome: a diagnosis or the input error that prevented it.

    ``label`` names the run for people (its run name, else the input); ``input`` is what was
    given on the command line; ``log`` is the parsed log when it was read in this process
    (``--plot`` and ``--series`` need it; a remote backend may leave it None).
    """

    label: str
    input: str
    diagnosis: Diagnosis | None = None
    error: InputError | None = None
    log: TrainingLog | None = None

    @property
    def outcome(self) -> Diagnosis | InputError:
        return self.diagnosis if self.diagnosis is not None else self.error


Backend = Callable[[AnalysisRequest], list[RunResult]]


def input_name(item: Input) -> str:
    return item[0] if isinstance(item, tuple) else item


def input_size(item: Input) -> int:
    """Bytes in an input (a directory's files summed; 0 when it cannot be read: the loader
    will say why)."""
    if isinstance(item, tuple):
        return len(item[1])
    path = Path(item)
    try:
        if path.is_dir():
            return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        return path.stat().st_size
    except OSError:
        return 0


def each_label(name: str, run_name: str | None, index: int, count: int) -> str:
    """The ``--each`` label of the ``index``-th of ``count`` runs found in the input ``name``:
    the input alone, or with the run's name (else its number) when it holds several."""
    return f"{name} [{run_name or index}]" if count > 1 else name


def _result(log: TrainingLog, hints: Hints, given: str, label: str | None = None) -> RunResult:
    return RunResult(
        label=label or log.run_name or given,
        input=given,
        diagnosis=diagnose(log, hints=hints),
        log=log,
    )


def _one_run(request: AnalysisRequest, progress: Progress) -> list[RunResult]:
    names = [input_name(i) for i in request.inputs]
    given = " ".join(names)
    if sum(input_size(i) for i in request.inputs) >= LARGE_INPUT_BYTES:
        progress.show(f"reading {given} ...")
    source = request.inputs[0] if len(request.inputs) == 1 else list(request.inputs)
    try:
        log = load(source, format=request.format)
        if log.total_points >= 100_000:
            progress.show(f"diagnosing {log.total_points:,} points ...")
        return [_result(log, request.hints, given)]
    except InputError as exc:
        return [RunResult(label=given, input=given, error=exc)]


def _each(request: AnalysisRequest, progress: Progress) -> list[RunResult]:
    """Every input on its own (and every run inside a directory or an appended file): one
    unreadable input is reported and the others are still analyzed."""
    results: list[RunResult] = []
    total = len(request.inputs)
    for number, item in enumerate(request.inputs, 1):
        name = input_name(item)
        progress.show(f"[{number}/{total}] reading {name} ...")
        try:
            logs = load_runs(item, format=request.format)
        except InputError as exc:
            results.append(RunResult(label=name, input=name, error=exc))
            continue
        for index, log in enumerate(logs, 1):
            label = each_label(name, log.run_name, index, len(logs))
            progress.show(f"[{number}/{total}] diagnosing {label} ...")
            results.append(_result(log, request.hints, name, label))
    return results


def analyze_locally(request: AnalysisRequest) -> list[RunResult]:
    """Load and diagnose in this process. Input errors become results, never exceptions."""
    progress = request.progress or Progress(enabled=False)
    try:
        return _each(request, progress) if request.each else _one_run(request, progress)
    finally:
        progress.clear()
