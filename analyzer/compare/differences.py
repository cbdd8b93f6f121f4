"""Tests between runs, the multiplicity correction, and the ranking they support.

Each run's criterion is an :class:`Estimate` with a standard error from its own noise, and
different runs' noise is independent, so two runs are compared with a Welch test on the two
estimates (Welch-Satterthwaite degrees of freedom). Positive levels (every loss we know) are
compared on the log scale: the estimate is ln(a/b), a 2% difference means the same at loss 2.3
and 0.02, and the equivalence margin is relative. Otherwise the plain difference is tested and
the margin is taken relative to the mean magnitude of the two levels.

"No meaningful difference" is a result of its own: two one-sided tests (TOST) that the
difference lies within ``±margin``. Per pair: equivalent when TOST rejects; else better/worse
when the difference test rejects; else no significant difference. Both families of p-values are
Holm-adjusted over all the pairs tested, which keeps the chance of any false claim at ``alpha``.

Which pairs: every pair up to ``all_pairs_max`` runs; beyond, each run against the best and
against its neighbour in the ranking (``2k - 3`` tests instead of ``k(k-1)/2``), which is all
the ranking needs. Ranks: the best run is 1; a run shares rank 1 when it is not significantly
worse than the best; a run further down shares its neighbour's rank when the two cannot be told
apart, else its rank is its position (competition ranking). Ties chain down the list, as
neighbour comparisons do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from analyzer.compare.model import Difference, Estimate, Outcome
from analyzer.stats.distributions import StudentT

ALL_PAIRS_MAX = 10


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count as a test)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.size, math.nan)
    tested = np.flatnonzero(np.isfinite(p))
    m = tested.size
    if m == 0:
        return out.tolist()
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    out[order] = np.maximum.accumulate(scaled)
    return out.tolist()


def pairs_to_test(k: int, all_pairs_max: int = ALL_PAIRS_MAX) -> tuple[str, list[tuple[int, int]]]:
    """Which pairs of ranked positions ``(i, j)``, ``i < j``, to test among ``k`` runs."""
    if k <= all_pairs_max:
        return "all_pairs", [(i, j) for i in range(k) for j in range(i + 1, k)]
    pairs = [(0, j) for j in range(1, k)] + [(j, j + 1) for j in range(1, k - 1)]
    return "best_and_adjacent", pairs


def welch(
    a: Estimate, b: Estimate, noise_a: float, noise_b: float, margin: float, names: tuple[str, str]
) -> Difference:
    """Welch difference test and TOST of ``a`` against ``b`` (p-values not yet adjusted)."""
    nan = math.nan
    if not (a.known and b.known and math.isfinite(a.se) and math.isfinite(b.se)):
        return Difference(names[0], names[1], Outcome.NOT_TESTABLE, "difference", nan, nan, nan,
                          nan, nan, nan, nan, nan, nan, nan, margin)  # fmt: skip
    log_scale = a.value > 0 and b.value > 0
    if log_scale:
        est = math.log(a.value / b.value)
        sa, sb = a.se / a.value, b.se / b.value
        m = math.log1p(margin)
    else:
        est = a.value - b.value
        sa, sb = a.se, b.se
        m = margin * (abs(a.value) + abs(b.value)) / 2
    se = math.hypot(sa, sb)
    pooled = math.sqrt((noise_a**2 + noise_b**2) / 2) if noise_a == noise_a else nan
    standardized = (a.value - b.value) / pooled if pooled and pooled == pooled else nan
    scale = "log_ratio" if log_scale else "difference"
    ratio = math.exp(est) if log_scale else nan
    if se == 0:  # noise-free curves: any difference is exact
        p = 0.0 if est != 0 else 1.0
        eq = 0.0 if abs(est) < m else 1.0
        t = math.copysign(math.inf, est) if est else 0.0
        return Difference(names[0], names[1], Outcome.NOT_TESTABLE, scale, est, est, est, ratio,
                          standardized, t, math.inf, p, p, eq, m)  # fmt: skip
    va, vb = sa**2, sb**2
    df = (va + vb) ** 2 / (va**2 / a.df + vb**2 / b.df)
    dist = StudentT(df)
    t = est / se
    p = 2.0 * dist.sf(abs(t))
    eq = max(dist.sf((est + m) / se), dist.cdf((est - m) / se))
    half = dist.ppf(0.975) * se
    return Difference(
        names[0], names[1], Outcome.NOT_TESTABLE, scale, est, est - half, est + half, ratio,
        standardized, t, df, p, p, eq, m,
    )  # fmt: skip


def decide(d: Difference, p_adjusted: float, eq_adjusted: float, sign: float, alpha: float):
    """``d`` with adjusted p-values and its outcome (``sign`` 1: lower is better)."""
    if not math.isfinite(p_adjusted):
        outcome = Outcome.NOT_TESTABLE
    elif eq_adjusted < alpha:
        outcome = Outcome.EQUIVALENT
    elif p_adjusted < alpha:
        outcome = Outcome.A_BETTER if sign * d.estimate < 0 else Outcome.B_BETTER
    else:
        outcome = Outcome.NO_SIGNIFICANT_DIFFERENCE
    return replace(d, outcome=outcome, p_adjusted=p_adjusted, equivalence_p=eq_adjusted)


def ranks(k: int, tested: dict[tuple[int, int], Difference]) -> list[int]:
    """Ranks of ``k`` runs in criterion order from the tests between positions (see module)."""
    out = [1] * k
    for j in range(1, k):
        vs_best = tested.get((0, j))
        if vs_best is None or vs_best.outcome is Outcome.NOT_TESTABLE:
            out[j] = j + 1
            continue
        if vs_best.outcome is not Outcome.A_BETTER:
            out[j] = 1
            continue
        previous = tested.get((j - 1, j))
        same = previous is not None and previous.outcome in (
            Outcome.EQUIVALENT, Outcome.NO_SIGNIFICANT_DIFFERENCE,
        )  # fmt: skip
        out[j] = out[j - 1] if same and out[j - 1] != 1 else j + 1
    return out
