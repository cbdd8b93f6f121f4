"""Conventions shared by the result objects of :mod:`analyzer.stats`.

Every measurement returns a small frozen dataclass that mixes in :class:`StatResult`: it carries
``insufficient`` (``None``, or a short reason such as ``"fewer than 3 finite points"``) and
``ok`` (``insufficient is None``). An insufficient result holds NaN statistics and NaN p-values
so that nothing downstream mistakes "could not measure" for a measurement.

:func:`finite_points` is the one place where inputs are cleaned: non-finite values (NaN and
±inf) are dropped together with their time points and counted, because a trend test over the
finite part is still meaningful while a single inf would poison every rank and slope. Whether
the run diverged is for the detectors to read from the raw series, not for a trend test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Reasons carried by ``insufficient`` (other modules may add their own short strings).
TOO_FEW = "fewer than {} finite points"
ALL_EQUAL = "all values equal"


class StatResult:
    """Mixin for result dataclasses that have an ``insufficient`` field."""

    insufficient: str | None

    @property
    def ok(self) -> bool:
        """``True`` when the statistic could be computed (``insufficient`` is ``None``)."""
        return self.insufficient is None


@dataclass(frozen=True)
class ConfidenceInterval:
    """A two-sided interval ``[low, high]`` with coverage ``level`` (for example 0.95)."""

    low: float
    high: float
    level: float


@dataclass(frozen=True)
class FinitePoints:
    """The finite part of a series: values ``x`` at times ``t`` and how many points were dropped."""

    x: np.ndarray
    t: np.ndarray
    dropped: int

    @property
    def n(self) -> int:
        return int(self.x.size)


def finite_points(x: object, t: object | None = None) -> FinitePoints:
    """Drop the points where ``x`` or ``t`` is NaN or ±inf and count them.

    ``t`` defaults to the positions 0, 1, ..., n-1 of the original array, so dropping a point
    leaves a gap in time rather than shifting the later points. The remaining ``t`` must be
    strictly increasing (steps of one series): anything else is a caller's bug and raises
    ``ValueError``, as does a ``t`` of another length or an ``x`` that is not one-dimensional.
    """
    values = np.asarray(x, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"expected a one-dimensional series, got shape {values.shape}")
    if t is None:
        times = np.arange(values.size, dtype=np.float64)
    else:
        times = np.asarray(t, dtype=np.float64)
        if times.shape != values.shape:
            raise ValueError(f"{times.size} time points for {values.size} values")
    keep = np.isfinite(values) & np.isfinite(times)
    dropped = int(values.size - np.count_nonzero(keep))
    if dropped:
        values, times = values[keep], times[keep]
    if times.size > 1 and not (times[1:] > times[:-1]).all():
        raise ValueError("time points must be strictly increasing")
    return FinitePoints(values, times, dropped)
