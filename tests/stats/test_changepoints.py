"""Change points on synthetic piecewise curves with known breaks."""

import time

import numpy as np
import pytest
import ruptures as rpt
from ruptures.base import BaseCost

from analyzer.stats import changepoints
from analyzer.stats.changepoints import SegmentRSS, change_points, pelt
from analyzer.stats.shape import noise_scale

# SegmentRSS has ruptures' cost interface without depending on ruptures; registering it lets
# ruptures.Pelt search with the very same cost (Pelt silently ignores a custom_cost that is not
# a BaseCost, hence the `algo.cost is cost` checks below).
BaseCost.register(SegmentRSS)

T = np.arange(200.0)


def _lr_drop(rng) -> np.ndarray:
    """Exponential decay, then a learning-rate drop at epoch 100: a step down and a new decay."""
    y = np.where(T < 100, 0.6 + 1.5 * np.exp(-T / 25), 0.3 + 0.2 * np.exp(-(T - 100) / 5))
    return y + rng.normal(0, 0.02, T.size)


def _overfit(rng) -> np.ndarray:
    """Validation loss that falls, flattens and rises linearly from epoch 100."""
    y = 0.4 + 1.5 * np.exp(-T / 15) + 0.004 * np.maximum(0.0, T - 100)
    return y + rng.normal(0, 0.02, T.size)


@pytest.mark.parametrize("seed", range(4))
def test_learning_rate_drop_is_found_at_its_epoch(seed):
    r = change_points(_lr_drop(np.random.default_rng(seed)))
    assert r.ok and min(abs(i - 100) for i in r.indices) <= 2
    # other boundaries are only in the steep start of the decay (its curvature), not after
    assert all(i < 70 or abs(i - 100) <= 15 for i in r.indices)


@pytest.mark.parametrize("seed", range(4))
def test_start_of_overfitting_is_found(seed):
    r = change_points(_overfit(np.random.default_rng(seed)))
    assert min(abs(i - 100) for i in r.indices) <= 8
    assert max(r.indices) <= 110


def test_pure_noise_has_no_breaks():
    found = [change_points(np.random.default_rng(s).normal(size=200)).indices for s in range(6)]
    assert sum(len(f) for f in found) <= 1


def test_smooth_decay_has_few_breaks():
    # A known limit of linear segments: a clearly curved decay is cut into a few lines.
    counts = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        y = 0.5 + 1.0 * np.exp(-T / 80) + rng.normal(0, 0.05, T.size)
        counts.append(len(change_points(y).indices))
    assert max(counts) <= 3 and np.mean(counts) <= 2.5


def test_l2_model_finds_mean_shifts_and_the_penalty_follows_noise():
    rng = np.random.default_rng(7)
    y = np.concatenate([np.zeros(80), np.ones(70), np.zeros(50)]) + rng.normal(0, 0.2, 200)
    r = change_points(y, model="l2")
    assert len(r.indices) == 2
    assert abs(r.indices[0] - 80) <= 2 and abs(r.indices[1] - 150) <= 2
    assert r.sigma == pytest.approx(0.2, rel=0.2)
    assert r.penalty == pytest.approx(2 * r.sigma**2 * np.log(200))
    assert r.segments == ((0, r.indices[0]), (r.indices[0], r.indices[1]), (r.indices[1], 200))


def test_segment_cost_matches_least_squares():
    rng = np.random.default_rng(8)
    y = rng.normal(size=50).cumsum()
    cost = SegmentRSS("linear").fit(y)
    for start, end in [(0, 50), (3, 17), (20, 24)]:
        t = np.arange(start, end, dtype=float)
        _, res, *_ = np.linalg.lstsq(np.column_stack([np.ones_like(t), t]), y[start:end])
        assert cost.error(start, end) == pytest.approx(float(res[0]), rel=1e-7, abs=1e-9)
    l2 = SegmentRSS("l2").fit(y)
    assert l2.error(5, 30) == pytest.approx(float(np.sum((y[5:30] - y[5:30].mean()) ** 2)))


def test_steps_nan_and_indices_map_back():
    rng = np.random.default_rng(9)
    y = _lr_drop(rng)
    y[[10, 50, 99]] = np.nan
    steps = 1000 + 10 * T
    r = change_points(y, steps)
    near = min(r.indices, key=lambda i: abs(i - 100))
    assert abs(near - 100) <= 2
    assert r.steps[r.indices.index(near)] == steps[near]
    assert r.segments[0][0] == 0 and r.segments[-1][1] == 200
    assert all(a == b for (_, a), (b, _) in zip(r.segments[:-1], r.segments[1:], strict=True))
    assert r.segment_steps[0] == (steps[0], steps[r.segments[0][1] - 1])


def test_long_series_is_windowed_and_fast():
    rng = np.random.default_rng(10)
    n = 1_000_000
    y = 0.3 * np.exp(-np.arange(n) / 300_000) + rng.normal(0, 0.5, n)
    y[600_000:] -= 0.3
    y[::5000] = np.nan
    t0 = time.perf_counter()
    r = change_points(y)
    elapsed = time.perf_counter() - t0
    assert r.window > 1 and r.n_searched <= 500 and r.n == n
    assert min(abs(i - 600_000) for i in r.indices) <= 2 * r.window
    assert all(i % r.window == 0 for i in r.indices)  # window starts
    assert elapsed < 5.0


