"""``compare(runs)``: which of two or more training runs is better, and how they differ.

Two phases, so a sweep of thousands of runs can be spread over processes or a cluster:

1. :func:`profile_run` (one run, independent of the others): load it, diagnose it, take the
   curves that may be compared and measure the likely one over its whole length.
2. :func:`compare_profiles` (all runs): choose the metric, align the runs
   (:mod:`analyzer.compare.align`), re-measure only the runs the alignment changed, set the
   target level, test the pairs the ranking needs, rank and explain.

``compare`` runs phase 1 in a local process pool for many runs (``workers``); a Dask or Ray map
over :func:`profile_run` followed by :func:`compare_profiles` does the same on a cluster
(``examples/distributed/``).
"""

from __future__ import annotations

import collections
import functools
import math
import multiprocessing
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.compare.align import Aligned, RunCurve, align
from analyzer.compare.differences import (
    ALL_PAIRS_MAX,
    decide,
    holm,
    pairs_to_test,
    ranks,
    welch,
)
from analyzer.compare.measure import Smoothed, measure, reached_at
from analyzer.compare.model import (
    Comparison,
    Criterion,
    Difference,
    Measures,
    Outcome,
    RunResult,
    Verdict,
)
from analyzer.compare.notes import notes_for, summary_for
from analyzer.detectors.context import Curve, RunContext, prepare
from analyzer.engine import diagnose_prepared
from analyzer.errors import InputError
from analyzer.ingest import load, load_runs
from analyzer.model import Direction, TrainingLog
from analyzer.model.findings import Diagnosis
from analyzer.model.hints import Hints
from analyzer.settings import DEFAULT_SETTINGS, Settings

#: Relative equivalence margin: runs whose criterion differs by less are "no meaningful
#: difference" (2%: below what a rerun with another seed usually moves a loss).
DEFAULT_MARGIN = 0.02
#: The target level sits this share of the worst run's improvement above its best level.
TARGET_SHARE = 0.1
#: Runs from which ``compare`` profiles in a process pool when ``workers`` is not given.
POOL_FROM = 64

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunSpec:
    """One run to compare: its name (None: from the log), a label for its source, and what to
    load (a path, bytes, or a parsed :class:`TrainingLog`)."""

    name: str | None
    label: str
    source: Any


@dataclass(frozen=True, eq=False)
class Profile:
    """Phase 1's result for one run (picklable: it travels back from worker processes)."""

    name: str
    label: str
    diagnosis: Diagnosis
    curves: Mapping[str, RunCurve]
    directions: Mapping[str, str]
    #: Measurements of ``measured`` over the whole curve (reused when alignment keeps it).
    measured: str | None = None
    full: tuple[Measures, Smoothed] | None = field(default=None, repr=False)


def resolve_runs(runs: Any) -> list[RunSpec]:
    """The runs named by ``runs``: paths (a directory gives one run per run inside it, as
    ``--each`` does), :class:`TrainingLog` objects, or ``(name, source)`` pairs."""
    if isinstance(runs, str | os.PathLike | TrainingLog | bytes):
        runs = [runs]
    specs: list[RunSpec] = []
    for item in runs:
        name, source = item if isinstance(item, tuple) and len(item) == 2 else (None, item)
        if name is not None and not isinstance(name, str):
            raise InputError(f"a run's name must be a string, got {type(name).__name__}")
        if isinstance(source, TrainingLog):
            specs.append(RunSpec(name or source.run_name, source.run_name or "<log>", source))
        elif isinstance(source, str | os.PathLike) and name is None and Path(source).is_dir():
            specs.extend(RunSpec(log.run_name, str(source), log) for log in load_runs(source))
        elif isinstance(source, str | os.PathLike):
            specs.append(RunSpec(name, str(source), source))
        elif isinstance(source, bytes):
            specs.append(RunSpec(name, name or "<bytes>", source))
        else:
            raise InputError(
                f"cannot compare a {type(source).__name__}: give paths, TrainingLogs or "
                "(name, source) pairs"
            )
    return specs


def with_unique_names(specs: Sequence[RunSpec], profiles: Sequence[Profile]) -> list[Profile]:
    """``profiles`` (of ``specs``, in order) renamed so that no two share a name: runs with the
    same name (two ``log.csv``) get their folder's name in front, then a number."""
    names = _unique_names(specs, [p.name for p in profiles])
    return [replace(p, name=n) for p, n in zip(profiles, names, strict=True)]


