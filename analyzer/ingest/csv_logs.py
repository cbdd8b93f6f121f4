"""The CSV family: Keras ``CSVLogger``, Lightning ``metrics.csv``, hand-written CSV and
TensorBoard's "download CSV".

Reading the table itself (encodings, line ends, delimiters, cells such as ``tensor(0.14)``,
blank lines, a truncated last line, malformed cells) is :mod:`analyzer.ingest.csv_table`;
cutting rows into appended runs and skipping repeated headers is :mod:`analyzer.ingest.csv_runs`.
This module knows what each tool writes.

Keras ``CSVLogger`` (``keras-csv``)
    ``epoch`` then the log keys sorted (``epoch,accuracy,loss,val_accuracy,val_loss``), one
    row per epoch, epochs counted from 0, any ``separator=``, ``\\r\\n`` line ends (``\\r\\r\\n``
    on Windows). A key missing from an epoch's logs is written ``NA`` (validation every few
    epochs with ``validation_freq``): that point is left out, silently. An empty cell is left
    out with a warning. ``append=True`` writes no new header, so a new run shows as the epoch
    falling back to its first value; each run is returned in file order.
Lightning ``CSVLogger`` (``lightning-csv``)
    ``csv.DictWriter`` rows, one per ``log_metrics`` call, with every key ever logged as a
    column (sorted in Lightning 2.x, first-seen order in 1.x), so most cells are empty:

    .. code-block:: text

        epoch,lr-Adam,step,train_loss_epoch,train_loss_step,val_acc,val_loss
        ,0.001,0,,,,
        0,,49,,0.6931,,
        0,,99,,0.5123,,
        0,,124,,,0.81,0.4512
        0,,124,0.5511,,,

    ``step`` is the global step and is on every row; ``epoch`` is on every row the trainer
    logged (a ``LearningRateMonitor`` row has none). Empty cells are normal here and never
    warned about. A column is **epoch-level** (EPOCH granularity, indexed by ``epoch``) when its
    name ends in ``_epoch``, or, for a name without the suffix (``val_loss``), when every value
    sits on a row with an epoch and no epoch has two values. A column ending in ``_step``, or
    with several values in one epoch, or on rows without an epoch, is **step-level** (STEP,
    indexed by ``step``). A metric logged every N steps in epochs of N steps or fewer would look
    epoch-level; name it ``*_step`` to be sure. A new run starts where ``step`` falls back to
    its first value or below.
Hand-written CSV (``csv``)
    Header names such as ``epoch``, ``step``, ``iteration``, ``loss``, ``train_loss``,
    ``val_loss``, ``valid_loss``, ``eval_loss``, ``acc``, ``lr``, ``time``; delimiters ``,``
    ``;`` tab ``|`` or whitespace. The x axis:

    1. an ``epoch``/``epochs`` column whose values do not repeat within a run: EPOCH by epoch;
    2. else a step-like column (``step``, ``global_step``, ``iteration``, ``iter``, ``it``,
       ``batch``) that never decreases within a run: STEP by it;
    3. else the row's position in its run (0, 1, 2...): EPOCH when the run has at most
       1,000 rows (a loop that logs once per epoch rarely runs more), else STEP; a metric name
       with a ``_step`` suffix (``loss_step``), or an epoch column with repeated values (rows
       finer than epochs), makes it STEP regardless.

    The run counter (for appended runs) is the epoch column, else the step-like column; a file
    without either starts a new run only at a repeated header. A ``time``/``timestamp``/
    ``wall_time`` column that never decreases gives the wall times; otherwise it is a metric.
    Empty cells are left out with a warning, as in Keras files.

    **No header** (the first line is all numbers): when the first column holds integers that
    only increase (a fall back to the first value starts a new run), it is the counter, named
    ``epoch`` if it goes up by exactly 1, else ``step``. The value columns after it are named by
    how many there are: one is ``loss``; two are ``loss, val_loss``; three or more are
    ``col_<k>`` (their 1-based position in the line; a guess would too often be wrong). A
    warning says which names were assumed, so they can be overridden.
TensorBoard download (``tensorboard-csv``)
    Header exactly ``Wall time,Step,Value``, one tag per file. Run, split and tag come from the
    file name (:mod:`analyzer.ingest.tb_download_names`); a name that says nothing
    (``data.csv``) gives the metric the file stem (``value`` without a name). Tags starting
    with ``epoch_`` (Keras' TensorBoard callback) are EPOCH with Step as the epoch; others
    STEP. Wall times are kept.

Limits: points are counted (cells with a value in metric columns) before any series is built,
and checked against ``IngestLimits.max_points``.
"""

