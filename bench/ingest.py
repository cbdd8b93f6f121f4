"""Ingestion throughput beside baselines measured in the same run.

    python bench/ingest.py [--rows N] [--events N]

Prints rows (or scalar events) per second for a 1,000,000-row Keras CSV beside
``pandas.read_csv`` (pyarrow and C engines), and for a 1,000,000-scalar event file beside
``tbparse``, with ratios. Goals: events >= 3x the baseline; CSV no slower than 1.5x
``pandas.read_csv`` with the pyarrow engine (ratio >= 0.67). Medians of repeated runs; the
machine is shared and noisy, so compare ratios, not absolute figures.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ingest_csv
import ingest_events


def _table(rows: list[dict]) -> str:
    """One line per case; ``speed-up`` = our throughput over the baseline's (higher is
    better; the CSV goal is >= 0.67, i.e. at most 1.5x pyarrow's time; the event goal >= 3)."""
    lines = [f"{'case':<34}{'ours/s':>14}  {'baseline':<28}{'baseline/s':>14}{'speed-up':>10}"]
    for r in rows:
        speedup = r["ours_per_s"] / r["baseline_per_s"]
        lines.append(
            f"{r['case']:<34}{r['ours_per_s']:>14,.0f}  {r['baseline']:<28}"
            f"{r['baseline_per_s']:>14,.0f}{speedup:>10.2f}"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = ingest_csv.run(args.rows) + ingest_events.run(args.events)
    print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