def test_insufficient_inputs():
    assert not change_points(np.arange(5.0)).ok
    assert change_points(np.full(50, 2.0)).insufficient == "constant series"
    r = change_points(np.full(50, np.nan))
    assert not r.ok and r.indices == () and r.segments == ((0, 50),)
    assert not change_points(np.array([])).ok
    with pytest.raises(ValueError):
        change_points(np.zeros(10), model="rbf")


def _ruptures_ends(y, kind, min_size, pen):
    cost = SegmentRSS(kind)
    algo = rpt.Pelt(custom_cost=cost, min_size=min_size, jump=1).fit(y)
    assert algo.cost is cost
    return algo.predict(pen=pen)[:-1]


def _piecewise(rng, n):
    """Noisy piecewise lines: at each random boundary a new slope, starting either where the
    previous line ended (a kink) or after a jump."""
    k = int(rng.integers(0, min(5, n - 10)))
    bounds = np.sort(rng.choice(np.arange(5, n - 5), size=k, replace=False))
    y, level = np.empty(n), 0.0
    for a, b in zip([0, *bounds], [*bounds, n], strict=True):
        level += rng.normal(0, 2.0) if rng.random() < 0.5 else 0.0
        y[a:b] = level + rng.normal(0, 0.05) * np.arange(b - a)
        level = y[b - 1]
    return y + rng.normal(0, rng.choice([0.05, 0.3, 1.0]), n)


@pytest.mark.parametrize("seed", range(40))
def test_pelt_gives_the_same_breakpoints_as_ruptures(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(12, 300))
    kind = ("linear", "l2")[seed % 2]
    family = seed // 2 % 3
    if family == 0:
        y = rng.normal(size=n)  # noise: mostly no break, or spurious ones at a low penalty
    elif family == 1:
        y = _piecewise(rng, n)
    else:
        y = rng.normal(size=n).cumsum()  # a random walk: many breaks, little pruning
    min_size = int(rng.choice([1, 2, 3, 5, 10]))
    if n < 2 * max(min_size, SegmentRSS(kind).min_size):
        min_size = 1
    sigma = noise_scale(y).sigma
    pen = float(rng.choice([0.2, 1.0, 3.0, 10.0])) * sigma**2 * np.log(n)
    ours = pelt(SegmentRSS(kind).fit(y), n, min_size, pen)
    assert ours == _ruptures_ends(y, kind, min_size, pen)
    with pytest.MonkeyPatch.context() as m:  # the same search costing one end at a time
        m.setattr(changepoints, "TABLE_MAX_N", 0)
        assert pelt(SegmentRSS(kind).fit(y), n, min_size, pen) == ours
    sizes = np.diff([0, *ours, n])
    assert sizes.min() >= max(min_size, SegmentRSS(kind).min_size)


@pytest.mark.parametrize("seed", range(4))
def test_change_points_searches_like_ruptures_with_its_default_penalty(seed):
    y = (_lr_drop if seed % 2 else _overfit)(np.random.default_rng(seed))
    r = change_points(y)
    assert list(r.indices) == _ruptures_ends(y, "linear", r.min_size, r.penalty)
    assert len(r.indices) >= 1


def test_vectorized_costs_equal_the_single_segment_cost_exactly():
    # ruptures calls error(), our search errors(): the cross-check needs them equal to the bit.
    y = np.random.default_rng(11).normal(size=120).cumsum()
    for kind in ("linear", "l2"):
        cost = SegmentRSS(kind).fit(y)
        for end in (3, 40, 120):
            starts = np.arange(end)
            many = cost.errors(starts, end)
            assert many.tolist() == [cost.error(int(a), end) for a in starts]


def test_cost_table_holds_the_vectorized_costs_exactly():
    y = np.random.default_rng(12).normal(size=60).cumsum()
    for kind in ("linear", "l2"):
        cost = SegmentRSS(kind).fit(y)
        table = cost.table()
        for end in (3, 17, 60):
            assert table[end, :end].tolist() == cost.errors(np.arange(end), end).tolist()


def test_checked_search_and_its_resumption_both_match_ruptures(monkeypatch):
    # pelt() solves the recursion without pruning, then checks that PELT's pruning would not
    # have dropped any chosen start; where it would, it resumes end by end. Spikes make such
    # ends common: both outcomes must occur here, and both give ruptures' breakpoints.
    resumed = []
    steps = changepoints._pelt_steps

    def spy(penalized, n, min_size, pen, first, *state):
        resumed.append(first)
        return steps(penalized, n, min_size, pen, first, *state)

    monkeypatch.setattr(changepoints, "_pelt_steps", spy)
    checked = 0
    for seed in range(30):
        rng = np.random.default_rng(100 + seed)
        n = int(rng.integers(40, 160))
        y = _piecewise(rng, n) + np.where(rng.random(n) < 0.05, rng.normal(0, 20, n), 0.0)
        kind, min_size = ("linear", "l2")[seed % 2], (3, 5, 10)[seed % 3]
        pen = float(rng.choice([1.0, 3.0])) * noise_scale(y).sigma ** 2 * np.log(n)
        before = len(resumed)
        assert pelt(SegmentRSS(kind).fit(y), n, min_size, pen) == _ruptures_ends(
            y, kind, min_size, pen
        )
        checked += len(resumed) == before
        assert all(first > min_size for first in resumed[before:])  # resumed, not rerun
    assert 0 < checked < 30


