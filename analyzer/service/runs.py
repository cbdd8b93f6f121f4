"""Structured series (from AnalyzeSeries or a stream) turned into a :class:`TrainingLog`.

They go through the same assembly as parsed files (:func:`analyzer.ingest.assemble.assemble`),
so metric names are normalized, restarts handled and limits applied exactly as for a log file.
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.api.codec import SeriesColumn
from analyzer.errors import InputError
from analyzer.ingest import IngestLimits
from analyzer.ingest.assemble import ParsedFile, assemble
from analyzer.ingest.base import RawRun, RawSeries, SourceFile
from analyzer.model import Granularity, TrainingLog

#: The ``source_format`` of a run built from structured series.
SERIES_FORMAT = "series"


def log_from_columns(
    columns: Sequence[SeriesColumn],
    *,
    run_name: str | None,
    limits: IngestLimits,
    source: str = "series",
) -> TrainingLog:
    """One run from request series; an empty request or too many points is an InputError."""
    if not columns:
        raise InputError("no series were given", source=source)
    limits.check_points(sum(c.values.size for c in columns), source)
    raw = [
        RawSeries(
            name=c.metric,
            steps=c.steps,
            values=c.values,
            granularity=c.granularity or Granularity.EPOCH,
            split_hint=c.split,
            source=source,
        )
        for c in columns
    ]
    parsed = ParsedFile(
        source=SourceFile(name=source, data=b""),
        format=SERIES_FORMAT,
        runs=[RawRun(series=raw, label=run_name)],
    )
    (log,) = assemble([parsed], by_directory=False, limits=limits)
    return log
