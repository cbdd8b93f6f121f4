"""Alignment of runs of different lengths and logging intervals; per-run measurements against
curves whose answers are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analyzer.compare.align import RunCurve, align
from analyzer.compare.measure import measure, reached_at
from analyzer.errors import InputError
from analyzer.settings import DEFAULT_SETTINGS


def _curve(name, n, every=1.0, unit="epoch", start=0.0):
    x = start + every * np.arange(n, dtype=float)
    return RunCurve(name, x, 1.0 + np.exp(-x / (10 * every)), unit)


def test_different_lengths_are_cut_to_the_common_range():
    spec, out = align([_curve("a", 100), _curve("b", 60)])
    assert (spec.method, spec.start, spec.end, spec.points) == ("common_epochs", 0, 59, 60)
    assert [o.dropped for o in out] == [40, 0] and all(o.x.size == 60 for o in out)
    full, raw = align([_curve("a", 100), _curve("b", 60)], mode="full")
    assert full.method == "full" and raw[0].x.size == 100


def test_different_logging_intervals_share_windows():
    spec, out = align([_curve("a", 1000, 10.0, "step"), _curve("b", 100, 100.0, "step")])
    assert spec.method == "step_windows" and spec.unit == "step"
    assert spec.points == 100 and spec.window == pytest.approx(9900 / 100)
    assert np.array_equal(out[0].x, out[1].x)
    # each window of a is the mean of its 10 points
    assert out[0].y[1] == pytest.approx(np.mean(_curve("a", 1000, 10.0).y[10:20]), rel=0.02)


def test_mixed_granularity_and_disjoint_runs_are_errors():
    with pytest.raises(InputError, match="per-epoch and per-step"):
        align([_curve("a", 10), _curve("b", 10, unit="step")])
    with pytest.raises(InputError, match="do not overlap"):
        align([_curve("a", 10), _curve("b", 10, start=50.0)])
    empty = RunCurve("c", np.arange(3.0), np.full(3, np.nan), "epoch")
    with pytest.raises(InputError, match="'c' has no finite values"):
        align([_curve("a", 10), empty])


@pytest.mark.parametrize("seed", range(4))
def test_noise_and_level_from_the_runs_own_noise(seed):
    rng = np.random.default_rng(seed)
    x = np.arange(200.0)
    clean = 0.5 + 2.0 * np.exp(-x / 20)
    sigma = 0.01
    m, s = measure(x, clean + sigma * rng.standard_normal(x.size), granularity="epoch",
                   sign=1.0, settings=DEFAULT_SETTINGS)  # fmt: skip
    assert m.noise == pytest.approx(sigma, rel=0.3)
    assert abs(m.final.value - clean[-1]) < 4 * m.final.se
    assert abs(m.best.value - clean.min()) < 3 * m.best.se
    tau = m.time_constant
    assert tau.method.startswith("exponential") and tau.low < 20 < tau.high
    assert m.asymptote.low < 0.5 < m.asymptote.high
    # The smooth crosses 1.0 where clean does (x = 20 ln 4 = 27.7), within its interval.
    hit = reached_at(s, 1.0, 1.0)
    assert abs(hit.value - 20 * math.log(4)) < max(2.0, 4 * hit.se)


def test_spikes_are_counted_and_higher_is_better_flips_the_best():
    x = np.arange(100.0)
    y = 0.8 - 0.3 * np.exp(-x / 10) + 0.001 * np.sin(x)  # accuracy-like: rising
    y_spiky = y.copy()
    y_spiky[[30, 60]] = 0.2  # drops are the bad direction for accuracy
    m, s = measure(x, y_spiky, granularity="epoch", sign=-1.0, settings=DEFAULT_SETTINGS)
    assert m.spikes == 2
    assert m.best.value == pytest.approx(0.8, abs=0.01) and m.best.at > 50
    assert not reached_at(s, 0.95, -1.0).known
