"""The property every parser's fuzz tests check: any bytes either parse into well-formed runs
or raise one of the documented :class:`~analyzer.errors.InputError` types, never anything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.ingest.base import IngestLimits, Parser, RawRun, SourceFile


def parse_or_input_error(
    parsers: Iterable[Parser],
    data: bytes,
    filename: str,
    limits: IngestLimits,
    *,
    sniff_name: str | None = None,
) -> list[RawRun]:
    """Sniff and parse ``data`` with each parser. A sniff score must lie in [0, 1]; a parse
    must either raise an InputError or return non-empty runs whose series hold float64 steps
    and values of equal shape. Returns every run parsed, for format-specific checks."""
    parsed: list[RawRun] = []
    for parser in parsers:
        assert 0.0 <= parser.sniff(data[: 64 * 1024], sniff_name or filename) <= 1.0
        try:
            runs = parser.parse(SourceFile(filename, data), limits)
        except InputError:
            continue
        assert runs and all(isinstance(run, RawRun) for run in runs)
        for run in runs:
            for series in run.series:
                assert series.steps.dtype == np.float64 and series.values.dtype == np.float64
                assert series.steps.shape == series.values.shape
        parsed.extend(runs)
    return parsed


def mutations(
    samples: Sequence[bytes], pieces: Sequence[bytes], *, max_repeat: int, max_delete: int
) -> st.SearchStrategy[bytes]:
    """Valid ``samples`` damaged 1-4 times: truncated, a byte flipped, one of the
    format-specific ``pieces`` inserted up to ``max_repeat`` times in a row, or up to
    ``max_delete`` bytes deleted."""

    @st.composite
    def mutated(draw) -> bytes:
        data = bytearray(draw(st.sampled_from(samples)))
        for _ in range(draw(st.integers(1, 4))):
            op = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
            pos = draw(st.integers(0, len(data)))
            if op == "truncate":
                del data[pos:]
            elif op == "flip" and pos < len(data):
                data[pos] ^= draw(st.integers(1, 255))
            elif op == "insert":
                data[pos:pos] = draw(st.sampled_from(pieces)) * draw(st.integers(1, max_repeat))
            elif op == "delete":
                del data[pos : pos + draw(st.integers(1, max_delete))]
        return bytes(data)

    return mutated()
