"""Benchmark of ``analyzer.compare``: speed on a sweep, and quality on pairs with known answers.

Speed: 1,000 synthetic runs of 100 epochs (``analyzer.testing.synthetic`` healthy and
overfitting families) compared at once, median over repeats, against a plain ``diagnose``
of the same runs in the same process (the floor: a comparison includes every run's diagnosis).
With many runs, ``compare`` tests each run against the best and its neighbour in the ranking
(``2k - 3`` tests), not all ``k(k-1)/2`` pairs.

Quality: pairs from ``analyzer.testing.synthetic_pairs`` at three noise levels: on ``equal``
pairs, how often a difference is claimed (must stay at or below alpha); on ``better`` pairs, how
often it is found; on ``slower`` pairs, how often b is said to reach the target later.

    .venv/bin/python bench/compare.py [--runs 1000] [--repeats 3] [--pairs 200] [--only speed]
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import time

from analyzer.compare import Outcome, compare
from analyzer.engine import diagnose
from analyzer.testing.synthetic import case
from analyzer.testing.synthetic_pairs import KINDS, pairs

ALPHA = 0.05


def sweep(n: int, length: int) -> list:
    families = ("healthy", "overfitting")  # a sweep: every run logs val_loss
    return [case(families[i % 2], seed=i, length=length).log for i in range(n)]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def speed(runs: int, length: int, repeats: int) -> None:
    logs = sweep(runs, length)
    base, serial, parallel = [], [], []
    for _ in range(repeats):
        base.append(timed(lambda: [diagnose(log) for log in logs]))
        serial.append(timed(lambda: compare(logs, workers=1)))
        parallel.append(timed(lambda: compare(logs)))
    b, s, p = (statistics.median(v) for v in (base, serial, parallel))
    c = compare(logs)
    print(f"speed: {runs} runs of {length} epochs, median of {repeats} ({os.cpu_count()} CPUs)")
    print(f"  diagnose only (baseline)   {b:6.2f} s   {1e3 * b / runs:6.2f} ms/run")
    print(f"  compare, one process       {s:6.2f} s   {1e3 * s / runs:6.2f} ms/run   "
          f"{s / b:.2f}x the baseline")  # fmt: skip
    print(f"  compare, process pool      {p:6.2f} s   {1e3 * p / runs:6.2f} ms/run   "
          f"{p / b:.2f}x the baseline   goal < 10 s: {'met' if p < 10 else 'MISSED'}")  # fmt: skip
    print(f"  tests: {len(c.differences)} ({c.pairs}; all pairs would be "
          f"{runs * (runs - 1) // 2:,}); verdict {c.verdict.value}")  # fmt: skip


def quality(count: int) -> None:
    print(f"quality: {count} pairs per kind and noise level, alpha = {ALPHA}")
    print(f"  {'noise':>6} {'kind':<7} {'criterion':<9} {'claims a difference':>20} "
          f"{'finds a better':>15} {'b slower':>9}")  # fmt: skip
    for noise in (0.005, 0.02, 0.05):
        for kind in KINDS:
            for criterion in ("best", "final"):
                if kind == "slower" and criterion == "final":
                    continue
                seen = collections.Counter()
                for p in pairs(kind, count, noise=noise):
                    c = compare([p.a, p.b], criterion=criterion, alpha=ALPHA)
                    d = c.difference(p.a.run_name, p.b.run_name)
                    seen["claim"] += d.outcome in (Outcome.A_BETTER, Outcome.B_BETTER)
                    seen["found"] += d.outcome is Outcome.A_BETTER
                    ta = c.run(p.a.run_name).measures.target_reached_at
                    tb = c.run(p.b.run_name).measures.target_reached_at
                    seen["slower"] += any(f"{p.b.run_name} is slower" in n for n in c.notes) and (
                        tb.value > ta.value
                    )
                print(f"  {noise:>6g} {kind:<7} {criterion:<9} {seen['claim'] / count:>20.1%} "
                      f"{seen['found'] / count:>15.1%} {seen['slower'] / count:>9.1%}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--only", choices=("speed", "quality"), help="run one part only")
    args = parser.parse_args()
    if args.only != "quality":
        speed(args.runs, args.length, args.repeats)
    if args.only != "speed":
        quality(args.pairs)


if __name__ == "__main__":
    main()
