"""How fast the CSV parsers read a large loss log, against ``pandas.read_csv`` on the same bytes.

Each case is timed as the median of ``repeats`` runs, with both baselines (pyarrow engine and C
engine) measured in the same run, so the ratio survives a noisy machine. ``ratio`` is our time
over the pyarrow baseline's time (the goal is at most 1.5).
"""

from __future__ import annotations

import io
import statistics
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from analyzer.ingest.base import IngestLimits, SourceFile
from analyzer.ingest.csv_logs import GENERIC_CSV, KERAS_CSV, LIGHTNING_CSV

_LIMITS = IngestLimits(max_points=10**9)


def _keras_bytes(n_rows: int) -> bytes:
    rng = np.random.default_rng(0)
    loss = np.exp(-np.arange(n_rows) / n_rows) + rng.normal(0, 0.01, n_rows)
    frame = pd.DataFrame(
        {
            "epoch": np.arange(n_rows),
            "accuracy": rng.random(n_rows),
            "loss": loss,
            "val_accuracy": rng.random(n_rows),
            "val_loss": loss + 0.05,
        }
    )
    return frame.to_csv(index=False, lineterminator="\r\n", float_format="%.6f").encode()


def _generic_bytes(n_rows: int) -> bytes:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"step": np.arange(n_rows) * 10, "loss": rng.random(n_rows)})
    return frame.to_csv(index=False, float_format="%.6f").encode()


def _lightning_bytes(n_rows: int) -> bytes:
    rng = np.random.default_rng(2)
    step = np.arange(n_rows)
    epoch = step // 1000
    train = np.where(step % 1000 == 999, np.nan, rng.random(n_rows))
    val = np.where(step % 1000 == 999, rng.random(n_rows), np.nan)
    frame = pd.DataFrame({"epoch": epoch, "step": step, "train_loss_step": train, "val_loss": val})
    return frame.to_csv(index=False, float_format="%.6f", na_rep="").encode()


def medians(functions: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median seconds of each function, timed in turn within each repeat (fair under noise)."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeats):
        for function, samples in zip(functions, times, strict=True):
            start = time.perf_counter()
            function()
            samples.append(time.perf_counter() - start)
    return [statistics.median(samples) for samples in times]


def _case(name: str, parser, data: bytes, n_rows: int, repeats: int) -> list[dict]:
    source = SourceFile(f"{name}.csv", data)
    engines = ("pyarrow", "c")
    ours, *baselines = medians(
        [
            lambda: parser.parse(source, _LIMITS),
            *(lambda e=e: pd.read_csv(io.BytesIO(data), engine=e) for e in engines),
        ],
        repeats,
    )
    return [
        {
            "case": f"{name} {n_rows:,} rows",
            "ours_per_s": n_rows / ours,
            "baseline": f"pandas.read_csv ({engine})",
            "baseline_per_s": n_rows / baseline,
            "ratio": ours / baseline,
        }
        for engine, baseline in zip(engines, baselines, strict=True)
    ]


def run(n_rows: int = 1_000_000, repeats: int = 5) -> list[dict]:
    """Rows/s of our parsers and of ``pandas.read_csv`` on the same files (median of runs)."""
    return [
        *_case("keras csv", KERAS_CSV, _keras_bytes(n_rows), n_rows, repeats),
        *_case("generic csv", GENERIC_CSV, _generic_bytes(n_rows), n_rows, repeats),
        *_case("lightning csv", LIGHTNING_CSV, _lightning_bytes(n_rows), n_rows, repeats),
    ]


def _print(rows: list[dict]) -> None:
    print(f"{'case':<28} {'ours rows/s':>12} {'baseline':<26} {'rows/s':>12} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['case']:<28} {row['ours_per_s']:>12,.0f} {row['baseline']:<26} "
            f"{row['baseline_per_s']:>12,.0f} {row['ratio']:>6.2f}"
        )


if __name__ == "__main__":
    _print(run())
