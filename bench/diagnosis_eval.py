"""Diagnosis benchmark: our engine against the rules other tools use, on seeded synthetic runs.

Prints, in one run: per-code precision / recall / F1 of ``analyzer.analyze`` and of each
baseline (on the codes the baseline covers), macro F1, the false-alarm rate on healthy runs,
the median overfitting-onset error, primary accuracy, per-family exact-diagnosis rates, and the
in-process speed of ``analyzer.analyze`` on a 200-epoch log (goal < 20 ms) and a
1,000,000-step log (goal < 2 s), with a reference workload timed alongside (the machine is
shared and noisy, so compare ratios, not raw times).

    .venv/bin/python bench/diagnosis_eval.py [--seed 0] [--cases-per-family 12] [--quick]
    .venv/bin/python bench/diagnosis_eval.py --baselines-only   # before the engine exists
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence

import numpy as np

from analyzer.model.findings import Code
from analyzer.testing.baselines import BASELINES, COVERAGE
from analyzer.testing.scoring import (
    Prediction,
    Report,
    analyzer_detector,
    per_family_exact,
    predict,
    score,
)
from analyzer.testing.synthetic import Case, case, generate


def load_analyze() -> Callable[..., object]:
    """``analyzer.analyze``, imported only now, with a clear message when it is missing."""
    try:
        from analyzer import analyze
    except ImportError as exc:
        sys.exit(
            f"diagnosis_eval: analyzer.analyze is not available yet ({exc}). "
            "Run with --baselines-only to score the baselines alone."
        )
    return analyze


def fmt(value: float, width: int = 5) -> str:
    return f"{'-':>{width}}" if math.isnan(value) else f"{value:{width}.2f}"


def print_code_table(
    cases: Sequence[Case], ours: Report | None, baselines: dict[str, Report]
) -> None:
    names = list(baselines)
    header = f"{'code':28s} {'sup':>4s}"
    if ours is not None:
        header += f" | {'ours P':>6s} {'R':>5s} {'F1':>5s} {'FP':>3s}"
    header += "".join(f" | {n[:13]:>13s} F1" for n in names)
    print(header)
    print("-" * len(header))
    for code in Code:
        support = sum(code in c.expected for c in cases)
        row = f"{code.value:28s} {support:4d}"
        if ours is not None:
            s = ours.per_code[code]
            row += f" | {fmt(s.precision, 6)} {fmt(s.recall)} {fmt(s.f1)} {s.fp:3d}"
        for name in names:
            s = baselines[name].per_code.get(code)
            cell = fmt(s.f1, 13) if s is not None and (s.support or s.fp) else f"{'':>13s}"
            row += f" | {cell}   "
        print(row)


def print_summary(name: str, report: Report, ours_same_codes: Report | None) -> None:
    line = (
        f"{name:18s} macroF1 {fmt(report.macro_f1)}"
        f"  false-alarm {fmt(report.false_alarm_rate)} ({report.false_alarms}/"
        f"{report.healthy_cases})"
        f"  onset MAE {fmt(report.onset_median_abs_error, 6)} ep"
        f" ({fmt(report.onset_median_relative_error)} of run,"
        f" n={len(report.onset_errors_relative)})"
    )
    if report.primary_cases:
        line += f"  primary {fmt(report.primary_accuracy)}"
    if ours_same_codes is not None:
        line += f"  | ours on same codes: macroF1 {fmt(ours_same_codes.macro_f1)}"
    if report.errors:
        line += f"  ERRORS {len(report.errors)}"
    print(line)


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def speed(analyze: Callable[..., object], quick: bool) -> None:
    print("\nspeed of analyzer.analyze (median in-process time; reference = sorting a copy of")
    print("the training loss, timed in the same run)")
    for label, length, repeats, goal in (
        ("200 epochs", 200, 9 if quick else 31, 0.020),
        ("1,000,000 steps", 1_000_000, 2 if quick else 5, 2.0),
    ):
        c = case("overfitting", 1, noise=0.02, length=length)
        train = c.log.get("loss")
        assert train is not None
        ours = median_time(lambda c=c: analyze(c.log, hints=c.hints), repeats)
        ref = median_time(lambda v=train.values: np.sort(v), repeats)
        verdict = "ok" if ours < goal else "OVER GOAL"
        print(
            f"  {label:16s} {ours * 1e3:9.1f} ms  (goal < {goal * 1e3:.0f} ms: {verdict})"
            f"  reference {ref * 1e3:8.2f} ms  ratio {ours / ref:7.1f}x"
        )


def run(cases: Sequence[Case], analyze: Callable[..., object] | None, quick: bool) -> None:
    started = time.perf_counter()
    baseline_reports: dict[str, Report] = {}
    for name, baseline in BASELINES.items():
        baseline_reports[name] = score(cases, predict(baseline, cases), codes=COVERAGE[name])
    ours = None
    ours_predictions: list[Prediction] = []
    if analyze is not None:
        t0 = time.perf_counter()
        ours_predictions = predict(analyzer_detector(analyze), cases)
        elapsed = time.perf_counter() - t0
        ours = score(cases, ours_predictions)
        print(f"analyzer.analyze on {len(cases)} cases: {elapsed:.1f} s\n")

    print_code_table(cases, ours, baseline_reports)
    print()
    if ours is not None:
        print_summary("ours", ours, None)
    for name, report in baseline_reports.items():
        same = None
        if ours is not None:
            same = score(cases, ours_predictions, codes=COVERAGE[name])
        print_summary(name, report, same)

    if ours is not None:
        print("\nexact diagnosis rate per family (ours): all expected found, nothing unallowed")
        for family, rate in per_family_exact(cases, ours_predictions).items():
            print(f"  {family:28s} {rate:5.2f}")
        for error in ours.errors[:10]:
            print(f"  error: {error}")
        speed(analyze, quick)
    print(f"\ntotal {time.perf_counter() - started:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default 0)")
    parser.add_argument(
        "--cases-per-family", type=int, default=12, help="cases per family (default 12)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 cases per family, no 100,000-step cases"
    )
    parser.add_argument(
        "--baselines-only", action="store_true", help="score the baselines without our engine"
    )
    args = parser.parse_args(argv)
    analyze = None if args.baselines_only else load_analyze()
    if args.quick:
        cases = generate(args.seed, n_per_family=3, lengths=(5, 10, 20, 30, 50, 100, 200, 5000))
    else:
        cases = generate(args.seed, n_per_family=args.cases_per_family)
    long_cases = sum(c.length >= 100_000 for c in cases)
    print(f"{len(cases)} cases (seed {args.seed}, {long_cases} of 100,000 steps)")
    run(cases, analyze, args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
