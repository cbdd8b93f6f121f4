"""``analyzer-cli``: diagnose training logs at a terminal.

Prints the diagnosis (verdict, the finding to fix first with its evidence, the other findings,
the run in numbers); ``--series`` also lists what ingestion understood. Exit status: 0 nothing
at or above ``--fail-on``, 1 findings at or above it, 2 usage or input error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import math
import sys
import traceback
from collections.abc import Sequence

import numpy as np

from analyzer import __version__
from analyzer.engine import diagnose
from analyzer.errors import InputError
from analyzer.ingest import format_names, load, load_runs
from analyzer.model import Direction, TrainingLog
from analyzer.model.findings import Severity
from analyzer.render.text import render

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
_FAIL_ON = {"info": Severity.INFO, "warning": Severity.WARNING, "critical": Severity.CRITICAL}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="analyzer-cli",
        description="Diagnose a training run from its log (CSV, Keras history JSON, TensorBoard "
        "event files or downloads, Hugging Face trainer_state.json, console output).",
    )
    parser.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="log files of one run, a log directory, or - for standard input",
    )
    parser.add_argument("--format", choices=format_names(), help="force a format")
    parser.add_argument(
        "--each", action="store_true", help="treat every file or run directory as its own run"
    )
    parser.add_argument(
        "--fail-on",
        choices=[*_FAIL_ON, "never"],
        default="critical",
        help="exit 1 when a finding of this severity or worse is found (default: critical)",
    )
    parser.add_argument(
        "--series", action="store_true", help="also list the series read from the log"
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.6g}"


def render_summary(log: TrainingLog) -> str:
    """A plain-text table of the series ingestion found."""
    lines = [
        f"run: {log.run_name or '(unnamed)'}   format: {log.source_format}   "
        f"sources: {', '.join(log.sources)}",
        f"{'series':<22}{'from':<24}{'split':<11}{'per':<6}{'points':>8}"
        f"{'first':>11}{'last':>11}{'best':>11}{'at':>9}{'non-finite':>11}",
    ]
    for s in log.series:
        finite = np.isfinite(s.values)
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


def _read_stdin() -> tuple[str, bytes]:
    return ("<stdin>", sys.stdin.buffer.read())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status instead of exiting (tests call this)."""
    args = _parser().parse_args(argv)
    try:
        sources = [_read_stdin() if f == "-" else f for f in args.files]
        if args.each:
            logs = [log for src in sources for log in load_runs(src, format=args.format)]
        else:
            source = sources[0] if len(sources) == 1 else sources
            logs = [load(source, format=args.format)]
        diagnoses = [diagnose(log) for log in logs]
        blocks = []
        for log, diagnosis in zip(logs, diagnoses, strict=True):
            blocks.append(render(diagnosis))
            if args.series:
                blocks.append(render_summary(log))
        print("\n\n".join(blocks))
        if args.fail_on != "never":
            worst = _FAIL_ON[args.fail_on]
            if any(f.severity >= worst for d in diagnoses for f in d.findings):
                return EXIT_FINDINGS
        return EXIT_OK
    except InputError as exc:
        if args.debug:
            traceback.print_exc()
        print(f"analyzer-cli: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("analyzer-cli: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