def _unique_names(specs: Sequence[RunSpec], logs_names: Sequence[str | None]) -> list[str]:
    names = [n or f"run {i + 1}" for i, n in enumerate(logs_names)]
    seen = collections.Counter(names)
    if all(c == 1 for c in seen.values()):
        return names
    # Same run name from different sources (two `log.csv`): their folders tell them apart.
    out = [
        n if seen[n] == 1 or not Path(s.label).parent.name else f"{Path(s.label).parent.name}/{n}"
        for n, s in zip(names, specs, strict=True)
    ]
    still = collections.Counter(out)
    return [n if still[n] == 1 else f"{n} #{i + 1}" for i, n in enumerate(out)]


def _run_curve(name: str, curve: Curve) -> RunCurve:
    return RunCurve(name, curve.steps, curve.values, str(curve.granularity))


def profile_run(
    spec: RunSpec,
    *,
    metric: str | None = None,
    hints: Hints | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    load_options: Mapping[str, Any] | None = None,
) -> Profile:
    """Phase 1 for one run: load, diagnose, keep the comparable curves, measure the likely one.

    ``metric`` None keeps the validation and training loss as the diagnosis prepares them
    (step logs windowed, error rate when the log has no loss)."""
    if isinstance(spec.source, TrainingLog):
        log = spec.source
    else:
        log = load(spec.source, **dict(load_options or {}))
    name = spec.name or log.run_name or spec.label
    ctx = RunContext(log, hints, settings or DEFAULT_SETTINGS)
    diagnosis = diagnose_prepared(ctx)
    curves: dict[str, RunCurve] = {}
    directions: dict[str, str] = {}
    if metric is None:
        for c in (ctx.val, ctx.train):
            if c is not None:
                curves[c.name] = _run_curve(name, c)
                directions[c.name] = "lower"
    else:
        series = log.by_name(metric)
        if series is not None:
            if series.direction is Direction.NONE:
                raise InputError(f"{metric!r} has no better direction (a learning rate?)",
                                 source=spec.label, field=metric)  # fmt: skip
            curves[metric] = _run_curve(name, prepare(series, settings))
            directions[metric] = str(series.direction)
    measured = next(iter(curves), None)
    full = None
    if measured is not None:
        c = curves[measured]
        full = measure(c.x, c.y, granularity=c.granularity, sign=_sign(directions[measured]),
                       settings=settings)  # fmt: skip
    return Profile(name, spec.label, diagnosis, curves, directions, measured, full)


def _sign(direction: str) -> float:
    return -1.0 if direction == "higher" else 1.0


def _choose_metric(profiles: Sequence[Profile], metric: str | None) -> str:
    if metric is not None:
        missing = [p.name for p in profiles if metric not in p.curves]
        if missing:
            raise InputError(
                f"no {metric!r} series in {len(missing)} run(s): {', '.join(missing[:5])}",
                field=metric,
            )
        return metric
    common = set.intersection(*(set(p.curves) for p in profiles))
    if common:  # validation first: it says how the model generalizes
        return min(common, key=lambda n: (not n.startswith("val"), n))
    raise InputError(
        "the runs have no loss series in common (give metric=... to choose one): "
        + "; ".join(f"{p.name}: {', '.join(p.curves) or 'none'}" for p in profiles[:5])
    )


