"""The cheap looks that let detectors skip an expensive statistic must never change an answer:
each is compared with the straightforward computation it stands in for, on curves around the
thresholds where the shortcut and the full computation could disagree."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from analyzer.detectors import spikes
from analyzer.detectors.context import RunContext
from analyzer.settings import DEFAULT_SETTINGS
from analyzer.stats.shape import noise_scale
from analyzer.stats.trend import trend_analysis
from tests.detectors.curves import decay, noise, run

S = DEFAULT_SETTINGS


def _still_improving_in_full(ctx: RunContext, curve):
    """RunContext.still_improving as first written: the whole trend analysis, then each check."""
    tail = ctx.tail(curve)
    if tail.stop - tail.start < S.min_points:
        return None
    trend = trend_analysis(curve.y[tail], t=curve.x[tail], method=S.trend_method, alpha=2 * S.alpha)
    if not trend.ok or trend.test.p_decreasing >= S.alpha or trend.sen.slope >= 0:
        return None
    if tail.start > 0 and curve.smooth[-1] >= np.min(curve.smooth[: tail.start]):
        return None
    span = float(curve.x[-1] - curve.x[tail.start])
    end_level = abs(float(curve.smooth[-1]))
    if end_level <= 0 or span <= 0:
        return None
    projected = -trend.sen.slope * span / end_level
    assured = -trend.sen.ci.high * span / end_level
    if projected < S.not_converged_min_remaining or assured < S.not_converged_min_assured:
        return None
    return projected, assured


def test_still_improving_matches_the_full_analysis() -> None:
    projected = []
    for seed in range(40):
        n = 60 + seed % 20
        end = 0.2 + 0.08 * seed  # the higher the floor, the less the tail's fall projects
        values = decay(n, end + 2.0, end, 30.0) * noise(n, 0.002 + 0.001 * (seed % 5), seed)
        ctx = RunContext(run(values), None, S)
        expected = _still_improving_in_full(ctx, ctx.train)
        got = ctx.still_improving(ctx.train)
        assert (got is None) == (expected is None), seed
        if got is not None:
            assert (got.projected, got.assured) == expected
            projected.append(got.projected)
    # Both answers, and improvements just above the threshold, were exercised.
    assert 0 < len(projected) < 40
    assert min(projected) < 2 * S.not_converged_min_remaining


def test_equivalence_is_possible_whenever_tost_finds_it() -> None:
    outcomes = set()
    for seed in range(80):
        n = 30 + seed
        gap = 1.0 + 0.004 * seed  # val/train from equal to well beyond the 10% margin
        train = decay(n) * noise(n, 0.01, seed)
        val = gap * decay(n) * noise(n, 0.01 + 0.0005 * seed, seed + 1000)
        ctx = RunContext(run(train, val), None, S)
        possible = ctx.equivalence_possible
        eq = ctx.equivalence
        found = eq.ok and eq.p_value < S.alpha
        assert possible or not found, seed
        if not possible:
            assert eq.p_value >= 0.5
        outcomes.add((possible, found))
    assert {(True, True), (False, False)} <= outcomes


def _spike_count_in_full(values: np.ndarray) -> int:
    """LOSS_SPIKES' search on an epoch curve without its early exit."""
    scaled = np.log(values)
    baseline = ndimage.median_filter(scaled, size=5, mode="nearest")
    excess = scaled - baseline
    residual_scale = spikes._MAD_TO_SIGMA * float(np.median(np.abs(excess - np.median(excess))))
    sigma = max(residual_scale, noise_scale(scaled).sigma)
    if not np.isfinite(sigma) or sigma <= 0:
        return 0
    z = excess / sigma
    moving = spikes._local_range(baseline, 5) >= excess
    found = np.flatnonzero(
        (z >= S.spike_sigmas) & (np.expm1(excess) >= S.spike_min_relative) & ~moving
    )
    return int(np.count_nonzero(found > 0))


def test_spike_search_skips_only_curves_without_spikes() -> None:
    sizes, relative = [], []
    for height in (0.0, 0.1, 0.15, 0.16, 0.17, 0.18, 0.2, 0.3, 0.35, 0.4, 0.5, 1.0):
        for seed in range(12):
            values = decay(60, 0.6, 0.5) * noise(60, 0.002 + 0.003 * seed, seed)
            values[35 + seed] *= 1 + height
            findings = spikes.detect(RunContext(run(values), None, S))
            count = int(findings[0].evidence[0].value) if findings else 0
            assert count == _spike_count_in_full(values), (height, seed)
            if findings:
                sizes.append(findings[0].evidence[1].value)
                relative.append(findings[0].evidence[2].value)
    # Spikes just above the thresholds were found, where a looser shortcut would miss them.
    assert min(sizes) < 1.2 * S.spike_sigmas
    assert min(relative) < 1.1 * S.spike_min_relative


def test_pairs_of_curves_on_the_same_steps_are_np_intersect1ds() -> None:
    n = 40
    train, val = decay(n) * noise(n, 0.01, 1), decay(n, 2.4, 0.35) * noise(n, 0.01, 2)
    gappy = val.copy()
    gappy[[3, 17]] = np.nan  # a validation curve with holes: fewer steps than training's
    for t, v in ((train, val), (train, gappy), (gappy, val), (train[:3], val[:3])):
        ctx = RunContext(run(t, v), None, S)
        common, ti, vi = np.intersect1d(ctx.train.x, ctx.val.x, return_indices=True)
        steps, paired_train, paired_val = ctx.paired
        assert steps.tobytes() == common.tobytes()
        assert paired_train.tobytes() == ctx.train.y[ti].tobytes()
        assert paired_val.tobytes() == ctx.val.y[vi].tobytes()
