"""From parsed files to :class:`TrainingLog` objects: one place for the policies every format
shares.

Policies (documented here, tested in ``tests/ingest/test_assemble.py``):

* **Names** are normalized with :func:`analyzer.model.normalize_name`; the original is kept.
  ``names={"run-x-tag-foo.csv": "val_loss"}`` renames the series of a one-series file (a
  TensorBoard download whose file name says nothing), ``names={"my_metric": "val_loss"}`` renames
  a series by its raw name.
* **Several files of one run** (TensorBoard downloads, ``train/`` and ``validation/`` event
  files, several event files after a restart) are merged: series with the same split, metric and
  granularity are concatenated in file order.
* **Runs appended into one file** (the epoch counter restarts): ``load`` keeps the **last** run
  and warns; ``load_runs`` returns every run.
* **Restarts inside a series** (a step counter that goes back, as after resuming from a
  checkpoint): a later point supersedes every earlier point at the same or a later step, which
  is what TensorBoard does when it purges orphaned data. A reset to the very beginning therefore
  keeps only the new run. Each purge is reported as a warning.
* **Directories** are split into runs by path: ``run1/train/...`` and ``run1/validation/...``
  form run ``run1``; ``load`` refuses a directory holding several runs (naming them) and
  ``load_runs`` returns them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import PurePath

import numpy as np

from analyzer.errors import EmptyLogError, InputError
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.model import Granularity, Series, Split, TrainingLog, normalize_name
from analyzer.model.names import SPLIT_WORDS, NormalizedName

_SeriesKey = tuple[Split, str, Granularity]


@dataclass
class ParsedFile:
    """One input file after its parser ran."""

    source: SourceFile
    format: str
    runs: list[RawRun]


def run_key(source: SourceFile) -> str:
    """The run a file belongs to within a directory: its folder, minus a trailing split folder."""
    parts = list(PurePath(source.relative_path or source.name).parts[:-1])
    if parts and parts[-1].lower() in SPLIT_WORDS:
        parts.pop()
    return "/".join(parts)


def _renamed(raw: RawSeries, run: RawRun, parsed: ParsedFile, names: Mapping[str, str]) -> str:
    if not names:
        return raw.name
    base = PurePath(parsed.source.name).name
    for key in (parsed.source.name, base, parsed.source.relative_path):
        if key and key in names:
            if len(run.series) != 1:
                raise InputError(
                    f"a name override was given for the file, but it holds {len(run.series)} "
                    "series; override series by their names instead",
                    source=parsed.source.name,
                )
            return names[key]
    return names.get(raw.name, raw.name)


@lru_cache(maxsize=1024)
def _normalized(name: str, split_hint: Split | None) -> NormalizedName:
    """:func:`normalize_name`, cached: every file of a tool has the same few column names."""
    return normalize_name(name, split_hint=split_hint)


def _purge_superseded(steps: np.ndarray) -> np.ndarray:
    """Mask of the points no later point supersedes: a point survives iff its step is smaller
    than every later step (O(n) with a suffix minimum)."""
    if steps.size < 2:
        return np.ones(steps.size, dtype=bool)
    suffix_min = np.minimum.accumulate(steps[::-1])[::-1]
    keep = np.empty(steps.size, dtype=bool)
    keep[:-1] = steps[:-1] < suffix_min[1:]
    keep[-1] = True
    return keep


@dataclass
class _Pending:
    """A series being merged from one or more files."""

    raw_name: str
    normalized: NormalizedName
    granularity: Granularity
    parts: list[RawSeries]


def _build(
    label: str | None,
    files: list[tuple[ParsedFile, RawRun]],
    names: Mapping[str, str],
    limits: IngestLimits,
) -> TrainingLog:
    pending: dict[_SeriesKey, _Pending] = {}
    warnings: list[str] = []
    for parsed, run in files:
        warnings.extend(run.warnings)
        seen_in_file: set[_SeriesKey] = set()
        for raw in run.series:
            norm = _normalized(_renamed(raw, run, parsed, names), raw.split_hint)
            granularity = norm.granularity or raw.granularity
            key = (norm.split, norm.metric_name, granularity)
            if key in seen_in_file:
                # Two columns of one file mean the same thing (``acc`` and ``accuracy``):
                # keep both, the second under its own name.
                own = raw.name.strip().lower().replace(" ", "_")
                while (norm.split, own, granularity) in seen_in_file:
                    own += "_2"
                norm = replace(norm, metric_name=own, name=own)
                key = (norm.split, own, granularity)
                warnings.append(
                    f"{parsed.source.name}: series {raw.name!r} means the same as another "
                    f"series in the file; kept under its own name {own!r}"
                )
            seen_in_file.add(key)
            if key not in pending:
                pending[key] = _Pending(raw.name, norm, granularity, [])
            pending[key].parts.append(raw)

    series: list[Series] = []
    for entry in pending.values():
        parts = entry.parts
        steps = np.concatenate([np.asarray(p.steps, dtype=np.float64) for p in parts])
        values = np.concatenate([np.asarray(p.values, dtype=np.float64) for p in parts])
        walls = None
        if all(p.wall_times is not None for p in parts):
            walls = np.concatenate([np.asarray(p.wall_times, dtype=np.float64) for p in parts])
        finite_steps = np.isfinite(steps)
        if not finite_steps.all():
            warnings.append(
                f"series {entry.raw_name!r}: {int((~finite_steps).sum())} points without a "
                "valid step were dropped"
            )
            steps, values = steps[finite_steps], values[finite_steps]
            walls = walls[finite_steps] if walls is not None else None
        keep = _purge_superseded(steps)
        if not keep.all():
            restarts = int(np.count_nonzero(np.diff(steps) <= 0))
            warnings.append(
                f"series {entry.raw_name!r}: the step counter went back {restarts} time(s) "
                f"(a restart or a resume from a checkpoint); {int((~keep).sum())} earlier "
                "points superseded by later ones at the same steps were dropped"
            )
            steps, values = steps[keep], values[keep]
            walls = walls[keep] if walls is not None else None
        if steps.size == 0:
            continue
        norm = entry.normalized
        series.append(
            Series(
                name=norm.name,
                metric=norm.metric,
                metric_name=norm.metric_name,
                split=norm.split,
                direction=norm.direction,
                granularity=entry.granularity,
                steps=steps,
                values=values,
                original_name=entry.raw_name,
                wall_times=walls,
                source=parts[0].source,
            )
        )
    sources = tuple(dict.fromkeys(parsed.source.name for parsed, _ in files))
    if not series:
        raise EmptyLogError("holds no series with any points", source=", ".join(sources))
    total = sum(len(s) for s in series)
    limits.check_points(total, ", ".join(sources))
    formats = sorted({parsed.format for parsed, _ in files})
    return TrainingLog(
        series=tuple(series),
        run_name=label,
        source_format=formats[0] if len(formats) == 1 else "mixed: " + ", ".join(formats),
        sources=sources,
        warnings=tuple(warnings),
    )


def assemble(
    parsed_files: list[ParsedFile],
    *,
    by_directory: bool,
    names: Mapping[str, str] | None = None,
    all_runs: bool = False,
    limits: IngestLimits,
) -> list[TrainingLog]:
    """Group parsed files into runs and build one :class:`TrainingLog` per run.

    With ``all_runs`` False (``load``), runs appended into one file are reduced to the last one
    with a warning; with True (``load_runs``) each becomes its own log.
    """
    names = names or {}
    groups: dict[str, list[ParsedFile]] = {}
    for parsed in parsed_files:
        groups.setdefault(run_key(parsed.source) if by_directory else "", []).append(parsed)

    logs: list[TrainingLog] = []
    for key, members in groups.items():
        label = key or _default_label(members)
        if all_runs and len(members) == 1 and len(members[0].runs) > 1:
            parsed = members[0]
            for index, run in enumerate(parsed.runs, start=1):
                logs.append(_build(f"{label}#{index}", [(parsed, run)], names, limits))
            continue
        chosen: list[tuple[ParsedFile, RawRun]] = []
        dropped: list[str] = []
        for parsed in members:
            if len(parsed.runs) > 1:
                dropped.append(
                    f"{parsed.source.name} holds {len(parsed.runs)} runs appended one after "
                    "another (the epoch or step counter restarts); only the last one is "
                    "analyzed (load_runs() or analyzer-cli --each show every run)"
                )
            chosen.append((parsed, parsed.runs[-1]))
        log = _build(label, chosen, names, limits)
        if dropped:
            log = replace(log, warnings=(*dropped, *log.warnings))
        logs.append(log)
    return logs


def _default_label(members: list[ParsedFile]) -> str | None:
    labels = {run.label for parsed in members for run in parsed.runs if run.label}
    if len(labels) == 1:
        return labels.pop()
    if len(members) == 1:
        return PurePath(members[0].source.name).stem
    return None