def _map(fn: Callable, items: Sequence, workers: int, progress: Progress | None) -> list:
    total = len(items)
    if workers <= 1 or total < 2:
        out = []
        for i, item in enumerate(items):
            out.append(fn(item))
            if progress:
                progress(i + 1, total)
        return out
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunk = max(1, total // (workers * 8))
    out = []
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for i, result in enumerate(pool.map(fn, items, chunksize=chunk)):
            out.append(result)
            if progress and ((i + 1) % chunk == 0 or i + 1 == total):
                progress(i + 1, total)
    return out


def _target(smoothed: Sequence[Smoothed], bests: Sequence[float], sign: float):
    known = [i for i, b in enumerate(bests) if math.isfinite(b)]
    if not known:
        return math.nan, "no run has a best level"
    worst = max(known, key=lambda i: sign * bests[i])
    best, first = bests[worst], float(smoothed[worst].smooth[0])
    improvement = max(0.0, sign * (first - best))
    target = best + sign * TARGET_SHARE * improvement
    rule = (
        f"the worst run's best smoothed level {best:.4g} plus {TARGET_SHARE:.0%} of its "
        f"improvement from its first point ({first:.4g}): the level every run reaches"
    )
    return target, rule


def check_options(alpha: float | None, margin: float) -> None:
    """Raise an :class:`InputError` naming the field unless ``alpha`` (None: the settings')
    lies strictly between 0 and 1 and ``margin`` is a finite positive number. Cheap, so the
    callers check before the runs are read, not only once they have been diagnosed."""
    if alpha is not None and not 0 < alpha < 1:
        raise InputError(f"alpha must lie between 0 and 1, got {alpha}", field="alpha")
    if not (margin > 0 and math.isfinite(margin)):
        raise InputError(f"margin must be a positive number, got {margin}", field="margin")


def compare_profiles(
    profiles: Sequence[Profile],
    *,
    metric: str | None = None,
    criterion: Criterion | str = Criterion.BEST,
    alignment: str = "common",
    alpha: float | None = None,
    margin: float = DEFAULT_MARGIN,
    all_pairs_max: int = ALL_PAIRS_MAX,
    settings: Settings = DEFAULT_SETTINGS,
) -> Comparison:
    """Phase 2: align, measure, test, rank and explain the profiled runs."""
    if len(profiles) < 2:
        raise InputError(f"comparing needs at least two runs, got {len(profiles)}")
    check_options(alpha, margin)
    criterion = Criterion(criterion)
    alpha = settings.alpha if alpha is None else alpha
    metric = _choose_metric(profiles, metric)
    direction = profiles[0].directions[metric]
    sign = _sign(direction)
    curves = [p.curves[metric] for p in profiles]
    spec, aligned = align(curves, mode=alignment, max_windows=settings.max_windows)

    measured: list[tuple[Measures, Smoothed]] = []
    for p, a, c in zip(profiles, aligned, curves, strict=True):
        measured.append(_measure_aligned(p, a, c, metric, sign, settings))
    target, rule = _target([s for _, s in measured], [m.best.value for m, _ in measured], sign)
    results = []
    for p, (m, s) in zip(profiles, measured, strict=True):
        reached = reached_at(s, target, sign) if math.isfinite(target) else m.target_reached_at
        summary = p.diagnosis.summary
        m = replace(m, target_reached_at=reached, relative_gap_at_best=summary.relative_gap_at_best,
                    relative_final_gap=summary.relative_final_gap)  # fmt: skip
        results.append((p, m))

    def key(item: tuple[Profile, Measures]) -> tuple[bool, float]:
        value = getattr(item[1], criterion.value).value
        return (not math.isfinite(value), sign * value if math.isfinite(value) else 0.0)

    results.sort(key=key)
    names = [p.name for p, _ in results]
    pairs, index_pairs = pairs_to_test(len(results), all_pairs_max)
    raw = []
    for i, j in index_pairs:
        ma, mb = results[i][1], results[j][1]
        ea, eb = getattr(ma, criterion.value), getattr(mb, criterion.value)
        raw.append(welch(ea, eb, ma.noise, mb.noise, margin, (names[i], names[j])))
    p_adj = holm([d.p_value for d in raw])
    eq_adj = holm([d.equivalence_p for d in raw])
    tested = {
        ij: decide(d, pa, pe, sign, alpha)
        for ij, d, pa, pe in zip(index_pairs, raw, p_adj, eq_adj, strict=True)
    }
    rank = ranks(len(results), tested)
    runs = tuple(
        RunResult(p.name, p.label, r, m, p.diagnosis)
        for (p, m), r in zip(results, rank, strict=True)
    )
    differences = tuple(tested[ij] for ij in index_pairs)
    verdict, winner = _verdict(runs, differences, criterion)
    comparison = Comparison(
        verdict=verdict, winner=winner, metric=metric, direction=direction,
        criterion=criterion, alignment=spec, runs=runs, differences=differences,
        target=target, target_rule=rule, pairs=pairs, correction="holm", alpha=alpha,
        margin=margin, summary="",
    )  # fmt: skip
    warnings = tuple(f"{r.name}: {w}" for r in runs for w in r.diagnosis.warnings)
    return replace(comparison, summary=summary_for(comparison), notes=notes_for(comparison),
                   warnings=warnings)  # fmt: skip


def _measure_aligned(
    p: Profile, a: Aligned, c: RunCurve, metric: str, sign: float, settings: Settings
) -> tuple[Measures, Smoothed]:
    unchanged = a.dropped == 0 and (
        a.x is c.x or (np.array_equal(a.x, c.x) and np.array_equal(a.y, c.y, equal_nan=True))
    )
    if p.full is not None and p.measured == metric and unchanged:
        return p.full
    return measure(a.x, a.y, granularity=c.granularity, sign=sign, settings=settings,
                   points_dropped=a.dropped)  # fmt: skip


def _verdict(
    runs: Sequence[RunResult], differences: Sequence[Difference], criterion: Criterion
) -> tuple[Verdict, str | None]:
    estimates = [getattr(r.measures, criterion.value) for r in runs]
    usable = [e for e in estimates if e.known and math.isfinite(e.se)]
    if len(usable) < 2:
        return Verdict.INSUFFICIENT_DATA, None
    first = [r for r in runs if r.rank == 1]
    if len(first) == 1:
        return Verdict.CLEAR_WINNER, first[0].name
    if len(first) < len(usable):
        return Verdict.TIED, None
    best = runs[0].name
    vs_best = [d for d in differences if best in (d.a, d.b)]
    if vs_best and all(d.outcome is Outcome.EQUIVALENT for d in vs_best):
        return Verdict.EQUIVALENT, None
    return Verdict.NO_SIGNIFICANT_DIFFERENCE, None


def profile_runs(
    runs: Any,
    *,
    metric: str | None = None,
    hints: Hints | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    workers: int | None = None,
    progress: Progress | None = None,
    **load_options: Any,
) -> list[Profile]:
    """Phase 1 for every run in ``runs`` (see :func:`compare`), with unique run names."""
    specs = resolve_runs(runs)
    if len(specs) < 2:
        raise InputError(f"comparing needs at least two runs, got {len(specs)}")
    if workers is None:
        workers = (os.cpu_count() or 1) if len(specs) >= POOL_FROM else 1
    fn = functools.partial(
        profile_run, metric=metric, hints=hints, settings=settings, load_options=load_options
    )
    return with_unique_names(specs, _map(fn, specs, workers, progress))


def compare(
    runs: Any,
    *,
    metric: str | None = None,
    hints: Hints | Mapping[str, Any] | None = None,
    criterion: Criterion | str = Criterion.BEST,
    alignment: str = "common",
    alpha: float | None = None,
    margin: float = DEFAULT_MARGIN,
    settings: Settings | Mapping[str, Any] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    **load_options: Any,
) -> Comparison:
    """Compare two or more runs of the same task: rank them and say how they differ.

    ``runs``: paths (a directory gives one run per run inside it, like ``--each``),
    :class:`TrainingLog` objects or ``(name, source)`` pairs. ``metric``: the series compared
    (default: validation loss when every run has one, else training loss). ``hints`` apply to
    every run's diagnosis. ``criterion``: ``best`` (lowest smoothed level) or ``final``.
    ``alignment``: ``common`` (the range every run covers) or ``full``. ``alpha``: the error
    rate of every claim (default ``settings.alpha``), Holm-corrected across pairs. ``margin``:
    relative differences below it are "no meaningful difference". ``workers``: processes for
    loading and diagnosing (default: 1 below 64 runs, else every CPU); ``progress(done,
    total)`` is called as runs are profiled. ``load_options`` go to ``analyzer.ingest.load``.
    """
    check_options(alpha, margin)
    if isinstance(hints, Mapping):
        hints = Hints(**hints)
    if isinstance(settings, Mapping):
        settings = Settings(**settings)
    settings = settings or DEFAULT_SETTINGS
    profiles = profile_runs(
        runs, metric=metric, hints=hints, settings=settings, workers=workers, progress=progress,
        **load_options,
    )  # fmt: skip
    return compare_profiles(
        profiles, metric=metric, criterion=criterion, alignment=alignment, alpha=alpha,
        margin=margin, settings=settings,
    )  # fmt: skip
