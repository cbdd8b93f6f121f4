"""``--server``: the same request answered by a running ``analyzer-server``.

The inputs are read here (with the library's own reader, so a missing file is the same error)
and sent to ``AnalyzeLog`` (``compare``: to ``CompareRuns``); the diagnoses (comparisons) come
back as the library's own objects, so the reports, the JSON document and the exit status are
produced by exactly the code that renders local answers. With ``--each``, a directory holding
several runs becomes one request per run, grouped by folder as the library groups them. The
server parses one request as one run: a file holding several runs appended one after another is
analyzed as its last run (with a warning), where a local ``--each`` lists every one.

Needs the client distribution (``pip install loss-analyzer-client``, or ``-e clients/python``).
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator

from analyzer.cli.runner import (
    AnalysisRequest,
    Backend,
    Input,
    RunResult,
    each_label,
    input_name,
)
from analyzer.errors import InputError
from analyzer.model.findings import Diagnosis

_MISSING = (
    "--server needs the Python client: pip install loss-analyzer-client "
    "(from a checkout: pip install -e clients/python)"
)


class RemoteError(Exception):
    """The server could not be reached or refused the call (not a problem of the input)."""


def connect(args: argparse.Namespace):
    """An ``AnalyzerClient`` for the server named by ``--server`` (``ANALYZER_TARGET`` when the
    flag has no value), with ``--tls``, ``--tls-ca``, ``--token`` or their environment
    variables; RemoteError when the client is not installed or the settings are wrong."""
    try:
        from analyzer_client import AnalyzerClient
    except ModuleNotFoundError as exc:
        if exc.name != "analyzer_client":
            raise
        raise RemoteError(_MISSING) from None
    try:
        return AnalyzerClient(
            args.server or None,
            tls=True if args.tls else None,
            tls_ca=args.tls_ca,
            token=args.token,
        )
    except ValueError as exc:
        raise RemoteError(str(exc)) from None


def remote_backend(args: argparse.Namespace) -> Backend:
    """A backend calling the server named by ``--server`` (see :func:`connect`)."""
    client = connect(args)

    def backend(request: AnalysisRequest) -> list[RunResult]:
        progress = request.progress
        try:
            if not request.each:
                return [_one_run(client, request, request.inputs)]
            results = []
            for number, item in enumerate(request.inputs, 1):
                if progress is not None:
                    progress.show(f"[{number}/{len(request.inputs)}] {input_name(item)} ...")
                results.extend(_each_input(client, request, item))
            return results
        finally:
            if progress is not None:
                progress.clear()
            client.close()

    return backend


@contextlib.contextmanager
def _server_errors() -> Iterator[None]:
    """The server's verdict on the input raised as the library's own InputError; anything
    else (unreachable, no token) as RemoteError, fatal for the whole command."""
    from analyzer_client import ServiceError

    try:
        yield
    except ServiceError as exc:
        error = exc.input_error()
        if error is None:
            raise RemoteError(str(exc)) from None
        raise error from None


def _call(client, request: AnalysisRequest, files) -> Diagnosis | InputError:
    """One AnalyzeLog; an input error (read here or by the server) is returned."""
    try:
        with _server_errors():
            return client.analyze_files(files, format=request.format, hints=request.hints)
    except InputError as exc:
        return exc


def remote_compare(args: argparse.Namespace, runs, **options):
    """``analyzer-cli compare --server``: one CompareRuns with the library's arguments
    (:meth:`AnalyzerClient.compare_runs`), the library's own Comparison back; the server's
    verdict on the input is raised as the library's InputError, anything else as RemoteError."""
    client = connect(args)
    try:
        with _server_errors():
            return client.compare_runs(runs, **options)
    finally:
        client.close()


def _one_run(client, request: AnalysisRequest, inputs: tuple[Input, ...]) -> RunResult:
    given = " ".join(input_name(i) for i in inputs)
    outcome = _call(client, request, inputs[0] if len(inputs) == 1 else list(inputs))
    if isinstance(outcome, InputError):
        return RunResult(label=given, input=given, error=outcome)
    return RunResult(label=outcome.run_name or given, input=given, diagnosis=outcome)


def _each_input(client, request: AnalysisRequest, item: Input) -> list[RunResult]:
    from analyzer_client.requests import run_groups

    name = input_name(item)
    try:
        groups = run_groups(item)
    except InputError as exc:
        return [RunResult(label=name, input=name, error=exc)]
    results = []
    for index, group in enumerate(groups, 1):
        outcome = _call(client, request, group.as_pairs())
        if isinstance(outcome, InputError):
            results.append(RunResult(label=name, input=name, error=outcome))
            continue
        outcome = group.named(outcome)
        label = each_label(name, outcome.run_name, index, len(groups))
        results.append(RunResult(label=label, input=name, diagnosis=outcome))
    return results
