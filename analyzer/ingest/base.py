"""What every parser shares: the limits it must respect, the raw shape it returns, and the
:class:`Parser` interface the registry lists.

A parser turns one file's bytes into one or more :class:`RawRun` objects: series with their
*raw* names, steps and values. Name normalization, merging several files into one run and the
policy for appended runs live in :mod:`analyzer.ingest.assemble`, so every format gets them the
same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from analyzer.errors import LimitExceededError
from analyzer.model import Granularity, Split


@dataclass(frozen=True)
class IngestLimits:
    """Upper bounds on what one ``load`` call accepts; exceeding one raises
    :class:`~analyzer.errors.LimitExceededError` instead of exhausting memory.

    The defaults fit a workstation (a month-long run logged every step is ~10^7 points);
    the service passes tighter ones.
    """

    max_bytes: int = 2 * 1024**3
    max_points: int = 50_000_000
    max_files: int = 10_000

    def check_bytes(self, size: int, source: str) -> None:
        if size > self.max_bytes:
            raise LimitExceededError(
                f"input is {size:,} bytes; the limit is {self.max_bytes:,} bytes "
                "(raise IngestLimits.max_bytes to accept it)",
                source=source,
            )

    def check_points(self, points: int, source: str) -> None:
        if points > self.max_points:
            raise LimitExceededError(
                f"input holds more than {self.max_points:,} points "
                "(raise IngestLimits.max_points to accept it)",
                source=source,
            )


DEFAULT_LIMITS = IngestLimits()


@dataclass
class RawSeries:
    """One series as a file states it, before names are normalized.

    ``split_hint`` carries a split known from the context rather than the name (a TensorBoard
    ``validation/`` directory); ``granularity`` is what the format says a point is.
    """

    name: str
    steps: np.ndarray
    values: np.ndarray
    granularity: Granularity = Granularity.EPOCH
    wall_times: np.ndarray | None = None
    split_hint: Split | None = None
    source: str | None = None


@dataclass
class RawRun:
    """The series of one run found in one file (a file may hold several appended runs)."""

    series: list[RawSeries]
    label: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SourceFile:
    """One input: its display name (a path, or the name given with bytes) and its content."""

    name: str
    data: bytes
    #: Path relative to the directory the user named, used for TensorBoard run names.
    relative_path: str | None = None


class Parser(Protocol):
    """A log format. ``sniff`` looks at the start of the content (and the file name as a hint)
    and returns a confidence in [0, 1]; ``parse`` reads the whole file."""

    #: Stable format identifier, e.g. ``"keras-csv"`` (also accepted by ``load(format=...)``).
    name: str
    #: One line for ``--list-formats`` and error messages.
    description: str

    def sniff(self, head: bytes, filename: str) -> float: ...

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]: ...
