"""Latency of ``load`` on the service's typical input: a 100-epoch Keras CSV (as in
``bench/service.py``), median milliseconds.

    python bench/ingest_small.py [--loads 2000]

Cases: the same bytes every time (the CSV sniffers' cache answers, as in ``bench/service.py``),
new bytes every time (a new run per call), and new bytes with the plain-Python reader for small
tables switched off (``DENSE_MAX_BYTES = -1``: pandas reads every body), the baseline measured in
the same run. The machine is shared and noisy: compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from service import keras_csv

from analyzer.ingest import csv_table, load


def _median_ms(inputs: list[bytes]) -> float:
    times = []
    for data in inputs:
        start = time.perf_counter()
        load(data, filename="history.csv")
        times.append(time.perf_counter() - start)
    return statistics.median(times[len(times) // 10 :]) * 1e3  # the first tenth warms up


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=2000)
    args = parser.parse_args()
    same = [keras_csv()] * args.loads
    new = [keras_csv(seed=seed) for seed in range(args.loads)]
    rows = [("same bytes", _median_ms(same)), ("new bytes", _median_ms(new))]
    dense_max = csv_table.DENSE_MAX_BYTES
    csv_table.DENSE_MAX_BYTES = -1
    try:
        new_again = [keras_csv(seed=seed) for seed in range(args.loads, 2 * args.loads)]
        rows.append(("new bytes, pandas reads", _median_ms(new_again)))
    finally:
        csv_table.DENSE_MAX_BYTES = dense_max
    for name, ms in rows:
        print(f"{name:<26}{ms:>8.3f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
