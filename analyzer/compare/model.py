"""What a comparison of training runs says: frozen domain types, mirrored field by field by the
JSON document (:mod:`analyzer.compare.codec`) and by the gRPC ``Comparison`` messages
(``proto/analyzer/api/v1/comparison.proto``, translated by :mod:`analyzer.api.codec`).

Numbers the runs cannot give are NaN (``null`` in JSON); enums travel as their string values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from analyzer.model.findings import Diagnosis


class Criterion(StrEnum):
    """What "better" means when runs are ranked."""

    #: The best smoothed level of the metric (what early stopping or a checkpoint keeps).
    BEST = "best"
    #: The level at the end of the aligned range (what the run ends with).
    FINAL = "final"


class Outcome(StrEnum):
    """The answer for one pair of runs ``(a, b)``."""

    A_BETTER = "a_better"
    B_BETTER = "b_better"
    #: The difference lies within the equivalence margin (TOST): no meaningful difference.
    EQUIVALENT = "equivalent"
    #: Neither a significant difference nor demonstrated equivalence: the noise hides the answer.
    NO_SIGNIFICANT_DIFFERENCE = "no_significant_difference"
    #: One of the runs has no estimate (too few points, no finite values).
    NOT_TESTABLE = "not_testable"


class Verdict(StrEnum):
    """The one-line answer for the whole comparison."""

    #: One run is significantly better than every other.
    CLEAR_WINNER = "clear_winner"
    #: Several runs share the first rank; others are significantly worse.
    TIED = "tied"
    #: Every run is within the equivalence margin of the best: no meaningful difference.
    EQUIVALENT = "equivalent"
    #: All runs share the first rank, but equivalence is not shown either.
    NO_SIGNIFICANT_DIFFERENCE = "no_significant_difference"
    #: Fewer than two runs have a usable estimate of the criterion.
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True)
class Estimate:
    """A measured number with its uncertainty: ``value`` with standard error ``se``, ``df``
    degrees of freedom and the 95% interval ``[low, high]``; ``at`` is the epoch or step it
    refers to (the best epoch, say); ``method`` says how it was measured. NaN when unknown."""

    value: float = math.nan
    se: float = math.nan
    df: float = math.nan
    low: float = math.nan
    high: float = math.nan
    at: float = math.nan
    method: str = ""

    @property
    def known(self) -> bool:
        return math.isfinite(self.value)


@dataclass(frozen=True)
class Alignment:
    """How the runs were put on a common footing before any measurement.

    ``method`` is ``common_epochs`` / ``common_steps`` (every run has the same points in the
    range), ``epoch_windows`` / ``step_windows`` (the range is cut into ``points`` windows of
    ``window`` epochs/steps and each run is averaged per window), or ``full`` (no alignment:
    each run over its own length, chosen by the caller). ``start``/``end`` bound the range.
    """

    method: str
    unit: str
    start: float
    end: float
    points: int
    window: float = math.nan
    description: str = ""


@dataclass(frozen=True)
class Measures:
    """One run's curve of the compared metric, measured over the aligned range.

    ``best`` and ``final`` carry standard errors from the run's own noise (see
    :mod:`analyzer.compare.measure`); ``target_reached_at`` is the epoch/step at which the
    smoothed curve first reaches the comparison's target level (NaN if never);
    ``time_constant`` is the time to close 1 - 1/e of the gap to the fitted asymptote
    (``tau`` of an exponential fit); ``relative_noise`` is the point-to-point noise over the
    second half relative to its level; ``spikes`` counts points a Hampel filter replaces;
    the gaps are (val - train) / train from the run's diagnosis (full run).
    """

    points: int
    points_dropped: int
    best: Estimate
    final: Estimate
    noise: float
    relative_noise: float
    spikes: int
    non_finite: int
    target_reached_at: Estimate
    time_constant: Estimate
    asymptote: Estimate
    relative_gap_at_best: float = math.nan
    relative_final_gap: float = math.nan


@dataclass(frozen=True)
class RunResult:
    """One run in the comparison: its name and source, its rank (1 = best; runs that cannot
    be told apart share a rank), its measurements and its own diagnosis."""

    name: str
    source: str
    rank: int
    measures: Measures
    diagnosis: Diagnosis


@dataclass(frozen=True)
class Difference:
    """A test of runs ``a`` against ``b`` on the criterion.

    ``scale`` is ``log_ratio`` (positive levels: ``estimate`` = ln(a/b), ``ratio`` = a/b) or
    ``difference`` (``estimate`` = a - b, ``ratio`` NaN). ``low``/``high`` bound ``estimate``
    (95%). ``standardized`` is (a - b) in units of the runs' pooled point noise (an effect size
    like Cohen's d). ``p_value`` is the two-sided Welch test, ``p_adjusted`` after the Holm
    correction across all pairs tested; ``equivalence_p`` the TOST p-value (Holm-adjusted too)
    for ``|estimate| < margin``.
    """

    a: str
    b: str
    outcome: Outcome
    scale: str
    estimate: float
    low: float
    high: float
    ratio: float
    standardized: float
    statistic: float
    df: float
    p_value: float
    p_adjusted: float
    equivalence_p: float
    margin: float
    test: str = "welch_t"


@dataclass(frozen=True)
class Comparison:
    """Everything the analyzer says about two or more runs of the same task.

    ``runs`` are in rank order. ``target``/``target_rule`` define the level every run's
    ``target_reached_at`` refers to. ``pairs`` says which pairs were tested (``all_pairs``,
    or ``best_and_adjacent`` for many runs: each run against the best and against its
    neighbour in the ranking), ``correction`` how p-values were adjusted for multiplicity.
    ``notes`` are the differences worth reading, in words.
    """

    verdict: Verdict
    winner: str | None
    metric: str
    direction: str
    criterion: Criterion
    alignment: Alignment
    runs: tuple[RunResult, ...]
    differences: tuple[Difference, ...]
    target: float
    target_rule: str
    pairs: str
    correction: str
    alpha: float
    margin: float
    summary: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    def run(self, name: str) -> RunResult:
        """The run called ``name`` (KeyError when there is none)."""
        for r in self.runs:
            if r.name == name:
                return r
        raise KeyError(name)

    def difference(self, a: str, b: str) -> Difference | None:
        """The test of ``a`` against ``b`` if that pair was tested (either order; the result
        is from ``a``'s side: ``A_BETTER`` means ``a`` is better)."""
        for d in self.differences:
            if (d.a, d.b) == (a, b):
                return d
            if (d.a, d.b) == (b, a):
                return flipped(d)
        return None


_FLIP = {Outcome.A_BETTER: Outcome.B_BETTER, Outcome.B_BETTER: Outcome.A_BETTER}


def flipped(d: Difference) -> Difference:
    """``d`` seen from ``b``'s side."""
    ratio = 1.0 / d.ratio if d.ratio == d.ratio else d.ratio
    return Difference(
        a=d.b, b=d.a, outcome=_FLIP.get(d.outcome, d.outcome), scale=d.scale,
        estimate=-d.estimate, low=-d.high, high=-d.low, ratio=ratio,
        standardized=-d.standardized, statistic=-d.statistic, df=d.df, p_value=d.p_value,
        p_adjusted=d.p_adjusted, equivalence_p=d.equivalence_p, margin=d.margin, test=d.test,
    )  # fmt: skip