from __future__ import annotations

from pathlib import PurePath

import numpy as np

from analyzer.errors import EmptyLogError, FormatError
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.ingest.csv_runs import (
    count_points,
    dense_series,
    require_counter,
    reset_points,
    split_runs,
)
from analyzer.ingest.csv_sniff import head_info as _head
from analyzer.ingest.csv_table import Section, Table, read_table
from analyzer.ingest.tb_download_names import parse_tensorboard_download_name
from analyzer.model import Granularity, Metric, normalize_name
from analyzer.model.names import INDEX_COLUMNS, WALL_TIME_COLUMNS

_EPOCH_NAMES = frozenset({"epoch", "epochs"})
_STEP_NAMES = INDEX_COLUMNS - _EPOCH_NAMES
#: Runs with at most this many rows and no x column are read as one row per epoch.
MAX_ROWS_PER_EPOCH_GUESS = 1000
TB_HEADER = ["Wall time", "Step", "Value"]


def _read(source: SourceFile, delimiter: str | None = None) -> Table:
    table = read_table(source.data, source.name, delimiter=delimiter)
    if not table.sections:
        raise EmptyLogError("no rows of numbers (only a header, or nothing)", source=source.name)
    return table


def _column(names: list[str], wanted: frozenset[str] | set[str]) -> int | None:
    return next((j for j, name in enumerate(names) if name.strip().lower() in wanted), None)


def _run(series: list[RawSeries], notes: list[str], label: str | None = None) -> RawRun:
    return RawRun(series=series, label=label, warnings=list(notes))


# --------------------------------------------------------------------------- Keras


class KerasCsvParser:
    """Keras ``CSVLogger`` files."""

    name = "keras-csv"
    description = "Keras CSVLogger file (epoch,loss,...,val_loss,...; any separator)"

    def sniff(self, head: bytes, filename: str) -> float:
        info = _head(head)
        if info is None or not info.header or info.header[0].lower() != "epoch":
            return 0.0
        lower = [n.lower() for n in info.header]
        if "step" in lower:
            return 0.2
        if not info.rows:
            return 0.5
        if not info.numeric:
            return 0.0
        score = 0.6
        score += 0.25 if info.header[1:] == sorted(info.header[1:]) else 0.0
        score += 0.05 if info.na_tokens else 0.0
        score -= 0.3 if info.sparse else 0.0
        # Keras names the training metrics bare ("loss"); "train_loss" is a hand-written loop.
        score -= 0.2 if any(n.startswith(("train_", "training_")) for n in lower) else 0.0
        return max(0.0, min(score, 0.95))

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        table = _read(source)
        for section in table.sections:
            if not section.names or _column(section.names, {"epoch"}) is None:
                raise FormatError(
                    "not a Keras CSVLogger file: expected a header line starting with 'epoch' "
                    "(epoch,loss,...)",
                    source=source.name,
                    line=section.header_line or int(section.lines[0]),
                )
        runs, notes = split_runs(table, lambda s: _column(s.names, {"epoch"}), source.name)
        limits.check_points(
            count_points(runs, lambda r: {_column(r.names, {"epoch"})}), source.name
        )
        result = []
        for run in runs:
            epoch = _column(run.names, {"epoch"})
            assert epoch is not None
            require_counter(run, epoch, source.name, "epoch")
            run_notes = [*table.warnings, *notes] if not result else []
            series = dense_series(
                run, run.values[epoch], Granularity.EPOCH, source.name, run_notes, skip={epoch}
            )
            result.append(_run(series, run_notes))
        return _non_empty(result, source)


def _non_empty(runs: list[RawRun], source: SourceFile) -> list[RawRun]:
    runs = [run for run in runs if run.series]
    if not runs:
        raise EmptyLogError("no metric column holds a number", source=source.name)
    return runs


# --------------------------------------------------------------------------- Lightning


