"""Drive ``analyzer.cli.main(argv)`` as a user would, and look at what reached the terminal."""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import analyzer.cli
from analyzer.cli.runner import AnalysisRequest, RunResult
from analyzer.errors import ParseError
from tests.render.samples import sample_diagnosis, sample_log

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests/fixtures/reference"
EXAMPLE = ROOT / "examples/keras_overfitting.csv"


@dataclass
class Outcome:
    code: int
    out: str
    err: str


class Terminal(io.StringIO):
    """A text stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(capsys):
    """``cli(*argv) -> Outcome``; ``stdin=bytes`` feeds standard input."""

    def run(*argv: str, stdin: bytes | None = None) -> Outcome:
        if stdin is not None:
            sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
        try:
            code = analyzer.cli.main([str(a) for a in argv])
        finally:
            sys.stdin = sys.__stdin__
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def fixed_backend(monkeypatch):
    """Replace the analysis by a fixed answer (the hand-made sample run, and for a second
    input an input error), so the output formats can be checked independently of the
    detectors. Returns the list of requests it received."""
    requests: list[AnalysisRequest] = []

    def backend(request: AnalysisRequest) -> list[RunResult]:
        requests.append(request)
        results = [RunResult("sample", "sample.csv", sample_diagnosis(), log=sample_log())]
        if len(request.inputs) > 1:
            error = ParseError("'abc' is not a number", source="bad.csv", line=3, field="loss")
            results.append(RunResult("bad.csv", "bad.csv", error=error))
        return results

    monkeypatch.setattr(analyzer.cli, "select_backend", lambda args: backend)
    return requests
