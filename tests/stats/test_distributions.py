"""The fast normal and t functions give scipy.stats' numbers."""

import math

import numpy as np
import pytest
from scipy import stats

from analyzer.stats.distributions import StudentT, normal_cdf, normal_ppf, normal_sf

POINTS = [-40.0, -8.5, -1.96, -0.3, 0.0, 0.7, 1.644853626951, 3.2, 12.0, 38.0]
PROBABILITIES = [1e-12, 0.001, 0.025, 0.3, 0.5, 0.9, 0.975, 0.999999]


@pytest.mark.parametrize("z", POINTS)
def test_normal_matches_scipy(z):
    assert normal_sf(z) == pytest.approx(stats.norm.sf(z), rel=1e-12, abs=0)
    assert normal_cdf(z) == pytest.approx(stats.norm.cdf(z), rel=1e-12, abs=0)


@pytest.mark.parametrize("p", PROBABILITIES)
def test_normal_quantile_matches_scipy(p):
    assert normal_ppf(p) == pytest.approx(stats.norm.ppf(p), rel=1e-12)


@pytest.mark.parametrize("df", [1.0, 2.5, 7.0, 31.3, 1e4, math.inf])
def test_student_t_matches_a_frozen_scipy_t(df):
    ours, theirs = StudentT(df), stats.t(df)
    for x in POINTS:
        assert ours.sf(x) == pytest.approx(theirs.sf(x), rel=1e-10, abs=0)
        assert ours.cdf(x) == pytest.approx(theirs.cdf(x), rel=1e-10, abs=0)
    for p in PROBABILITIES:
        assert ours.ppf(p) == pytest.approx(theirs.ppf(p), rel=1e-9)


def test_tails_keep_precision_where_one_minus_cdf_underflows():
    assert normal_sf(30.0) > 1e-200 and 1.0 - stats.norm.cdf(30.0) == 0.0
    assert np.isclose(StudentT(3.0).sf(1e4), stats.t(3.0).sf(1e4), rtol=1e-10)