class LightningCsvParser:
    """PyTorch Lightning ``CSVLogger`` ``metrics.csv`` (sparse rows)."""

    name = "lightning-csv"
    description = "PyTorch Lightning CSVLogger metrics.csv (epoch,step and sparse metric columns)"

    def sniff(self, head: bytes, filename: str) -> float:
        info = _head(head)
        if info is None or not info.header or not info.numeric:
            return 0.0
        lower = {n.lower() for n in info.header}
        if "step" not in lower:
            return 0.0
        score = 0.6 if "epoch" in lower else 0.45
        score += 0.3 if info.sparse else 0.0
        if any(n.endswith(("_step", "_epoch")) or n.startswith("lr-") for n in lower):
            score += 0.05
        if PurePath(filename).name == "metrics.csv":
            score += 0.04
        return min(score, 0.99)

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        table = _read(source)
        for section in table.sections:
            if _column(section.names, {"step"}) is None:
                raise FormatError(
                    "not a Lightning metrics.csv: expected a header with a 'step' column",
                    source=source.name,
                    line=section.header_line or int(section.lines[0]),
                )
        runs, notes = split_runs(table, lambda s: _column(s.names, {"step"}), source.name)
        limits.check_points(count_points(runs, _lightning_index_columns), source.name)
        result = []
        for run in runs:
            step = _column(run.names, {"step"})
            assert step is not None
            require_counter(run, step, source.name, "step")
            run_notes = [*table.warnings, *notes] if not result else []
            result.append(_run(_lightning_series(run, source.name), run_notes))
        return _non_empty(result, source)


def _lightning_index_columns(run: Section) -> set[int]:
    return {j for j, name in enumerate(run.names) if name.strip().lower() in INDEX_COLUMNS}


def _lightning_series(run: Section, source: str) -> list[RawSeries]:
    step = run.values[_column(run.names, {"step"})]  # type: ignore[index]
    epoch_column = _column(run.names, {"epoch"})
    epoch = run.values[epoch_column] if epoch_column is not None else None
    epoch_missing = run.missing[epoch_column] if epoch_column is not None else None
    series = []
    for j, name in enumerate(run.names):
        present = ~run.missing[j]
        if j in _lightning_index_columns(run) or not present.any():
            continue
        at_epoch_level = False
        if epoch is not None and epoch_missing is not None and not epoch_missing[present].any():
            suffix = normalize_name(name).granularity
            epochs = epoch[present]
            one_per_epoch = np.unique(epochs).size == epochs.size
            at_epoch_level = suffix is Granularity.EPOCH or (suffix is None and one_per_epoch)
        steps = epoch[present] if at_epoch_level and epoch is not None else step[present]
        series.append(
            RawSeries(
                name=name,
                steps=steps,
                values=run.values[j][present],
                granularity=Granularity.EPOCH if at_epoch_level else Granularity.STEP,
                source=source,
            )
        )
    return series


# --------------------------------------------------------------------------- generic


class GenericCsvParser:
    """CSV written by a hand-written training loop (with or without a header)."""

    name = "csv"
    description = "CSV/TSV/whitespace table of losses from a hand-written loop (header optional)"

    def sniff(self, head: bytes, filename: str) -> float:
        info = _head(head)
        if info is None or not info.rows or not info.numeric:
            return 0.0
        if info.header == TB_HEADER:
            score = 0.3
        elif not info.header:
            score = 0.45
        elif any(_known(name) for name in info.header):
            score = 0.55
        else:
            score = 0.4
        if PurePath(filename).suffix.lower() in (".csv", ".tsv", ".txt"):
            score += 0.02
        return score

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        table = _read(source)
        notes: list[str] = list(table.warnings)
        if not table.sections[0].names:
            _name_headerless(table.sections[0], source.name, notes)
        runs, split_notes = split_runs(table, _generic_counter, source.name)
        notes += split_notes
        limits.check_points(count_points(runs, _generic_skip), source.name)
        result = []
        for run in runs:
            run_notes = notes if not result else []
            result.append(_run(_generic_series(run, source.name, run_notes), run_notes))
        return _non_empty(result, source)


def _known(name: str) -> bool:
    lower = name.strip().lower()
    if lower in INDEX_COLUMNS or lower in WALL_TIME_COLUMNS:
        return True
    return normalize_name(name).metric is not Metric.OTHER


def _generic_counter(section: Section) -> int | None:
    epoch = _column(section.names, _EPOCH_NAMES)
    return epoch if epoch is not None else _column(section.names, _STEP_NAMES)


def _wall_column(run: Section) -> int | None:
    column = _column(run.names, WALL_TIME_COLUMNS)
    if column is None or run.missing[column].any():
        return None
    values = run.values[column]
    return column if values.size < 2 or bool(np.all(np.diff(values) >= 0)) else None


def _generic_skip(run: Section) -> set[int]:
    skip = {j for j in (_generic_counter(run), _wall_column(run)) if j is not None}
    return skip | {j for j, name in enumerate(run.names) if name.strip().lower() in INDEX_COLUMNS}


