"""Benchmark: full trend analysis (Hamed-Rao Mann-Kendall + Sen's slope with its interval).

Times ``analyzer.stats.trend.trend_analysis(method="hamed_rao")`` at n = 1e3..1e6 beside
``pymannkendall.hamed_rao_modification_test`` (which also computes Sen's slope). pymannkendall
materializes all n(n-1)/2 slopes (O(n^2) memory; it ran out of memory at 1e5), so it is only
run up to ``PMK_MAX_N``. Each figure is the median of ``REPEATS`` runs; the machine is shared,
so compare the ratios measured in the same run rather than absolute times across runs.

Run: ``.venv/bin/python bench/stats.py``
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import pymannkendall
from scipy.signal import lfilter

from analyzer.stats.trend import trend_analysis

SIZES = (1_000, 10_000, 100_000, 1_000_000)
PMK_MAX_N = 10_000
REPEATS = 5
PMK_REPEATS = 3


def _series(n: int) -> np.ndarray:
    """A decaying loss curve with AR(1) noise, like a step-level training log."""
    rng = np.random.default_rng(n)
    steps = np.arange(n)
    return 2.0 * np.exp(-steps / (n / 5)) + 0.05 * lfilter([1.0], [1.0, -0.9], rng.normal(size=n))


def _median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    print(f"{'n':>10}  {'ours (s)':>10}  {'pymannkendall (s)':>18}  {'speed-up':>9}  sen")
    for n in SIZES:
        x = _series(n)
        ours = _median_time(lambda x=x: trend_analysis(x, method="hamed_rao"), REPEATS)
        method = trend_analysis(x, method="hamed_rao").sen.method
        if n <= PMK_MAX_N:
            theirs = _median_time(
                lambda x=x: pymannkendall.hamed_rao_modification_test(x), PMK_REPEATS
            )
            print(f"{n:>10,}  {ours:>10.4f}  {theirs:>18.4f}  {theirs / ours:>8.0f}x  {method}")
        else:
            print(f"{n:>10,}  {ours:>10.4f}  {'(skipped: O(n^2))':>18}  {'':>9}  {method}")


if __name__ == "__main__":
    main()
