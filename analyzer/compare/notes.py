"""The comparison in words: a one-line summary and the differences worth reading.

Sentences are built from the numbers in the :class:`Comparison` only, so every renderer (text,
Markdown, a client) can show the same words and the numbers behind them.
"""

from __future__ import annotations

import math

from analyzer.compare.model import Comparison, Outcome, RunResult, Verdict
from analyzer.detectors.base import fmt

#: Two runs' speed, noise or gap are called different when one is at least this many times
#: the other (and, for speed, the intervals do not overlap).
NOTABLE_FACTOR = 1.5


def _pm(value: float, se: float) -> str:
    return f"{fmt(value)} ± {fmt(1.96 * se, 2)}" if math.isfinite(se) else fmt(value)


def summary_for(c: Comparison) -> str:
    """One sentence: who wins, on what, and how sure."""
    what = f"{c.criterion.value} {c.metric}"
    if c.verdict is Verdict.INSUFFICIENT_DATA:
        return f"Not enough data to compare the runs' {what}."
    best = c.runs[0]
    if c.verdict is Verdict.CLEAR_WINNER:
        second = c.runs[1]
        d = c.difference(best.name, second.name)
        how = ""
        if d is not None and math.isfinite(d.ratio):
            how = f" ({fmt(d.ratio, 3)}x the runner-up's, Holm-adjusted p = {fmt(d.p_adjusted, 2)})"
        return f"{best.name} is best on {what}{how}."
    first = [r.name for r in c.runs if r.rank == 1]
    if c.verdict is Verdict.TIED:
        return (
            f"{', '.join(first)} are tied for best on {what} (not distinguishable at "
            f"alpha = {c.alpha:g}); the other runs are significantly worse."
        )
    if c.verdict is Verdict.EQUIVALENT:
        return (
            f"No meaningful difference: every run's {what} is within ±{c.margin:.0%} of the "
            f"best (equivalence test at alpha = {c.alpha:g})."
        )
    return (
        f"No significant difference in {what} between the runs at alpha = {c.alpha:g}; "
        f"equivalence within ±{c.margin:.0%} is not shown either (the noise is too large)."
    )


def _speed(c: Comparison, a: RunResult, b: RunResult) -> str | None:
    ta, tb = a.measures.target_reached_at, b.measures.target_reached_at
    unit = c.alignment.unit
    if ta.known and not tb.known:
        return (
            f"{a.name} reaches the target level {fmt(c.target)} at {unit} {fmt(ta.value, 3)}; "
            f"{b.name} never does."
        )
    if not (ta.known and tb.known):
        return None
    start = c.alignment.start
    ea, eb = ta.value - start, tb.value - start
    faster, slower = (a, b) if ea < eb else (b, a)
    fe, se = min(ea, eb), max(ea, eb)
    apart = not (math.isfinite(ta.se) and math.isfinite(tb.se)) or abs(ea - eb) > 1.96 * math.hypot(
        ta.se, tb.se
    )
    if se >= NOTABLE_FACTOR * max(fe, 1.0) and apart:
        return (
            f"{faster.name} reaches the target level {fmt(c.target)} after {fmt(fe, 3)} "
            f"{unit}s, {slower.name} after {fmt(se, 3)}: {slower.name} is slower."
        )
    return None


def _time_constant(a: RunResult, b: RunResult, unit: str) -> str | None:
    ta, tb = a.measures.time_constant, b.measures.time_constant
    if not (ta.known and tb.known) or min(ta.value, tb.value) <= 0:
        return None
    if max(ta.value, tb.value) < NOTABLE_FACTOR * min(ta.value, tb.value):
        return None
    fast, slow = (a, b) if ta.value < tb.value else (b, a)
    tf, ts = fast.measures.time_constant, slow.measures.time_constant
    return (
        f"Convergence time constant: {fast.name} {_pm(tf.value, tf.se)} {unit}s, "
        f"{slow.name} {_pm(ts.value, ts.se)} {unit}s."
    )


def _noise(a: RunResult, b: RunResult) -> str | None:
    na, nb = a.measures.relative_noise, b.measures.relative_noise
    if not (math.isfinite(na) and math.isfinite(nb)) or min(na, nb) <= 0:
        return None
    if max(na, nb) < NOTABLE_FACTOR * min(na, nb):
        return None
    calm, noisy = (a, b) if na < nb else (b, a)
    return (
        f"{noisy.name} is noisier: point-to-point noise {fmt(100 * max(na, nb), 2)}% of its "
        f"level over the second half, against {fmt(100 * min(na, nb), 2)}% for {calm.name}."
    )


def _gap(a: RunResult, b: RunResult) -> str | None:
    ga, gb = a.measures.relative_gap_at_best, b.measures.relative_gap_at_best
    if not (math.isfinite(ga) and math.isfinite(gb)) or abs(ga - gb) < 0.05:
        return None
    return (
        f"Generalization gap at the best epoch (val/train - 1): {a.name} {ga:+.0%}, "
        f"{b.name} {gb:+.0%}."
    )


def _difference(c: Comparison, a: RunResult, b: RunResult) -> str | None:
    d = c.difference(a.name, b.name)
    if d is None:
        return None
    crit = f"{c.criterion.value} {c.metric}"
    ea = getattr(a.measures, c.criterion.value)
    eb = getattr(b.measures, c.criterion.value)
    values = f"{_pm(ea.value, ea.se)} vs {_pm(eb.value, eb.se)}"
    test = f"Welch p = {fmt(d.p_adjusted, 2)} (Holm), {fmt(d.standardized, 3)} noise sigmas"
    if d.outcome is Outcome.EQUIVALENT:
        return (
            f"{a.name} vs {b.name}: no meaningful difference in {crit} ({values}; within "
            f"±{c.margin:.0%}, TOST p = {fmt(d.equivalence_p, 2)})."
        )
    if d.outcome is Outcome.NO_SIGNIFICANT_DIFFERENCE:
        return f"{a.name} vs {b.name}: no significant difference in {crit} ({values}; {test})."
    if d.outcome in (Outcome.A_BETTER, Outcome.B_BETTER):
        better = a.name if d.outcome is Outcome.A_BETTER else b.name
        return f"{a.name} vs {b.name}: {better} is better on {crit} ({values}; {test})."
    return None


def notes_for(c: Comparison, max_pairs: int = 5) -> tuple[str, ...]:
    """What differs between the best run and the next ones: the test on the criterion, speed,
    convergence time constant, noise and generalization gap, then each run's own verdict."""
    notes: list[str] = []
    best = c.runs[0]
    for other in c.runs[1 : 1 + max_pairs]:
        for sentence in (
            _difference(c, best, other),
            _speed(c, best, other),
            _time_constant(best, other, c.alignment.unit),
            _noise(best, other),
            _gap(best, other),
        ):
            if sentence:
                notes.append(sentence)
    for r in c.runs[: 1 + max_pairs]:
        primary = r.diagnosis.primary
        said = f"{primary.code}: {primary.summary}" if primary else "nothing to fix"
        notes.append(f"{r.name} on its own: {r.diagnosis.verdict.value} ({said})")
    return tuple(notes)