def test_checked_search_equals_the_search_end_by_end_on_many_series(monkeypatch):
    # Cheaper than ruptures, so many more series: a start pruned exactly at the end where the
    # search resumes is rare, and a wrong resumption state shows up only on a few of them.
    for seed in range(300):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(20, 200))
        y = _piecewise(rng, n) + np.where(rng.random(n) < 0.05, rng.normal(0, 20, n), 0.0)
        kind, min_size = ("linear", "l2")[seed % 2], int(rng.choice([2, 3, 5, 10]))
        pen = float(rng.choice([1.0, 3.0, 10.0])) * noise_scale(y).sigma ** 2 * np.log(n)
        cost = SegmentRSS(kind).fit(y)
        checked = pelt(cost, n, min_size, pen)
        with monkeypatch.context() as m:
            m.setattr(changepoints, "TABLE_MAX_N", 0)
            assert pelt(cost, n, min_size, pen) == checked


def test_pelt_needs_room_for_one_segment_and_a_penalty():
    with pytest.raises(ValueError, match="cannot hold a segment"):
        pelt(SegmentRSS("linear").fit(np.arange(4.0)), 4, 5, 1.0)
    y = np.random.default_rng(13).normal(size=40)
    for pen in (-1.0, np.nan):
        with pytest.raises(ValueError, match="penalty must be >= 0"):
            change_points(y, penalty=pen)
    assert len(change_points(y, penalty=0.0).indices) >= 5  # zero: boundaries cost nothing


@pytest.mark.parametrize("scale", [1e160, 1e300])
def test_huge_values_are_segmented_like_the_same_curve_at_unit_scale(scale):
    """A diverged float64 loss: the squares in the segment costs would overflow to inf (and the
    search failed); the segmentation does not depend on the unit, so it must be the same."""
    rng = np.random.default_rng(3)
    y = np.r_[np.linspace(1, 2, 20), np.linspace(2, 40, 30)] + rng.normal(0, 0.01, 50)
    unit, huge = change_points(y), change_points(y * scale)
    assert unit.indices and huge.indices == unit.indices
    assert huge.sigma == pytest.approx(unit.sigma * scale, rel=1e-9)
    # a penalty given in the data's units is rescaled with them
    given = change_points(y * 1e150, penalty=unit.penalty * 1e300)
    assert given.indices == unit.indices and given.penalty == unit.penalty * 1e300


def test_exact_ties_and_smallest_sizes_are_searched_like_ruptures(monkeypatch):
    # Integer steps and repeats make many candidate costs equal to the bit (a zero penalty
    # too), so the checked search must pick the earliest of equal minima among the starts
    # PELT still holds, as ruptures' min() does; n from one segment up.
    rng = np.random.default_rng(21)
    for case in range(240):
        n = int(rng.integers(1, 50))
        if case % 3 == 0:
            y = rng.integers(0, 3, n).astype(float)
        elif case % 3 == 1:
            y = np.repeat(rng.integers(0, 3, n // 3 + 1), 3)[:n].astype(float)
        else:
            y = np.arange(n, dtype=float) % 4
        kind, min_size = ("linear", "l2")[case % 2], int(rng.choice([1, 2, 3, 5, 7]))
        if n < max(min_size, SegmentRSS(kind).min_size):
            continue
        pen = float(rng.choice([0.0, 0.25, 1.0, 3.0]))
        checked = pelt(SegmentRSS(kind).fit(y), n, min_size, pen)
        assert checked == _ruptures_ends(y, kind, min_size, pen), (y, kind, min_size, pen)
        with monkeypatch.context() as m:
            m.setattr(changepoints, "TABLE_MAX_N", 0)
            assert pelt(SegmentRSS(kind).fit(y), n, min_size, pen) == checked


def test_a_windowed_long_series_beyond_1e154_is_segmented_as_at_unit_scale():
    """Windowing picks its window from the autocorrelation, whose sum of squares overflowed
    for a diverged float64 loss (it fell back to 2-point windows)."""
    rng = np.random.default_rng(5)
    y = np.r_[np.linspace(1, 2, 3000), np.linspace(2, 40, 3000)] + rng.normal(0, 0.05, 6000)
    unit, huge = change_points(y), change_points(y * 1e160)
    assert unit.window > 2 and huge.window == unit.window
    assert huge.indices == unit.indices
    near_max = change_points(y / 40 * 1e308)  # sums of these overflow too
    assert near_max.ok and near_max.indices == unit.indices
