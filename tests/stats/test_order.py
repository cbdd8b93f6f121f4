"""The fast median and ranks against numpy's median and scipy's rankdata, bit for bit (signed
zeros, ties, infinities, NaN)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata

from analyzer.stats.order import average_ranks, median


def _bits(value: float) -> bytes:
    return np.float64(value).tobytes()


@pytest.mark.parametrize("kind", ["normal", "ties", "zeros", "special", "nan"])
def test_median_is_numpys_float(kind: str) -> None:
    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(1, 60))
        a = rng.normal(size=n)
        if kind == "ties":
            a = np.round(a, 1)
        elif kind == "zeros":
            a = rng.choice([-0.0, 0.0, -1.0], size=n)
        elif kind == "special":
            a = rng.choice([-0.0, 0.0, 2.5, 1e308, -np.inf, np.inf], size=n)
        elif kind == "nan":
            a[rng.random(n) < 0.2] = np.nan
        with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, 1e308 + 1e308
            assert _bits(median(a)) == _bits(np.median(a)), a


def test_median_leaves_its_input_alone_and_fails_like_numpy_when_empty() -> None:
    a = np.array([3.0, 1.0, 2.0, 0.5])
    assert median(a) == 1.5
    assert a.tolist() == [3.0, 1.0, 2.0, 0.5]
    with pytest.warns(RuntimeWarning):
        assert np.isnan(median(np.zeros(0)))


def test_average_ranks_are_rankdatas_floats() -> None:
    rng = np.random.default_rng(13)
    cases = [rng.normal(size=1000), rng.integers(0, 9, 1000).astype(float), np.ones(5)]
    cases += [np.array([2.0]), np.array([-0.0, 0.0, -np.inf, np.inf, 1.0, 0.0])]
    cases += [np.round(rng.normal(size=int(n)), 1) for n in rng.integers(1, 80, 200)]
    for x in cases:
        ranks = average_ranks(x)
        assert ranks.dtype == np.float64 and ranks.tobytes() == rankdata(x).tobytes(), x
