"""Python arguments -> request messages, shared by the sync and the asyncio client.

Files are read with the library's own :func:`analyzer.ingest.sources.resolve`, so a missing or
oversized file, a directory walk and gzip are handled (and reported) exactly as
``analyzer.analyze`` does in-process; only the bytes travel.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.compare import Comparison
from analyzer.errors import InputError
from analyzer.ingest.assemble import run_key
from analyzer.ingest.base import DEFAULT_LIMITS, SourceFile
from analyzer.ingest.sources import resolve
from analyzer.model.findings import Diagnosis
from analyzer.model.hints import Hints

#: A file to analyze: a path (a directory: its log files), or ``(name, bytes)``.
FileInput = str | os.PathLike | tuple[str, bytes]
#: Metric name -> values (steps 0, 1, 2, ...), or -> ``(steps, values)``.
SeriesInput = Mapping[str, Sequence[float] | tuple[Sequence[float], Sequence[float]]]
HintsInput = Hints | Mapping[str, object] | None

_GRANULARITY = {"epoch": pb.GRANULARITY_EPOCH, "step": pb.GRANULARITY_STEP}


def as_hints(hints: HintsInput) -> Hints | None:
    """``Hints`` from a mapping of its fields, validated by the domain model (ValueError), so
    a typo fails before anything is sent or trained."""
    if hints is None or isinstance(hints, Hints):
        return hints
    return Hints(**hints)


def hints_message(hints: HintsInput) -> pb.Hints:
    """Hints as a message (a mapping is validated first: see :func:`as_hints`)."""
    return codec.hints_to_proto(as_hints(hints))


def granularity_value(granularity: str) -> int:
    try:
        return _GRANULARITY[granularity]
    except KeyError:
        raise ValueError(f"granularity must be 'epoch' or 'step', got {granularity!r}") from None


def _is_single(files) -> bool:
    if isinstance(files, (str, os.PathLike)):
        return True
    return isinstance(files, tuple) and len(files) == 2 and isinstance(files[1], bytes)


@dataclass(frozen=True)
class RunFiles:
    """The files of one run, read into memory."""

    files: list[SourceFile]
    #: The run's folder inside a walked directory: the library names such a run after it
    #: (the server, which sees only files, cannot), else None.
    folder: str | None = None

    def named(self, diagnosis: Diagnosis) -> Diagnosis:
        """``diagnosis`` with the run name the library gives this run in-process."""
        return replace(diagnosis, run_name=self.folder) if self.folder else diagnosis

    def as_pairs(self) -> list[tuple[str, bytes]]:
        return [(f.name, f.data) for f in self.files]


def run_groups(files: FileInput | Iterable[FileInput]) -> list[RunFiles]:
    """The files read into memory, grouped into runs: one group, except for a directory
    holding several runs (grouped by folder exactly as the library groups them)."""
    items = [files] if _is_single(files) else list(files)
    if len(items) == 1 and isinstance(items[0], (str, os.PathLike)) and Path(items[0]).is_dir():
        resolved = resolve(items[0], filename=None, limits=DEFAULT_LIMITS)
        groups: dict[str, list[SourceFile]] = {}
        for file in resolved.files:
            groups.setdefault(run_key(file), []).append(file)
        return [RunFiles(members, key or None) for key, members in groups.items()]
    return [RunFiles(resolve(items, filename=None, limits=DEFAULT_LIMITS).files)]


def single_run(files: FileInput | Iterable[FileInput]) -> RunFiles:
    """The one run in ``files``; a directory that holds several runs is an InputError, as in
    :func:`analyzer.ingest.load`."""
    groups = run_groups(files)
    if len(groups) > 1:
        names = ", ".join(repr(g.folder) for g in groups[:10])
        raise InputError(
            f"holds {len(groups)} runs ({names}); pass one run's directory",
            source=str(files),
        )
    return groups[0]


def analyze_log_request(
    run: RunFiles, *, format: str | None, hints: HintsInput
) -> pb.AnalyzeLogRequest:
    return pb.AnalyzeLogRequest(
        files=_files(run),
        format=format,
        hints=hints_message(hints),
    )


def analyze_series_request(
    series: SeriesInput,
    *,
    granularity: str,
    run_name: str | None,
    hints: HintsInput,
) -> pb.AnalyzeSeriesRequest:
    return pb.AnalyzeSeriesRequest(
        series=series_messages(series, granularity=granularity),
        run_name=run_name,
        hints=hints_message(hints),
    )


def series_messages(series: SeriesInput, *, granularity: str) -> list[pb.SeriesData]:
    """``{"loss": [...]}`` or ``{"loss": (steps, values)}`` as SeriesData messages."""
    level = granularity_value(granularity)
    messages = []
    for metric, data in series.items():
        if isinstance(data, tuple) and len(data) == 2 and np.ndim(data[0]) == 1:
            steps, values = data
        else:
            steps, values = (), data
        messages.append(
            pb.SeriesData(
                metric=metric,
                granularity=level,
                steps=np.asarray(steps, dtype=np.float64).tolist(),
                values=np.asarray(values, dtype=np.float64).tolist(),
            )
        )
    return messages


@dataclass(frozen=True)
class CompareRequest:
    """A CompareRunsRequest and what the server cannot know about its runs: the run name the
    library gives each run found in a walked directory (its folder, or none)."""

    message: pb.CompareRunsRequest
    #: (source, name) of a run as sent -> the run name of its diagnosis in-process.
    folders: Mapping[tuple[str, str], str | None]

    def named(self, comparison: Comparison) -> Comparison:
        """``comparison`` with each run's diagnosis named as ``analyzer.compare`` names it."""
        runs = tuple(
            replace(r, diagnosis=replace(r.diagnosis, run_name=self.folders[r.source, r.name]))
            if (r.source, r.name) in self.folders
            else r
            for r in comparison.runs
        )
        return replace(comparison, runs=runs)


