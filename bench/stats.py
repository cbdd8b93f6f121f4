"""Benchmark: full trend analysis (Mann-Kendall + Sen's slope with its interval).

Times ``analyzer.stats.trend.trend_analysis`` with ``method="hamed_rao"`` and with the default
method at n = 1e3..1e6 beside ``pymannkendall.hamed_rao_modification_test`` (which also
computes Sen's slope). pymannkendall materializes all n(n-1)/2 slopes (O(n^2) memory; it ran
out of memory at 1e5), so it is only run up to ``PMK_MAX_N``. Each figure is the median of
``REPEATS`` runs, as wall time and as CPU time (``time.process_time``, all threads of this
process): the machine is shared, so wall time also measures other people's load, and ratios
are taken between figures measured in the same run. The last table splits the n = 1e6 path
into its parts (CPU time).

Run: ``.venv/bin/python bench/stats.py``
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import pymannkendall
from scipy.signal import lfilter

from analyzer.stats.results import finite_points
from analyzer.stats.slope import PairwiseSlopes, summarize
from analyzer.stats.trend import DEFAULT_METHOD, mann_kendall, trend_analysis

SIZES = (1_000, 10_000, 100_000, 1_000_000)
PMK_MAX_N = 10_000
REPEATS = 5
PMK_REPEATS = 3
PARTS_N = 1_000_000


def _series(n: int) -> np.ndarray:
    """A decaying loss curve with AR(1) noise, like a step-level training log."""
    rng = np.random.default_rng(n)
    steps = np.arange(n)
    return 2.0 * np.exp(-steps / (n / 5)) + 0.05 * lfilter([1.0], [1.0, -0.9], rng.normal(size=n))


def _median_times(fn: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of ``repeats`` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _parts(n: int, method: str) -> dict[str, float]:
    """Median CPU seconds of each step of ``trend_analysis`` at ``n``, run as it runs them."""
    x = _series(n)
    steps: dict[str, list[float]] = {}
    for _ in range(REPEATS):
        marks = [time.process_time()]
        pts = finite_points(x)
        marks.append(time.process_time())
        slopes = PairwiseSlopes(pts.x, pts.t)
        b = slopes.median()
        marks.append(time.process_time())
        test = mann_kendall(pts.x, t=pts.t, method=method, slope=b)
        marks.append(time.process_time())
        summarize(slopes, pts.x, pts.t, dropped=0, alpha=0.05, var_s=test.var_s)
        marks.append(time.process_time())
        names = ("clean input", f"Sen's slope ({slopes.method})", "test", "interval + intercept")
        for name, start, stop in zip(names, marks, marks[1:], strict=False):
            steps.setdefault(name, []).append(stop - start)
    return {name: statistics.median(times) for name, times in steps.items()}


def main() -> None:
    print("median seconds, wall / CPU; speed-up = pymannkendall wall / ours wall")
    print(
        f"{'n':>10}  {'hamed_rao':>15}  {DEFAULT_METHOD:>15}  {'pymannkendall':>15}"
        f"  {'speed-up':>8}  sen"
    )
    for n in SIZES:
        x = _series(n)
        ours = _median_times(lambda x=x: trend_analysis(x, method="hamed_rao"), REPEATS)
        default = _median_times(lambda x=x: trend_analysis(x), REPEATS)
        sen = trend_analysis(x, method="hamed_rao").sen.method
        row = f"{n:>10,}  {ours[0]:>6.4f} / {ours[1]:.4f}  {default[0]:>6.4f} / {default[1]:.4f}"
        if n <= PMK_MAX_N:
            theirs = _median_times(
                lambda x=x: pymannkendall.hamed_rao_modification_test(x), PMK_REPEATS
            )
            ratio = f"{theirs[0] / ours[0]:>7.0f}x"
            print(f"{row}  {theirs[0]:>6.3f} / {theirs[1]:.3f}  {ratio:>8}  {sen}")
        else:
            print(f"{row}  {'(O(n^2) memory)':>15}  {'':>8}  {sen}")
    for method in ("hamed_rao", DEFAULT_METHOD):
        parts = _parts(PARTS_N, method)
        print(f"\nn = {PARTS_N:,}, method={method}: CPU seconds per part")
        for name, seconds in parts.items():
            print(f"  {name:<24} {seconds:.4f}")
        print(f"  {'total':<24} {sum(parts.values()):.4f}")


if __name__ == "__main__":
    main()
