"""One StreamAnalyze call: points accumulate, the run is re-analyzed on a throttled schedule,
and an update goes out only when the findings change.

Why the cost per message stays bounded: appending a batch costs O(points in it) (amortized
array growth). A re-analysis costs O(n) for the run so far (step-level curves are aggregated
into at most ``Settings.max_windows`` windows before any test, so beyond that only the windowing
grows with n), and it runs only when the run has grown by ``refresh_growth`` (5 %) since the
last analysis, or by at least one point: over a stream of n points that is O(log n / growth)
analyses, whose total O(n) work spreads over the points that triggered them, i.e. amortized
O(1) analysis work per point. Short epoch-level runs (under 20 points) are re-analyzed on every
point, so a finding shows up as soon as the data holds it.

Nothing is kept between streams: a session lives in its call and dies with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from analyzer.api.codec import SeriesColumn
from analyzer.errors import InputError, LimitExceededError
from analyzer.ingest import IngestLimits
from analyzer.model import Granularity, TrainingLog
from analyzer.model.findings import Diagnosis
from analyzer.model.hints import Hints
from analyzer.service.runs import log_from_columns


class _Column:
    """A growable float64 array (doubling capacity)."""

    def __init__(self) -> None:
        self._data = np.empty(16, dtype=np.float64)
        self.size = 0

    def append(self, value: float) -> None:
        if self.size == self._data.size:
            self._data = np.concatenate([self._data, np.empty_like(self._data)])
        self._data[self.size] = value
        self.size += 1

    def view(self) -> np.ndarray:
        return self._data[: self.size]


@dataclass
class StreamSession:
    """The state of one open stream."""

    run_name: str | None
    hints: Hints | None
    granularity: Granularity
    limits: IngestLimits
    #: Re-analyze once the number of steps grew by this fraction since the last analysis.
    refresh_growth: float = 0.05
    points_received: int = 0
    last_step: float = -math.inf
    steps_seen: int = 0
    _steps: dict[str, _Column] = field(default_factory=dict)
    _values: dict[str, _Column] = field(default_factory=dict)
    _analyzed_at: int = 0
    _last_key: tuple | None = None

    def add(self, points: list[tuple[float, dict[str, float]]], *, path: str = "points") -> None:
        """Append a batch; steps must increase along the stream."""
        for index, (step, values) in enumerate(points):
            where = f"{path}.points[{index}]"
            if not math.isfinite(step) or step <= self.last_step:
                raise InputError(
                    f"step {step} does not follow the previous step {self.last_step}; "
                    "steps must increase along the stream",
                    field=f"{where}.step",
                )
            if not values:
                raise InputError("a point needs at least one metric value", field=f"{where}")
            if self.points_received + len(values) > self.limits.max_points:
                raise LimitExceededError(
                    f"the stream exceeds {self.limits.max_points:,} points; "
                    "start a new stream or send coarser points",
                    field=where,
                )
            for name, value in values.items():
                if name not in self._values:
                    self._steps[name], self._values[name] = _Column(), _Column()
                self._steps[name].append(step)
                self._values[name].append(value)
            self.points_received += len(values)
            self.last_step = step
            self.steps_seen += 1

    def due(self) -> bool:
        """Whether enough new points arrived to re-analyze (see the module docstring)."""
        grown = self.steps_seen - self._analyzed_at
        return grown >= max(1, math.floor(self.refresh_growth * self._analyzed_at))

    def snapshot(self) -> list[SeriesColumn]:
        """The run so far as columns, copied (the analysis runs in another thread or process,
        while points keep arriving), and from now on counted as analyzed."""
        columns = [
            SeriesColumn(
                metric=name,
                split=None,
                granularity=self.granularity,
                steps=self._steps[name].view().copy(),
                values=self._values[name].view().copy(),
            )
            for name in self._values
        ]
        self._analyzed_at = self.steps_seen
        return columns

    def log(self) -> TrainingLog:
        """The run so far (a :meth:`snapshot`, read as one run)."""
        return log_from_columns(
            self.snapshot(), run_name=self.run_name, limits=self.limits, source="stream"
        )

    def changed(self, diagnosis: Diagnosis) -> bool:
        """True when the set of findings or the primary finding differs from the last update
        sent (which this call then records as sent)."""
        key = (
            frozenset(diagnosis.codes()),
            diagnosis.primary.code if diagnosis.primary else None,
        )
        if key == self._last_key:
            return False
        self._last_key = key
        return True
