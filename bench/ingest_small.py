"""Latency of ``load`` on the service's typical input: a 100-epoch Keras CSV (as in
``bench/service.py``), median milliseconds.

    python bench/ingest_small.py [--loads 2000]

Cases: the same bytes every time (the CSV sniffers' cache answers, as in ``bench/service.py``),
new bytes every time (a new run per call), and new bytes with the plain-Python reader for small
tables switched off (``DENSE_MAX_BYTES = -1``: pandas reads every body), the baseline. The cases
are timed in turn, call by call, so noise on the shared machine falls on all of them alike:
compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_csv import medians
from service import keras_csv

from analyzer.ingest import csv_table, load


def _next_load(inputs: list[bytes]) -> Callable[[], object]:
    """A function loading the next of ``inputs`` at each call."""
    items = iter(inputs)
    return lambda: load(next(items), filename="history.csv")


def _pandas_reading(function: Callable[[], object]) -> Callable[[], object]:
    """``function`` with the plain-Python reader switched off (pandas reads every body)."""

    def run() -> object:
        dense_max, csv_table.DENSE_MAX_BYTES = csv_table.DENSE_MAX_BYTES, -1
        try:
            return function()
        finally:
            csv_table.DENSE_MAX_BYTES = dense_max

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=2000)
    args = parser.parse_args()
    n = args.loads
    cases = {
        "same bytes": _next_load([keras_csv()] * n),
        "new bytes": _next_load([keras_csv(seed=seed) for seed in range(n)]),
        "new bytes, pandas reads": _pandas_reading(
            _next_load([keras_csv(seed=seed) for seed in range(n, 2 * n)])
        ),
    }
    for name, seconds in zip(cases, medians(list(cases.values()), n), strict=True):
        print(f"{name:<26}{seconds * 1e3:>8.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
