"""Cutting a table's rows into runs, and turning a run's columns into :class:`RawSeries`.

Shared by the CSV formats of :mod:`analyzer.ingest.csv_logs`. The policies:

- Within a stretch of rows, a new run starts where the run's counter (epoch, else step) falls
  back to the value the run started with or below (``0, 1, 2, 0, 1``: two runs). A counter that
  falls back to a middle value (``0..9, 5, 6``: a resume from a checkpoint) stays in the run;
  the assembler resolves the repeated steps.
- A header line in the middle of the file starts a new run when the counter restarts after it,
  when its columns differ, or when there is no counter to tell; the same header again with the
  counter carrying on is a duplicated header: it is skipped with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np

from analyzer.errors import ParseError
from analyzer.ingest.base import RawSeries
from analyzer.ingest.csv_table import Section, Table
from analyzer.model import Granularity


def reset_points(counter: np.ndarray) -> list[int]:
    """Rows where the counter falls back to its run's first value or below (see above)."""
    if counter.size < 2:
        return []
    cuts: list[int] = []
    first = counter[0]
    for row in np.flatnonzero(counter[1:] < counter[:-1]) + 1:
        if counter[row] <= first:
            cuts.append(int(row))
            first = counter[row]
    return cuts


def take(section: Section, rows: slice | np.ndarray) -> Section:
    """The given rows of a section."""
    return Section(
        section.names,
        section.header_line,
        section.lines[rows],
        [v[rows] for v in section.values],
        [m[rows] for m in section.missing],
        [b[rows] for b in section.blank],
    )


def _concat(a: Section, b: Section) -> Section:
    return Section(
        a.names,
        a.header_line,
        np.concatenate([a.lines, b.lines]),
        [np.concatenate(p) for p in zip(a.values, b.values, strict=True)],
        [np.concatenate(p) for p in zip(a.missing, b.missing, strict=True)],
        [np.concatenate(p) for p in zip(a.blank, b.blank, strict=True)],
    )


def split_runs(
    table: Table, counter_of: Callable[[Section], int | None], source: str
) -> tuple[list[Section], list[str]]:
    """The runs of a table (see the module docstring), and the warnings about skipped headers.

    ``counter_of`` gives the column of a section's run counter, or None when it has none.
    """
    runs: list[Section] = []
    notes: list[str] = []
    for number, section in enumerate(table.sections):
        column = counter_of(section)
        counter = section.values[column] if column is not None else None
        cuts = reset_points(counter) if counter is not None else []
        bounds = [0, *cuts, section.n_rows]
        pieces = [take(section, slice(a, b)) for a, b in pairwise(bounds)]
        if number and runs and counter is not None and section.names == runs[-1].names:
            run_start = runs[-1].values[column][0]
            if pieces[0].values[column][0] > run_start:
                notes.append(
                    f"{source}: line {section.header_line}: the header is repeated here without "
                    "a new run starting; the repeated header was skipped"
                )
                runs[-1] = _concat(runs[-1], pieces.pop(0))
        runs.extend(pieces)
    return runs, notes


def require_counter(run: Section, column: int, source: str, what: str) -> None:
    """Every row of ``run`` must have a finite number in ``column`` (the epoch or step)."""
    name = run.names[column] if column < len(run.names) else what
    missing = run.missing[column]
    if missing.any():
        line = int(run.lines[int(np.argmax(missing))])
        raise ParseError(
            f"empty cell; expected the {what} number", source=source, line=line, field=name
        )
    finite = np.isfinite(run.values[column])
    if not finite.all():
        row = int(np.argmin(finite))
        raise ParseError(
            f"{run.values[column][row]} is not a valid {what} number",
            source=source,
            line=int(run.lines[row]),
            field=name,
        )


def count_points(runs: Sequence[Section], skip: Callable[[Section], set[int]]) -> int:
    """How many cells hold a value in the metric columns (all but ``skip(run)``) of ``runs``."""
    total = 0
    for run in runs:
        excluded = skip(run)
        total += sum(
            int(run.missing[j].size - np.count_nonzero(run.missing[j]))
            for j in range(len(run.values))
            if j not in excluded
        )
    return total


def dense_series(
    run: Section,
    steps: np.ndarray,
    granularity: Granularity,
    source: str,
    notes: list[str],
    *,
    skip: set[int],
    wall_times: np.ndarray | None = None,
) -> list[RawSeries]:
    """One series per metric column of a dense table (every row meant to fill every column).

    A missing cell (empty, or Keras' ``NA``) drops that point from its series; empty cells are
    reported once per column, ``NA`` is written on purpose and is not.
    """
    series = []
    for j, name in enumerate(run.names):
        # count_nonzero: one C call where any()/all() go through Python wrappers.
        missing = np.count_nonzero(run.missing[j])
        if j in skip or missing == run.n_rows:
            continue
        blank = run.blank[j]
        if blanks := np.count_nonzero(blank):
            notes.append(
                f"{source}: column '{name}' has {blanks} empty cell(s) (first at line "
                f"{int(run.lines[int(np.argmax(blank))])}); those points were left out"
            )
        keep = slice(None) if missing == 0 else ~run.missing[j]
        series.append(
            RawSeries(
                name=name,
                steps=steps[keep],
                values=run.values[j][keep],
                granularity=granularity,
                wall_times=None if wall_times is None else wall_times[keep],
                source=source,
            )
        )
    return series
