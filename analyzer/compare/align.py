"""Put runs of different lengths or logging intervals on a common footing before measuring.

Rules, reported in :class:`~analyzer.compare.model.Alignment`:

* Runs must count the same thing: all per-epoch or all per-step (an epoch has an unknown
  number of steps, so mixing them is an error that says which runs are which).
* ``common`` (the default): only the range every run covers, from the latest first point to
  the earliest last point, is compared: a run that trained longer is not credited for epochs
  the others never had. Points outside are dropped and counted per run.
* When every run has the same points in that range (a sweep with one logging interval), they
  are used as they are (``common_epochs`` / ``common_steps``). Otherwise the range is cut into
  as many equal windows as the sparsest run has points in it (at most ``max_windows``) and each
  run is averaged per window (``epoch_windows`` / ``step_windows``), so every run is measured
  on the same grid and a run logged ten times as often does not get a ten times narrower
  smoothing window.
* ``full``: no alignment; each run over its whole length (best over the run, whatever its
  length). Chosen explicitly by the caller.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analyzer.compare.model import Alignment
from analyzer.errors import InputError

MODES = ("common", "full")


@dataclass(frozen=True, eq=False)
class RunCurve:
    """The compared metric of one run as logged: steps, values (non-finite kept), granularity."""

    name: str
    x: np.ndarray
    y: np.ndarray
    granularity: str


@dataclass(frozen=True, eq=False)
class Aligned:
    """One run's points on the alignment (``dropped``: finite points left out of the range)."""

    x: np.ndarray
    y: np.ndarray
    dropped: int


def _check_granularity(curves: Sequence[RunCurve]) -> str:
    units = {c.granularity for c in curves}
    if len(units) == 1:
        return units.pop()
    by = {u: [c.name for c in curves if c.granularity == u] for u in sorted(units)}
    listed = "; ".join(f"per-{u}: {', '.join(names[:5])}" for u, names in by.items())
    raise InputError(
        f"cannot align per-epoch and per-step runs (an epoch has an unknown number of steps): "
        f"{listed}; compare runs logged the same way",
        field="granularity",
    )


def align(
    curves: Sequence[RunCurve], *, mode: str = "common", max_windows: int = 300
) -> tuple[Alignment, list[Aligned]]:
    """The alignment of ``curves`` and each run's points on it."""
    if mode not in MODES:
        raise ValueError(f"alignment mode must be one of {MODES}, got {mode!r}")
    unit = _check_granularity(curves)
    spans = []
    for c in curves:
        finite = np.isfinite(c.y)
        if not finite.any():
            raise InputError(f"run {c.name!r} has no finite values of the compared metric")
        spans.append((float(c.x[finite][0]), float(c.x[finite][-1])))
    if mode == "full":
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        out = [Aligned(c.x, c.y, 0) for c in curves]
        points = max(int(np.isfinite(c.y).sum()) for c in curves)
        text = f"no alignment: each run over its own {unit}s"
        return Alignment("full", unit, start, end, points, description=text), out

    start, end = max(s for s, _ in spans), min(e for _, e in spans)
    if start > end:
        raise InputError(
            f"the runs do not overlap: the latest starts at {unit} {start:g} after the "
            f"earliest ends at {unit} {end:g}; use alignment 'full' to compare them anyway",
            field=unit,
        )
    inside = [(c.x >= start) & (c.x <= end) for c in curves]
    pairs = list(zip(curves, inside, strict=True))
    dropped = [int(np.count_nonzero(np.isfinite(c.y) & ~m)) for c, m in pairs]
    first = curves[0].x[inside[0]]
    if all(np.array_equal(c.x[m], first) for c, m in pairs):
        out = [Aligned(c.x[m], c.y[m], d) for c, m, d in zip(curves, inside, dropped, strict=True)]
        text = f"{unit}s {start:g}-{end:g}, the range every run covers ({first.size} points)"
        return Alignment(
            f"common_{unit}s", unit, start, end, int(first.size), description=text
        ), out

    counts = [int(np.count_nonzero(np.isfinite(c.y) & m)) for c, m in pairs]
    bins = max(1, min(min(counts), max_windows))
    edges = np.linspace(start, end, bins + 1)
    width = (end - start) / bins if bins else math.nan
    centers = (edges[:-1] + edges[1:]) / 2
    out = []
    for c, m, d in zip(curves, inside, dropped, strict=True):
        keep = m & np.isfinite(c.y)
        index = np.clip(np.searchsorted(edges, c.x[keep], side="right") - 1, 0, bins - 1)
        total = np.bincount(index, weights=c.y[keep], minlength=bins)
        count = np.bincount(index, minlength=bins)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(count > 0, total / count, np.nan)
        out.append(Aligned(centers, means, d))
    text = (
        f"{unit}s {start:g}-{end:g} (the range every run covers) in {bins} windows of "
        f"{width:.4g} {unit}s, each run averaged per window (the runs log at different {unit}s)"
    )
    return Alignment(f"{unit}_windows", unit, start, end, bins, width, text), out