def _generic_series(run: Section, source: str, notes: list[str]) -> list[RawSeries]:
    epoch = _column(run.names, _EPOCH_NAMES)
    step = _column(run.names, _STEP_NAMES)
    for column, what in ((epoch, "epoch"), (step, "step")):
        if column is not None:
            require_counter(run, column, source, what)
    wall = _wall_column(run)
    wall_times = run.values[wall] if wall is not None else None
    skip = _generic_skip(run)
    if epoch is not None and np.unique(run.values[epoch]).size == run.n_rows:
        steps, granularity = run.values[epoch], Granularity.EPOCH
    elif step is not None and bool(np.all(np.diff(run.values[step]) >= 0)):
        steps, granularity = run.values[step], Granularity.STEP
    else:
        steps = np.arange(run.n_rows, dtype=np.float64)
        metric_names = [n for j, n in enumerate(run.names) if j not in skip]
        by_name = any(normalize_name(n).granularity is Granularity.STEP for n in metric_names)
        few_rows = run.n_rows <= MAX_ROWS_PER_EPOCH_GUESS
        # An epoch column with repeated values says rows are finer than epochs.
        by_rows = few_rows and epoch is None
        granularity = Granularity.EPOCH if by_rows and not by_name else Granularity.STEP
    return dense_series(run, steps, granularity, source, notes, skip=skip, wall_times=wall_times)


def _name_headerless(section: Section, source: str, notes: list[str]) -> None:
    """Name the columns of a file without a header (see the module docstring)."""
    ncols = len(section.values)
    first = section.values[0]
    counter_name = None
    if ncols > 1 and not section.missing[0].any() and _is_counter(first):
        increases = np.diff(first)
        counter_name = "epoch" if bool(np.all(increases[increases > 0] == 1)) else "step"
    offset = 1 if counter_name else 0
    value_count = ncols - offset
    if value_count == 1:
        value_names = ["loss"]
    elif value_count == 2:
        value_names = ["loss", "val_loss"]
    else:
        value_names = [f"col_{k}" for k in range(offset + 1, ncols + 1)]
    section.names = ([counter_name] if counter_name else []) + value_names
    described = ", ".join(f"column {k} as {name!r}" for k, name in enumerate(section.names, 1))
    notes.append(f"{source}: the file has no header line; read {described}")


def _is_counter(values: np.ndarray) -> bool:
    if values.size < 2 or not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
        return False
    cuts = set(reset_points(values))
    steps = np.diff(values)
    return all(steps[i - 1] > 0 or i in cuts for i in range(1, values.size))


# --------------------------------------------------------------------------- TensorBoard


class TensorBoardCsvParser:
    """TensorBoard's scalar dashboard "download CSV" (``Wall time,Step,Value``)."""

    name = "tensorboard-csv"
    description = "TensorBoard UI CSV download (Wall time,Step,Value; tag in the file name)"

    def sniff(self, head: bytes, filename: str) -> float:
        info = _head(head)
        return 0.99 if info is not None and info.header == TB_HEADER else 0.0

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        table = _read(source, delimiter=",")
        for section in table.sections:
            if section.names != TB_HEADER:
                raise FormatError(
                    "not a TensorBoard CSV download: expected the header 'Wall time,Step,Value'",
                    source=source.name,
                    line=section.header_line or int(section.lines[0]),
                )
        runs, notes = split_runs(table, lambda s: 1, source.name)
        limits.check_points(count_points(runs, lambda r: {0, 1}), source.name)
        run_name, split, tag = parse_tensorboard_download_name(source.name)
        granularity = Granularity.EPOCH if tag.lower().startswith("epoch_") else Granularity.STEP
        result = []
        for run in runs:
            require_counter(run, 1, source.name, "step")
            run_notes = [*table.warnings, *notes] if not result else []
            series = dense_series(
                run,
                run.values[1],
                granularity,
                source.name,
                run_notes,
                skip={0, 1},
                wall_times=run.values[0],
            )
            for item in series:
                item.name, item.split_hint = tag, split
            result.append(_run(series, run_notes, label=run_name))
        return _non_empty(result, source)


KERAS_CSV = KerasCsvParser()
LIGHTNING_CSV = LightningCsvParser()
GENERIC_CSV = GenericCsvParser()
TB_CSV = TensorBoardCsvParser()

PARSERS = (TB_CSV, LIGHTNING_CSV, KERAS_CSV, GENERIC_CSV)
