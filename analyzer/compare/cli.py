"""``analyzer-cli compare A B ...``: compare training runs at a terminal.

Each argument is a run: a log file, a run's log directory, or a directory of runs (one run per
subdirectory or file, as ``--each`` reads it). Output as text, JSON (the
:func:`~analyzer.compare.codec.comparison_to_dict` document) or Markdown; ``--plot`` overlays
the runs. Progress goes to stderr on a terminal. ``--server HOST:PORT`` compares on a running
``analyzer-server`` (one CompareRuns call; the files are read here) and prints the same report.
Exit status: 0 compared, 2 usage or input error (``analyzer-cli: error: <file>: ...``),
4 the server could not be reached or refused the call, 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback

import pydantic

from analyzer.cli.options import OUTPUTS, PROG, add_hint_flags, add_server_flags, flag_for
from analyzer.cli.runner import Progress
from analyzer.compare.align import MODES
from analyzer.compare.api import DEFAULT_MARGIN, check_options, compare_profiles, profile_runs
from analyzer.compare.codec import comparison_to_dict
from analyzer.compare.model import Criterion
from analyzer.errors import InputError
from analyzer.ingest import format_names
from analyzer.model.hints import Hints

EXIT_OK, EXIT_INPUT, EXIT_INTERRUPTED = 0, 2, 130


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The ``compare`` subcommand's arguments on ``parser``."""
    parser.description = (
        "Compare two or more training runs of the same task: rank them on a criterion with "
        "tests between them (Holm-corrected), say how they differ (best and final level, "
        "epochs to a common target, convergence time constant, noise, generalization gap) "
        "and show each run's own diagnosis."
    )
    parser.add_argument(
        "runs", nargs="+", metavar="RUN",
        help="a log file, a run's log directory, or a directory of runs (one per subdirectory)",
    )  # fmt: skip
    what = parser.add_argument_group("what to compare")
    what.add_argument("--metric", help="series to compare (default: val_loss, else loss)")
    what.add_argument(
        "--criterion", choices=[c.value for c in Criterion], default=Criterion.BEST.value,
        help="rank by the best smoothed level (default) or the level at the end",
    )  # fmt: skip
    what.add_argument(
        "--align", choices=MODES, default="common",
        help="compare over the range every run covers (default) or each run's full length",
    )  # fmt: skip
    what.add_argument("--alpha", type=float, help="error rate of every claim (default 0.05)")
    what.add_argument(
        "--margin", type=float, default=DEFAULT_MARGIN,
        help=f"relative difference below which runs are equivalent (default {DEFAULT_MARGIN})",
    )  # fmt: skip
    what.add_argument("--format", choices=format_names(), metavar="FORMAT", help="force a format")
    what.add_argument(
        "--workers", type=int,
        help="processes for reading and diagnosing (default: 1 below 64 runs, else all CPUs)",
    )  # fmt: skip
    out = parser.add_argument_group("output")
    out.add_argument("-o", "--output", choices=OUTPUTS, default="text", help="report format")
    out.add_argument("--plot", metavar="OUT.png", help="overlay the runs' curves in a picture")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    add_server_flags(parser)
    add_hint_flags(parser)


def _hints(args: argparse.Namespace) -> Hints:
    values = {
        name: getattr(args, f"hint_{name}")
        for name in Hints.model_fields
        if getattr(args, f"hint_{name}", None) is not None
    }
    try:
        return Hints(**values)
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]
        raise InputError(f"{flag_for(str(problem['loc'][0]))}: {problem['msg']}") from None


def _render(comparison, output: str) -> str:
    if output == "json":
        return json.dumps(comparison_to_dict(comparison), indent=2, allow_nan=False)
    if output == "markdown":
        from analyzer.render.compare_markdown import render
    else:
        from analyzer.render.compare_text import render
    return render(comparison)


def _check_remote_flags(args: argparse.Namespace) -> None:
    if args.server is None and (args.tls or args.tls_ca or args.token):
        raise InputError("--tls, --tls-ca and --token go with --server")
    if args.server is not None and (args.plot or args.workers):
        raise InputError(
            "--plot and --workers need the runs in this process; run them without --server"
        )


def _compare_remotely(args: argparse.Namespace):
    from analyzer.cli.remote import remote_compare

    return remote_compare(
        args, args.runs, metric=args.metric, hints=_hints(args), criterion=args.criterion,
        alignment=args.align, alpha=args.alpha, margin=args.margin, format=args.format,
    )  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Compare the runs named on the command line; returns the exit status."""
    progress = Progress()
    try:
        _check_remote_flags(args)
        check_options(args.alpha, args.margin)
        if args.server is not None:
            print(_render(_compare_remotely(args), args.output))
            return EXIT_OK
        if args.plot:
            from analyzer.render.compare_plot import check

            check(args.plot)
        options = {"format": args.format} if args.format else {}
        profiles = profile_runs(
            args.runs, metric=args.metric, hints=_hints(args), workers=args.workers,
            progress=lambda done, total: progress.show(f"diagnosed {done:,} of {total:,} runs"),
            **options,
        )  # fmt: skip
        progress.clear()
        comparison = compare_profiles(
            profiles, metric=args.metric, criterion=args.criterion, alignment=args.align,
            alpha=args.alpha, margin=args.margin,
        )  # fmt: skip
        print(_render(comparison, args.output))
        if args.plot:
            from analyzer.render.compare_plot import save

            metric = comparison.metric
            curves = {p.name: (p.curves[metric].x, p.curves[metric].y) for p in profiles}
            print(f"{PROG}: wrote {save(comparison, curves, args.plot)}", file=sys.stderr)
        return EXIT_OK
    except InputError as exc:
        progress.clear()
        if args.debug:
            traceback.print_exc()
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        progress.clear()
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
