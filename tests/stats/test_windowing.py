"""Window choice and aggregates of analyzer.stats.windowing, checked against pandas."""

import time
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter

from analyzer.stats.autocorr import acf, lag1_autocorrelation
from analyzer.stats.windowing import choose_window, window


def _ar1(phi: float, n: int, seed: int) -> np.ndarray:
    e = np.random.default_rng(seed).normal(size=n + 1000)
    return lfilter([1.0], [1.0, -phi], e)[1000:]


def test_iid_noise_gets_the_smallest_window_allowed():
    x = _ar1(0.0, 30_000, 1) + np.exp(-np.arange(30_000) / 5_000)
    size, rule, tau = choose_window(x, max_windows=300)
    assert rule == "max_windows"
    assert size == 100
    assert tau < 1.5


def test_autocorrelated_noise_gets_a_decorrelating_window():
    phi = 0.98  # tau = (1 + phi) / (1 - phi) = 99
    x = _ar1(phi, 30_000, 2) + 2.0 * np.exp(-np.arange(30_000) / 5_000)
    size, rule, tau = choose_window(x, max_windows=300)
    assert rule == "decorrelation"
    assert 60 < tau < 140
    assert size == int(np.ceil(2 * tau))
    assert size > 100  # larger than the i.i.d. choice (30_000 / 300)
    # the point of the rule: window means of the noise are nearly uncorrelated
    w = window(_ar1(phi, 30_000, 3), size=size)
    assert abs(lag1_autocorrelation(w.mean)) < 0.3
    w_small = window(_ar1(phi, 30_000, 3), size=20)
    assert lag1_autocorrelation(w_small.mean) > 0.5


def test_min_windows_caps_the_window():
    x = _ar1(0.999, 5_000, 4)
    size, rule, _ = choose_window(x, max_windows=300, min_windows=50)
    assert rule == "min_windows"
    assert size == 100


def test_aggregates_match_pandas_groupby():
    rng = np.random.default_rng(5)
    n, size = 10_007, 64
    x = rng.normal(size=n)
    x[rng.choice(n, 300, replace=False)] = np.nan
    x[rng.choice(n, 50, replace=False)] = np.inf
    x[rng.choice(n, 50, replace=False)] = -np.inf
    x[640:704] = np.nan  # one window with no finite value at all
    steps = np.cumsum(rng.integers(1, 4, n)).astype(float)
    w = window(x, steps, size=size)

    df = pd.DataFrame({"x": x, "step": steps, "g": np.arange(n) // size})
    fin = df.assign(x=df.x.where(np.isfinite(df.x)))
    g = fin.groupby("g")
    np.testing.assert_allclose(w.mean, g.x.mean().to_numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(w.median, g.x.median().to_numpy(), rtol=1e-12, equal_nan=True)
    np.testing.assert_array_equal(w.count, g.x.count().to_numpy())
    np.testing.assert_array_equal(
        w.nonfinite, df.groupby("g").x.apply(lambda s: int((~np.isfinite(s)).sum())).to_numpy()
    )
    np.testing.assert_array_equal(w.first_step, g.step.first().to_numpy())
    np.testing.assert_array_equal(w.last_step, g.step.last().to_numpy())
    np.testing.assert_allclose(w.center_step, g.step.mean().to_numpy())
    assert w.nonfinite.sum() == int((~np.isfinite(x)).sum())
    assert w.count[10] == 0 and np.isnan(w.mean[10]) and np.isnan(w.median[10])
    assert w.stop[-1] == n and w.count[-1] + w.nonfinite[-1] == n - w.start[-1]
    assert w.ok and w.size == size and w.rule == "given"


def test_empty_and_all_nan_are_insufficient_not_errors():
    e = window(np.array([]))
    assert not e.ok and e.n_windows == 0
    a = window(np.full(1000, np.nan))
    assert not a.ok and a.insufficient == "no finite values"
    assert a.nonfinite.sum() == 1000 and np.all(np.isnan(a.mean))


def test_rejects_mismatched_steps():
    with pytest.raises(ValueError):
        window(np.zeros(5), np.zeros(4))


def test_million_points_well_under_a_second():
    rng = np.random.default_rng(6)
    x = rng.normal(size=1_000_000) + np.exp(-np.arange(1_000_000) / 200_000)
    x[::997] = np.nan
    window(x[:1000])  # warm up imports and FFT plans
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        w = window(x)
        times.append(time.perf_counter() - t0)
    assert w.n_windows <= 300 and w.nonfinite.sum() == int(np.isnan(x).sum())
    assert sorted(times)[1] < 0.8


@pytest.mark.parametrize("scale", [1e160, 1e300])
def test_autocorrelation_of_a_diverged_loss_is_that_of_the_same_curve_at_unit_scale(scale):
    """The squares overflow beyond ~1e154; the autocorrelation does not depend on the unit."""
    rng = np.random.default_rng(2)
    y = np.cumsum(rng.normal(size=500))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and no overflow warning reaches the user
        huge = acf(y * scale, 20)
    assert np.allclose(huge, acf(y, 20), rtol=1e-9, atol=1e-12)
