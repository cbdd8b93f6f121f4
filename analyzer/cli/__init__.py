"""``analyzer-cli``: diagnose training logs at a terminal, in CI pipelines, and as a picture.

``analyzer-cli FILE ...`` analyzes one run (``--each``: every input on its own);
``analyzer-cli explain CODE`` documents a finding; ``analyzer-cli compare A B ...`` is handed to
:mod:`analyzer.compare.cli` when that module is installed. Subcommands are recognized as the
first word only, so ``./explain`` or ``./compare`` still name files.

Exit status (a contract for CI): 0 nothing at or above ``--fail-on``, 1 findings at or above
it, 2 usage or input error (also when any ``--each`` input could not be read), 130 interrupted,
3 internal error, 4 ``--server`` unreachable or refusing the call. Errors are one line on
stderr, ``analyzer-cli: error: <file>: line 7: ...``, with a traceback only under ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Callable, Sequence

from analyzer.cli import explain, output
from analyzer.cli.options import FAIL_ON, PROG, parse, use_color
from analyzer.cli.remote import RemoteError, remote_backend
from analyzer.cli.runner import AnalysisRequest, Backend, Progress, RunResult, analyze_locally
from analyzer.errors import InputError

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130
EXIT_SERVICE = 4

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_INPUT",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SERVICE",
    "main",
    "main_entry",
]


def _error(message: str) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)


def _read_input(name: str) -> str | tuple[str, bytes]:
    if name != "-":
        return name
    if sys.stdin.isatty():  # nothing piped in: say why we wait
        print(f"{PROG}: reading the log from standard input (end with Ctrl-D)", file=sys.stderr)
    return ("<stdin>", sys.stdin.buffer.read())


def select_backend(args: argparse.Namespace) -> Backend:
    """Where the analysis runs: in this process, or on the server named by ``--server``."""
    return analyze_locally if args.server is None else remote_backend(args)


def exit_status(results: Sequence[RunResult], fail_on: str) -> int:
    """2 when any input could not be read, else 1 when a finding reaches ``fail_on``."""
    if any(r.error is not None for r in results):
        return EXIT_INPUT
    if fail_on != "never":
        worst = FAIL_ON[fail_on]
        if any(f.severity >= worst for r in results for f in r.diagnosis.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def _analyze(args: argparse.Namespace) -> int:
    if args.list_detectors:
        print(explain.list_detectors())
        return EXIT_OK
    if args.plot:
        output.check_plot(args.plot)
    request = AnalysisRequest(
        inputs=tuple(_read_input(f) for f in args.files),
        each=args.each,
        format=args.format,
        hints=args.hints,
        progress=Progress(),
    )
    results = select_backend(args)(request)
    for r in results:
        if r.error is not None:
            if args.debug:
                traceback.print_exception(r.error)
            _error(str(r.error))
    report = output.report(
        results, args.output, each=args.each, color=use_color(args.color), series=args.series
    )
    if report:
        print(report)
    if args.plot:
        for path in output.plots(results, args.plot):
            print(f"{PROG}: wrote {path}", file=sys.stderr)
    return exit_status(results, args.fail_on)


def _compare() -> Callable[[Sequence[str]], int]:
    """The ``compare`` subcommand from :mod:`analyzer.compare.cli`, if installed."""
    try:
        module = importlib.import_module("analyzer.compare.cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("analyzer.compare", "analyzer.compare.cli"):
            raise
        raise InputError(
            "'compare' is not available in this installation (to read a file named compare, "
            "write ./compare)"
        ) from None

    def run(argv: Sequence[str]) -> int:
        parser = argparse.ArgumentParser(prog=f"{PROG} compare")
        module.configure_parser(parser)
        return module.run(parser.parse_args(argv))

    return run


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "explain":
        return explain.main(argv[1:])
    if argv and argv[0] == "compare":
        return _compare()(argv[1:])
    return _analyze(parse(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit status (tests call this; it never raises SystemExit)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        return _dispatch(argv)
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        return EXIT_OK if exc.code is None else exc.code if isinstance(exc.code, int) else 2
    except InputError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc))
        return EXIT_INPUT
    except RemoteError as exc:
        if debug:
            traceback.print_exc()
        _error(str(exc))
        return EXIT_SERVICE
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `analyzer-cli ... | head`: the reader left, nothing to report
        # Point stdout at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if debug:
            traceback.print_exc()
        _error(f"internal error: {type(exc).__name__}: {exc} (--debug shows the traceback)")
        return EXIT_INTERNAL


def main_entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
