"""CompareRuns: the runs of a request read, diagnosed and compared by :mod:`analyzer.compare`.

:func:`decode_request` checks what is cheap to check on the event loop (two runs or more, at
most ``max_runs``, each run with files or series, the files of all runs together within
``max_files``, ``alpha`` and ``margin`` in range); :func:`compare_runs` then does the work in an
analysis thread, one run after the other, checking the deadline before each. The points of all
runs together count against ``max_points``: a request asks the server for that much memory at
most, however many runs it holds. (Each file's bytes, decompressed, stay within
``max_request_bytes`` as in AnalyzeLog; the transport caps the request itself.)

Every input error names the request field it is about: ``runs[1].files[0].content``,
``runs[0].series[2].steps``, ``runs[3]``, ``metric``.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.api import codec
from analyzer.compare import Comparison, Criterion
from analyzer.compare.api import (
    DEFAULT_MARGIN,
    RunSpec,
    check_options,
    compare_profiles,
    profile_run,
    with_unique_names,
)
from analyzer.errors import InputError, LimitExceededError
from analyzer.ingest import IngestLimits, load
from analyzer.model import TrainingLog
from analyzer.model.hints import Hints
from analyzer.service.analysis import check_deadline
from analyzer.service.config import ServiceLimits
from analyzer.service.errors import file_field
from analyzer.service.runs import log_from_columns


class RequestFieldError(Exception):
    """An input error and the request field it is about (it crosses the worker thread)."""

    def __init__(self, error: InputError, field: str) -> None:
        super().__init__(str(error))
        self.error = error
        self.field = field


@dataclass(frozen=True)
class RunRequest:
    """One run of the request, decoded: files or series columns, never both."""

    index: int
    name: str | None
    source: str
    files: list[tuple[str, bytes]]
    columns: list[codec.SeriesColumn]
    format: str | None

    @property
    def path(self) -> str:
        return f"runs[{self.index}]"


@dataclass(frozen=True)
class CompareOptions:
    """What the request asks of the comparison (the arguments of :func:`analyzer.compare`)."""

    metric: str | None
    hints: Hints | None
    criterion: Criterion
    alignment: str
    alpha: float | None
    margin: float


def _run(index: int, message) -> RunRequest:
    path = f"runs[{index}]"
    if len(message.files) and len(message.series):
        raise InputError("give a run's files or its series, not both", field=path)
    if not len(message.files) and not len(message.series):
        raise InputError("a run needs its log files or its series", field=path)
    files = [(f.name or f"file {i}", f.content) for i, f in enumerate(message.files)]
    columns = [
        codec.series_from_proto(s, path=f"{path}.series[{i}]") for i, s in enumerate(message.series)
    ]
    source = message.source if message.HasField("source") else None
    return RunRequest(
        index=index,
        name=message.name if message.HasField("name") else None,
        source=source or (files[0][0] if files else "series"),
        files=files,
        columns=columns,
        format=message.format if message.HasField("format") else None,
    )


def decode_request(request, limits: ServiceLimits) -> tuple[list[RunRequest], CompareOptions]:
    """The runs and options of a CompareRunsRequest; InputError (naming the field) when the
    request cannot be compared as it stands."""
    if len(request.runs) < 2:
        raise InputError(f"comparing needs at least two runs, got {len(request.runs)}",
                         field="runs")  # fmt: skip
    if len(request.runs) > limits.max_runs:
        raise LimitExceededError(
            f"{len(request.runs):,} runs; the limit is {limits.max_runs:,} per request",
            field="runs",
        )
    files = sum(len(r.files) for r in request.runs)
    if files > limits.max_files:
        raise LimitExceededError(
            f"{files:,} files in all runs; the limit is {limits.max_files:,} per request",
            field="runs",
        )
    runs = [_run(i, r) for i, r in enumerate(request.runs)]
    alpha = request.alpha if request.HasField("alpha") else None
    margin = request.margin if request.HasField("margin") else DEFAULT_MARGIN
    check_options(alpha, margin)
    options = CompareOptions(
        metric=request.metric if request.HasField("metric") and request.metric else None,
        hints=codec.hints_from_proto(request.hints),
        criterion=codec.criterion_from_proto(request.criterion),
        alignment=codec.alignment_from_proto(request.alignment),
        alpha=alpha,
        margin=margin,
    )
    return runs, options


def _file_field(run: RunRequest, exc: InputError) -> str:
    """The request field an error reading ``run`` is about: the file it names, else the run's
    series (their own checks name the series), else its files."""
    if exc.field is not None and exc.field.startswith(run.path):
        return exc.field
    named = file_field(exc, run.files, prefix=f"{run.path}.")
    return named or (f"{run.path}.files" if run.files else f"{run.path}.series")


def _read(run: RunRequest, limits: IngestLimits) -> TrainingLog:
    try:
        if run.files:
            return load(run.files, format=run.format, limits=limits)
        return log_from_columns(run.columns, run_name=run.name, limits=limits, source=run.source)
    except InputError as exc:
        raise RequestFieldError(exc, _file_field(run, exc)) from None


def compare_runs(
    runs: list[RunRequest],
    options: CompareOptions,
    limits: ServiceLimits,
    *,
    deadline: float | None,
) -> Comparison:
    """Read, diagnose and profile every run, then compare them (in an analysis thread)."""
    ingest = limits.ingest()
    points = 0
    specs, profiles = [], []
    for run in runs:
        check_deadline(deadline)
        log = _read(run, ingest)
        points += log.total_points
        if points > limits.max_points:
            error = LimitExceededError(
                f"the first {run.index + 1} runs hold {points:,} points; the limit is "
                f"{limits.max_points:,} for all runs of a request together"
            )
            raise RequestFieldError(error, "runs")
        spec = RunSpec(run.name, run.source, log)
        try:
            profiles.append(profile_run(spec, metric=options.metric, hints=options.hints))
        except InputError as exc:
            raise RequestFieldError(exc, "metric" if options.metric else run.path) from None
        specs.append(spec)
    check_deadline(deadline)
    try:
        return compare_profiles(
            with_unique_names(specs, profiles), metric=options.metric,
            criterion=options.criterion, alignment=options.alignment, alpha=options.alpha,
            margin=options.margin,
        )  # fmt: skip
    except InputError as exc:
        raise RequestFieldError(exc, "metric" if options.metric else "runs") from None
