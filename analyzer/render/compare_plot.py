"""The compared runs overlaid: each run's curve of the compared metric (raw, thin) and its
smoothed curve (thick), its best point with the 95% interval, the target level and the aligned
range. Long sweeps draw the first ``MAX_RUNS`` runs in rank order.

Drawn like :mod:`analyzer.render.plot` draws one run (its size, resolution and path check): a
bare ``Figure`` with the Agg canvas, no pyplot; this module, and with it matplotlib (the
``plot`` extra), is imported only when a picture is drawn. Markers carry a ``gid``
(``curve:<run>``, ``best:<run>``, ``target``, ``aligned``) for tests and callers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from analyzer.compare.model import Comparison
from analyzer.errors import InputError
from analyzer.render import plot

MAX_RUNS = 12


def figure(c: Comparison, curves: Mapping[str, tuple[np.ndarray, np.ndarray]]):
    """The picture (not yet saved); ``curves`` maps run names to ``(steps, values)``."""
    if not plot.available():
        raise InputError("plotting needs matplotlib: pip install 'loss-analyzer[plot]'")
    fig = plot.Figure(figsize=plot.FIGSIZE, dpi=plot.DPI, layout="constrained")
    ax = fig.add_subplot()
    colors = [f"C{i % 10}" for i in range(MAX_RUNS)]
    values = []
    for run, color in zip(c.runs[:MAX_RUNS], colors, strict=False):
        x, y = curves[run.name]
        finite = np.isfinite(y)
        values.append(y[finite])
        ax.plot(x, y, color=color, linewidth=0.8, alpha=0.45, gid=f"raw:{run.name}")
        best = run.measures.best
        label = f"#{run.rank} {run.name}"
        ax.plot(x[finite], _smooth(y[finite]), color=color, linewidth=2.0, label=label,
                gid=f"curve:{run.name}")  # fmt: skip
        if best.known:
            err = None
            if math.isfinite(best.low):
                err = [[best.value - best.low], [best.high - best.value]]
            ax.errorbar([best.at], [best.value], yerr=err, fmt="o", color=color, capsize=3,
                        gid=f"best:{run.name}")  # fmt: skip
    if math.isfinite(c.target):
        ax.axhline(c.target, color="0.4", linestyle="--", linewidth=1, label="target level",
                   gid="target")  # fmt: skip
    if c.alignment.method != "full":
        ax.axvspan(c.alignment.start, c.alignment.end, color="0.9", zorder=0, gid="aligned")
    joined = np.concatenate(values) if values else np.array([])
    if joined.size and joined.min() > 0 and joined.max() / joined.min() > 30:
        ax.set_yscale("log")
    fig.suptitle(c.summary, fontsize=10, fontweight="bold", wrap=True)
    ax.set_title(f"{c.criterion.value} {c.metric}; {c.alignment.description}", fontsize=8)
    ax.set_xlabel(c.alignment.unit)
    ax.set_ylabel(c.metric)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return fig


def _smooth(y: np.ndarray) -> np.ndarray:
    from analyzer.compare.measure import smoothed

    return smoothed(np.arange(y.size, dtype=float), y, "epoch").smooth


def check(path) -> Path:
    """Fail before the comparison when ``--plot`` cannot be honoured (no matplotlib, or an
    extension matplotlib does not write)."""
    try:
        return plot.check_path(path)
    except RuntimeError as exc:  # the plot module without matplotlib
        raise InputError(str(exc)) from None


def save(c: Comparison, curves: Mapping[str, tuple[np.ndarray, np.ndarray]], path) -> Path:
    """Draw the comparison and write it to ``path`` (format from the extension)."""
    path = check(path)
    fig = figure(c, curves)
    try:
        fig.savefig(path)
    except OSError as exc:
        raise InputError(
            f"cannot write the plot: {exc.strerror or exc}", source=str(path)
        ) from None
    return path
