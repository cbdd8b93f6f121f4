"""Ingestion: every log format people have, turned into one :class:`TrainingLog`.

``load(source)`` accepts a path, a directory (a TensorBoard log directory, a Lightning
``version_N`` folder), several paths forming one run, bytes with an optional file name, or a
binary file object. The format is detected from the content (the file name is only a hint);
``format=`` forces one (see :func:`format_names`). Every failure is an
:class:`analyzer.errors.InputError` naming the file, the line or field, and what was expected.
The policies for merged files, appended runs and restarts are in :mod:`analyzer.ingest.assemble`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from analyzer.errors import InputError
from analyzer.ingest.assemble import ParsedFile, assemble
from analyzer.ingest.base import DEFAULT_LIMITS, IngestLimits, SourceFile
from analyzer.ingest.registry import PARSERS, format_names, parser_named
from analyzer.ingest.sniff import detect
from analyzer.ingest.sources import Source, resolve
from analyzer.model import TrainingLog

__all__ = ["IngestLimits", "format_names", "load", "load_runs"]


def _parse(file: SourceFile, format: str | None, limits: IngestLimits) -> ParsedFile:
    parser = parser_named(format) if format else detect(file, PARSERS)
    try:
        runs = parser.parse(file, limits)
    except InputError as exc:
        raise exc.with_source(file.name) from None
    return ParsedFile(source=file, format=parser.name, runs=runs)


def _load(
    source: Source,
    *,
    all_runs: bool,
    filename: str | None,
    format: str | None,
    names: Mapping[str, str] | None,
    limits: IngestLimits | None,
) -> list[TrainingLog]:
    limits = limits or DEFAULT_LIMITS
    resolved = resolve(source, filename=filename, limits=limits)
    parsed: list[ParsedFile] = []
    skipped: list[str] = []
    for file in resolved.files:
        try:
            parsed.append(_parse(file, format, limits))
        except InputError as exc:
            if not resolved.from_directory:
                raise
            # Inside a directory, one unreadable file must not hide the other files' runs.
            skipped.append(f"skipped {exc}")
    if not parsed:
        raise InputError(
            f"no readable training log in the directory ({'; '.join(skipped[:3])})",
            source=resolved.root,
        )
    logs = assemble(
        parsed,
        by_directory=resolved.from_directory,
        names=names,
        all_runs=all_runs,
        limits=limits,
    )
    if skipped:
        logs = [replace(log, warnings=(*skipped, *log.warnings)) for log in logs]
    return logs


def load_runs(
    source: Source,
    *,
    filename: str | None = None,
    format: str | None = None,
    names: Mapping[str, str] | None = None,
    limits: IngestLimits | None = None,
) -> list[TrainingLog]:
    """Every run in ``source``: each run of a directory, and each run appended into one file.

    Takes the same arguments as :func:`load`.
    """
    return _load(
        source, all_runs=True, filename=filename, format=format, names=names, limits=limits
    )


def load(
    source: Source,
    *,
    filename: str | None = None,
    format: str | None = None,
    names: Mapping[str, str] | None = None,
    limits: IngestLimits | None = None,
) -> TrainingLog:
    """One training run from ``source``.

    ``filename`` names bytes or a stream (and hints at their format); ``format`` forces a parser;
    ``names`` renames series (``{"run-x-tag-loss.csv": "val_loss"}`` for a one-series file, or
    ``{"raw name": "val_loss"}``); ``limits`` bounds bytes, points and files. Runs appended into
    one file: the last is returned, with a warning. A directory holding several runs is an
    error that names them (use :func:`load_runs`).
    """
    logs = _load(
        source, all_runs=False, filename=filename, format=format, names=names, limits=limits
    )
    if len(logs) == 1:
        return logs[0]
    runs = ", ".join(repr(log.run_name) for log in logs[:10])
    raise InputError(
        f"holds {len(logs)} runs ({runs}{', ...' if len(logs) > 10 else ''}); "
        "pass one run's directory, or use load_runs() / analyzer-cli --each",
        source=str(source),
    )