def _named_run(name: str, source: object, format: str | None) -> pb.RunInput:
    if isinstance(source, Mapping):
        return pb.RunInput(name=name, series=series_messages(source, granularity="epoch"))
    if isinstance(source, bytes):
        return pb.RunInput(
            name=name, files=[pb.LogFile(name=name, content=source)], source=name, format=format
        )
    run = single_run(source)
    label = str(source) if isinstance(source, (str, os.PathLike)) else None
    return pb.RunInput(name=name, files=_files(run), source=label, format=format)


def _files(run: RunFiles) -> list[pb.LogFile]:
    return [pb.LogFile(name=f.name, content=f.data) for f in run.files]


def compare_runs_request(
    runs,
    *,
    metric: str | None,
    hints: HintsInput,
    criterion: str,
    alignment: str,
    alpha: float | None,
    margin: float | None,
    format: str | None,
) -> CompareRequest:
    """The runs as ``analyzer.compare`` takes them: a mapping ``{name: source}`` or a list of
    paths (a directory holding several runs gives one run each) and ``(name, source)`` pairs;
    a source is a path, a list of files, bytes, or series (``{"loss": [...]}``)."""
    items = list(runs.items()) if isinstance(runs, Mapping) else list(runs)
    messages: list[pb.RunInput] = []
    folders: dict[tuple[str, str], str | None] = {}
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            messages.append(_named_run(item[0], item[1], format))
            continue
        if not isinstance(item, (str, os.PathLike)):
            raise InputError(
                f"cannot compare a {type(item).__name__}: give paths or (name, source) pairs"
            )
        label = str(item)
        if not Path(item).is_dir():
            files = _files(single_run(item))
            messages.append(pb.RunInput(files=files, source=label, format=format))
            continue
        for group in run_groups(item):
            name = group.folder or label
            folders[label, name] = group.folder
            messages.append(
                pb.RunInput(name=name, files=_files(group), source=label, format=format)
            )
    message = pb.CompareRunsRequest(
        runs=messages,
        metric=metric,
        hints=hints_message(hints),
        criterion=codec.criterion_to_proto(criterion),
        alignment=codec.alignment_to_proto(alignment),
        alpha=alpha,
        margin=margin,
    )
    return CompareRequest(message, folders)


def stream_start(
    *, run_name: str | None, hints: HintsInput, granularity: str
) -> pb.StreamAnalyzeRequest:
    return pb.StreamAnalyzeRequest(
        start=pb.StreamStart(
            run_name=run_name,
            hints=hints_message(hints),
            granularity=granularity_value(granularity),
        )
    )


def stream_point(step: float, metrics: Mapping[str, float]) -> pb.StreamAnalyzeRequest:
    """One point; values that are not numbers (a learning-rate schedule object, a string) are
    rejected here with ValueError, before the stream is touched."""
    values = {}
    for name, value in metrics.items():
        try:
            values[str(name)] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"metric {name!r} is not a number: {value!r}") from None
    step = float(step)
    if not math.isfinite(step):
        raise ValueError(f"step must be a finite number, got {step}")
    return pb.StreamAnalyzeRequest(
        points=pb.StreamPoints(points=[pb.StreamPoint(step=step, values=values)])
    )
