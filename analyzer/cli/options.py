"""The command line of ``analyzer-cli FILE ...``: inputs, output, exit policy and hints.

Hint flags are generated from the fields of :class:`analyzer.model.hints.Hints` (name, help
text, allowed values), so a new hint is a new flag without touching this file. The values go
through the pydantic model, which checks them; its complaint becomes a usage error naming the
flag.
"""

from __future__ import annotations

import argparse
import enum
import os
import sys
import typing
from collections.abc import Sequence

import pydantic

from analyzer import __version__
from analyzer.ingest import format_names
from analyzer.model.findings import Severity
from analyzer.model.hints import Hints

PROG = "analyzer-cli"
OUTPUTS = ("text", "json", "markdown")
#: ``--fail-on`` levels: the severity from which findings make the exit status 1.
FAIL_ON = {"info": Severity.INFO, "warning": Severity.WARNING, "critical": Severity.CRITICAL}
#: Short spellings people type, in addition to the generated ``--field-name`` flags.
HINT_ALIASES = {
    "baseline_loss": ("--baseline",),
    "learning_rate": ("--lr",),
    "early_stopping_patience": ("--patience",),
    "planned_epochs": ("--epochs",),
}

_EPILOG = """\
commands:
  explain CODE          print what a finding means, why it matters and what to do
  compare A B ...       compare runs (when installed)

exit status:
  0    no finding at or above --fail-on
  1    a finding at or above --fail-on
  2    usage or input error (the message names the file, line and column); with
       --each, also when any one input could not be read
  3    internal error (a bug: please report it with the --debug traceback)
  4    --server: the server could not be reached or refused the call
  130  interrupted

A file named like a command is read as ./explain or ./compare. NO_COLOR turns colour off.
"""


def flag_for(name: str) -> str:
    """The command-line flag of a field name: ``num_classes`` -> ``--num-classes``."""
    return "--" + name.replace("_", "-")


def _enum_in(annotation: object) -> type[enum.Enum] | None:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            return arg
    return None


def add_hint_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`~analyzer.model.hints.Hints` field (``--num-classes``, aliases from
    ``HINT_ALIASES``), stored as ``hint_<field>``; shared by every command that takes hints."""
    group = parser.add_argument_group(
        "hints", "facts about the run that sharpen the verdicts (all optional)"
    )
    for name, info in Hints.model_fields.items():
        help_text = info.description or name.replace("_", " ")
        choices = _enum_in(info.annotation)
        if choices is not None:
            help_text += f" ({', '.join(c.value for c in choices)}; common aliases accepted)"
        group.add_argument(
            flag_for(name),
            *HINT_ALIASES.get(name, ()),
            dest=f"hint_{name}",
            metavar=name.split("_")[-1].upper(),
            help=help_text,
        )


def add_server_flags(parser: argparse.ArgumentParser) -> None:
    """``--server``, ``--tls``, ``--tls-ca`` and ``--token`` (read by
    :func:`analyzer.cli.remote.connect`); shared by every command that can run remotely."""
    remote = parser.add_argument_group(
        "server",
        "analyze on a running analyzer-server instead of in this process (needs the "
        "loss-analyzer-client package); the report is the same",
    )
    remote.add_argument(
        "--server",
        nargs="?",
        const="",
        metavar="HOST:PORT",
        help="the server's address (without a value: ANALYZER_TARGET, else 127.0.0.1:50051)",
    )
    remote.add_argument(
        "--tls",
        action="store_true",
        help="use TLS with the system's root certificates (also: ANALYZER_TLS=1)",
    )
    remote.add_argument(
        "--tls-ca",
        metavar="CA.pem",
        help="trust this PEM CA bundle; turns TLS on (also: ANALYZER_TLS_CA; a client "
        "certificate for mutual TLS: ANALYZER_TLS_CLIENT_CERT and ANALYZER_TLS_CLIENT_KEY)",
    )
    remote.add_argument(
        "--token",
        help="bearer token (better: ANALYZER_TOKEN or ANALYZER_TOKEN_FILE, which other users "
        "cannot see in the process list)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Diagnose a training run from its log (CSV, Keras history JSON, TensorBoard "
        "event files or downloads, Hugging Face trainer_state.json, console output).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="log files of one run, a log directory, or - for standard input",
    )
    inputs = parser.add_argument_group("input")
    inputs.add_argument(
        "--format",
        choices=format_names(),
        metavar="FORMAT",
        help=f"force a format instead of detecting it: {', '.join(format_names())}",
    )
    inputs.add_argument(
        "--each",
        action="store_true",
        help="analyze every file or run directory on its own and end with a table of the runs",
    )
    out = parser.add_argument_group("output")
    out.add_argument(
        "-o", "--output", choices=OUTPUTS, default="text", help="report format (default: text)"
    )
    out.add_argument(
        "--plot",
        metavar="OUT.png",
        help="also draw the curves with the diagnosis marked (needs the 'plot' extra); with "
        "--each, one picture per run named OUT-<run>.png",
    )
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (default: auto = on a terminal, unless NO_COLOR is set)",
    )
    out.add_argument("--series", action="store_true", help="also list the series read from the log")
    out.add_argument(
        "--list-detectors", action="store_true", help="list the findings the analyzer reports"
    )
    add_server_flags(parser)
    parser.add_argument(
        "--fail-on",
        choices=[*FAIL_ON, "never"],
        default="critical",
        help="exit 1 when a finding of this severity or worse is found (default: critical, "
        "i.e. failing runs)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_hint_flags(parser)
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``argv``; usage errors exit through argparse with status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.files and not args.list_detectors:
        parser.error("no input: name a log file, a log directory, or - for standard input")
    if args.files.count("-") > 1:
        parser.error("standard input (-) can be read only once")
    if args.server is None and (args.tls or args.tls_ca or args.token):
        parser.error("--tls, --tls-ca and --token go with --server")
    if args.server is not None and (args.plot or args.series):
        parser.error(
            "--plot and --series need the parsed log, which stays on the server; "
            "run them without --server"
        )
    values = {
        name: getattr(args, f"hint_{name}")
        for name in Hints.model_fields
        if getattr(args, f"hint_{name}") is not None
    }
    try:
        args.hints = Hints(**values)
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]
        parser.error(f"{flag_for(str(problem['loc'][0]))}: {problem['msg']}")
    return args


def use_color(choice: str, stream: typing.TextIO | None = None) -> bool:
    """``--color auto``: colour only when ``stream`` (standard output) is a terminal and
    ``NO_COLOR`` is unset or empty (https://no-color.org); ``always``/``never`` decide alone."""
    if choice != "auto":
        return choice == "always"
    stream = sys.stdout if stream is None else stream
    return not os.environ.get("NO_COLOR") and stream.isatty()
