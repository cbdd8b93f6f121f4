"""The run as a picture: its loss curves with the diagnosis drawn on them.

Marked, each from the diagnosis (never recomputed here): the best epoch (the summary's best
validation step), the overfitting onset and the epochs after it (the OVERFITTING finding's
start and end), loss spikes (the first and last flagged point of LOSS_SPIKES: the finding
carries those two positions), plateaus (PLATEAU's start to end), and where a loss became NaN or
diverged. The title carries the verdict and the finding to fix first, so the picture reads
without the text report.

Needs matplotlib (the ``plot`` extra). It uses a bare :class:`~matplotlib.figure.Figure` with
the Agg canvas, never pyplot: no global state, no display needed. Every marker has a ``gid``
(``best``, ``onset``, ``overfit``, ``spike``, ``plateau``, ``failure``) so that tests and
callers can find it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from analyzer.errors import InputError
from analyzer.model import Metric, Series, Split, TrainingLog
from analyzer.model.findings import Code, Diagnosis, Finding

try:
    from matplotlib.figure import Figure
except ImportError:  # pragma: no cover - exercised only without the extra
    Figure = None

#: Size of the saved picture in inches, and its resolution: 1200 x 675 pixels.
FIGSIZE = (10.0, 5.625)
DPI = 120
_COLORS = {Split.TRAIN: "#1f77b4", Split.VALIDATION: "#d62728", Split.TEST: "#2ca02c"}
_VERDICT_COLOR = {
    "healthy": "#2ca02c",
    "needs_attention": "#b8860b",
    "failing": "#d62728",
    "insufficient_data": "#555555",
}


def available() -> bool:
    """Whether matplotlib is installed."""
    return Figure is not None


def _loss_series(log: TrainingLog) -> list[Series]:
    """The curves to draw: the losses (epoch-level preferred); accuracy only when the log has
    no loss (the analyzer then judges on the error rate)."""
    for metric in (Metric.LOSS, Metric.ACCURACY):
        chosen = [
            s
            for s in log.series
            if s.metric == metric and log.get(s.metric_name, s.split) is s and len(s)
        ]
        if chosen:
            return chosen
    return []


def _value_at(series: Series, step: float) -> float:
    finite = series.finite
    if not finite.any():
        return math.nan
    return float(np.interp(step, series.steps[finite], series.values[finite]))


def _series_for(finding: Finding, curves: list[Series]) -> Series | None:
    named = [s for s in curves if s.name in finding.series]
    return named[0] if named else (curves[0] if curves else None)


def _mark_best(ax, diagnosis: Diagnosis, unit: str) -> None:
    best = diagnosis.summary.best_epoch
    if math.isnan(best):
        return
    ax.axvline(
        best,
        color="#2ca02c",
        linestyle="--",
        linewidth=1.2,
        gid="best",
        label=f"best {unit} {best:g}",
    )
    if not math.isnan(diagnosis.summary.best_val_loss):
        ax.plot(
            [best],
            [diagnosis.summary.best_val_loss],
            marker="*",
            markersize=14,
            color="#2ca02c",
            linestyle="none",
            gid="best",
        )


def _mark_finding(ax, finding: Finding, curves: list[Series]) -> None:
    start, end = finding.start, finding.end
    if start is None:
        return
    end = start if end is None else end
    unit = finding.granularity
    if finding.code is Code.OVERFITTING:
        ax.axvline(
            start,
            color="#ff7f0e",
            linestyle=":",
            linewidth=1.5,
            gid="onset",
            label=f"overfitting from {unit} {start:g}",
        )
        ax.axvspan(start, end, color="#ff7f0e", alpha=0.08, gid="overfit")
    elif finding.code is Code.PLATEAU:
        ax.axvspan(
            start,
            end,
            color="#7f7f7f",
            alpha=0.18,
            gid="plateau",
            label=f"plateau {unit}s {start:g}-{end:g}",
        )
    elif finding.code is Code.LOSS_SPIKES:
        series = _series_for(finding, curves)
        if series is None:
            return
        steps = sorted({start, end})
        ax.plot(
            steps,
            [_value_at(series, x) for x in steps],
            marker="v",
            markersize=10,
            color="#9467bd",
            linestyle="none",
            gid="spike",
            label="loss spikes (first and last)",
        )
    elif finding.code in (Code.NON_FINITE_LOSS, Code.DIVERGENCE):
        ax.axvline(
            start,
            color="#d62728",
            linewidth=2,
            gid="failure",
            label=f"{finding.title.lower()} ({unit} {start:g})",
        )


def figure(log: TrainingLog, diagnosis: Diagnosis) -> Figure:
    """The annotated picture of one run (not yet saved)."""
    if Figure is None:
        raise RuntimeError("plotting needs matplotlib: pip install 'loss-analyzer[plot]'")
    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    curves = _loss_series(log)
    for s in curves:
        ax.plot(
            s.steps,
            s.values,
            color=_COLORS.get(s.split),
            linewidth=1.4,
            label=s.name,
            gid=f"curve:{s.name}",
        )
    values = np.concatenate([s.values[s.finite] for s in curves]) if curves else np.array([])
    if values.size and values.min() > 0 and values.max() / values.min() > 30:
        ax.set_yscale("log")
    _mark_best(ax, diagnosis, diagnosis.summary.granularity)
    for f in diagnosis.findings:
        _mark_finding(ax, f, curves)
    name = diagnosis.run_name or "run"
    verdict = str(diagnosis.verdict).replace("_", " ").upper()
    fig.suptitle(
        f"{name}: {verdict}", color=_VERDICT_COLOR[str(diagnosis.verdict)], fontweight="bold"
    )
    if diagnosis.primary is not None:
        ax.set_title(diagnosis.primary.summary, fontsize=9, wrap=True)
    ax.set_xlabel(diagnosis.summary.granularity)
    ax.set_ylabel(curves[0].metric_name if curves else "value")
    ax.grid(True, alpha=0.3)
    if curves:
        ax.legend(loc="best", fontsize=8)
    return fig


def check_path(path: str | Path) -> Path:
    """``path`` if its extension names a format matplotlib writes (checked before the
    analysis, so a typo does not cost a long run)."""
    path = Path(path)
    if Figure is None:
        raise RuntimeError("plotting needs matplotlib: pip install 'loss-analyzer[plot]'")
    kinds = Figure().canvas.get_supported_filetypes()
    if path.suffix.lower().lstrip(".") not in kinds:
        raise InputError(
            f"cannot tell the picture format from the extension; use one of "
            f"{', '.join('.' + k for k in sorted(kinds))}",
            source=str(path),
        )
    return path


def save(log: TrainingLog, diagnosis: Diagnosis, path: str | Path) -> Path:
    """Draw the run and write it to ``path`` (PNG, or SVG/PDF by the file's extension)."""
    path = check_path(path)
    fig = figure(log, diagnosis)
    try:
        fig.savefig(path)
    except OSError as exc:
        detail = f"cannot write the plot: {exc.strerror or exc}"
        raise InputError(detail, source=str(path)) from None
    return path
