"""Tests between runs, cross-checked against scipy's Welch test; Holm; ranks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from analyzer.compare.differences import holm, pairs_to_test, ranks, welch
from analyzer.compare.model import Difference, Estimate, Outcome


def _estimate(mean: float, sd: float, n: int) -> Estimate:
    return Estimate(value=mean, se=sd / math.sqrt(n), df=n - 1.0)


@pytest.mark.parametrize("seed", range(5))
def test_welch_on_differences_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    m1, m2 = -rng.uniform(1, 2), -rng.uniform(1, 2)  # negative levels: the plain difference
    s1, s2 = rng.uniform(0.1, 1), rng.uniform(0.1, 1)
    n1, n2 = int(rng.integers(5, 40)), int(rng.integers(5, 40))
    d = welch(_estimate(m1, s1, n1), _estimate(m2, s2, n2), 1.0, 1.0, 0.1, ("a", "b"))
    ref = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    assert d.scale == "difference"
    assert d.statistic == pytest.approx(ref.statistic, rel=1e-9)
    assert d.p_value == pytest.approx(ref.pvalue, rel=1e-9)
    # TOST = two one-sided Welch tests against the margin shifted into the first mean.
    m = d.margin
    lower = stats.ttest_ind_from_stats(m1 + m, s1, n1, m2, s2, n2, False, alternative="greater")
    upper = stats.ttest_ind_from_stats(m1 - m, s1, n1, m2, s2, n2, False, alternative="less")
    assert d.equivalence_p == pytest.approx(max(lower.pvalue, upper.pvalue), rel=1e-9)


def test_positive_levels_are_compared_as_log_ratios():
    a, b = Estimate(2.0, 0.02, 30.0), Estimate(1.0, 0.01, 30.0)
    d = welch(a, b, 0.1, 0.1, 0.02, ("a", "b"))
    assert d.scale == "log_ratio" and d.ratio == pytest.approx(2.0)
    assert d.estimate == pytest.approx(math.log(2.0))
    assert d.margin == pytest.approx(math.log(1.02))
    assert welch(Estimate(), b, 0.1, 0.1, 0.02, ("a", "b")).outcome is Outcome.NOT_TESTABLE


def test_holm_matches_the_step_down_definition():
    p = [0.01, 0.04, 0.03, 0.005, math.nan]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone: .02 .03 .06 .06
    expected = [0.03, 0.06, 0.06, 0.02]
    out = holm(p)
    assert out[:4] == pytest.approx(expected) and math.isnan(out[4])


def test_many_runs_test_best_and_neighbours_only():
    assert pairs_to_test(4)[0] == "all_pairs" and len(pairs_to_test(4)[1]) == 6
    kind, pairs = pairs_to_test(500)
    assert kind == "best_and_adjacent" and len(pairs) == 2 * 500 - 3
    assert len(set(pairs)) == len(pairs)


def _d(outcome: Outcome) -> Difference:
    nan = math.nan
    return Difference("a", "b", outcome, "log_ratio", *([nan] * 11), 0.02)


def test_ranks_tie_with_the_best_and_chain_below():
    better, same = _d(Outcome.A_BETTER), _d(Outcome.NO_SIGNIFICANT_DIFFERENCE)
    tested = {(0, 1): same, (0, 2): better, (0, 3): better, (1, 2): better, (2, 3): same,
              (0, 4): better, (3, 4): better}  # fmt: skip
    assert ranks(5, tested) == [1, 1, 3, 3, 5]
