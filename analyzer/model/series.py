"""The neutral shape every log format is turned into: a run made of named series."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np


class Metric(StrEnum):
    """What a series measures. Detectors mostly care about loss; the rest is context."""

    LOSS = "loss"
    ACCURACY = "accuracy"
    LEARNING_RATE = "learning_rate"
    OTHER = "other"


class Split(StrEnum):
    """Which data a series was measured on."""

    TRAIN = "train"
    VALIDATION = "validation"
    TEST = "test"


class Direction(StrEnum):
    """Whether smaller or larger values mean a better model (``NONE`` for a learning rate)."""

    LOWER = "lower"
    HIGHER = "higher"
    NONE = "none"


class Granularity(StrEnum):
    """Whether a point stands for a whole epoch or for one optimizer step (or a few)."""

    EPOCH = "epoch"
    STEP = "step"


def _as_float64(values: object) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"series arrays must be one-dimensional, got shape {array.shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class Series:
    """One metric over time.

    ``steps`` are epoch numbers (for ``EPOCH`` granularity, counted from 0 as Keras does) or
    global step numbers; ``values`` keep NaN and inf, which are evidence of divergence.
    ``name`` is the normalized name (``loss``, ``val_loss``, ``val_accuracy``, ``lr``...);
    ``original_name`` is what the log called it.
    """

    name: str
    metric: Metric
    metric_name: str
    split: Split
    direction: Direction
    granularity: Granularity
    steps: np.ndarray
    values: np.ndarray
    original_name: str = ""
    wall_times: np.ndarray | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        steps = _as_float64(self.steps)
        values = _as_float64(self.values)
        if steps.shape != values.shape:
            raise ValueError(f"series {self.name!r}: {steps.size} steps but {values.size} values")
        object.__setattr__(self, "steps", steps)
        object.__setattr__(self, "values", values)
        if self.wall_times is not None:
            wall = _as_float64(self.wall_times)
            if wall.shape != values.shape:
                raise ValueError(
                    f"series {self.name!r}: {wall.size} wall times but {values.size} values"
                )
            object.__setattr__(self, "wall_times", wall)
        if not self.original_name:
            object.__setattr__(self, "original_name", self.name)

    def __len__(self) -> int:
        return int(self.values.size)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Series):
            return NotImplemented
        return (
            self.key == other.key
            and self.metric == other.metric
            and self.direction == other.direction
            and np.array_equal(self.steps, other.steps)
            and np.array_equal(self.values, other.values, equal_nan=True)
        )

    __hash__ = None  # type: ignore[assignment]

    @property
    def key(self) -> tuple[Split, str, Granularity]:
        """What makes a series unique within a run."""
        return (self.split, self.metric_name, self.granularity)

    @property
    def finite(self) -> np.ndarray:
        """Boolean mask of the finite values."""
        return np.isfinite(self.values)

    def first_non_finite(self) -> float | None:
        """The step of the first NaN or infinite value, or ``None``."""
        bad = np.flatnonzero(~self.finite)
        return float(self.steps[bad[0]]) if bad.size else None


@dataclass(frozen=True)
class TrainingLog:
    """One training run: its series, where it came from, and what ingestion had to say."""

    series: tuple[Series, ...]
    run_name: str | None = None
    source_format: str = "unknown"
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        seen: dict[tuple[Split, str, Granularity], str] = {}
        for s in self.series:
            if s.key in seen:
                raise ValueError(
                    f"two series for {s.split}/{s.metric_name}/{s.granularity}: "
                    f"{seen[s.key]!r} and {s.original_name!r}"
                )
            seen[s.key] = s.original_name

    def __iter__(self) -> Iterator[Series]:
        return iter(self.series)

    def __len__(self) -> int:
        return len(self.series)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.series)

    def get(
        self,
        metric_name: str = "loss",
        split: Split | str = Split.TRAIN,
        granularity: Granularity | str | None = None,
    ) -> Series | None:
        """The series for ``metric_name`` on ``split``; epoch granularity preferred over steps."""
        split = Split(split)
        candidates = [s for s in self.series if s.metric_name == metric_name and s.split == split]
        if granularity is not None:
            candidates = [s for s in candidates if s.granularity == Granularity(granularity)]
        candidates.sort(key=lambda s: s.granularity != Granularity.EPOCH)
        return candidates[0] if candidates else None

    def by_name(self, name: str) -> Series | None:
        """The series with normalized ``name`` (``val_loss``), preferring epoch granularity."""
        hits = sorted(
            (s for s in self.series if s.name == name),
            key=lambda s: s.granularity != Granularity.EPOCH,
        )
        return hits[0] if hits else None

    @property
    def total_points(self) -> int:
        return sum(len(s) for s in self.series)
