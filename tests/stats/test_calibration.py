"""False-positive rates of the trend tests on trend-free noise (seeded simulations).

800 series of n = 200 per case, alpha = 0.05. A binomial(800, 0.05) count lies in
[23, 58] (rate 2.9%-7.3%) with probability 0.999, so a correct test fails here about once in
a thousand seeds; these seeds are fixed, so the outcome is deterministic.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import lfilter
from scipy.stats import binom

from analyzer.stats import trend

N, REPEATS, ALPHA = 200, 800, 0.05
LOW, HIGH = (binom.ppf(q, REPEATS, ALPHA) / REPEATS for q in (0.0005, 0.9995))


def _noise(phi: float, seed: int) -> np.ndarray:
    e = np.random.default_rng(seed).normal(size=(REPEATS, N + 200))
    return lfilter([1.0], [1.0, -phi], e, axis=1)[:, 200:]


def _rate(series: np.ndarray, method: str) -> float:
    return float(np.mean([trend.mann_kendall(x, method=method).p < ALPHA for x in series]))


@pytest.mark.parametrize("method", ["original", trend.DEFAULT_METHOD])
def test_independent_noise_is_called_a_trend_about_alpha_of_the_time(method: str) -> None:
    assert LOW <= _rate(_noise(0.0, 1), method) <= HIGH


def test_ar1_noise_fools_the_original_test_but_not_the_default() -> None:
    series = _noise(0.8, 2)
    original, default = _rate(series, "original"), _rate(series, trend.DEFAULT_METHOD)
    # Measured: original 49%, default 7%. The default's excess over 5% comes from the
    # small-sample error of the estimated autocorrelation (it shrinks as n grows).
    assert original > 0.4
    assert default < 0.09
