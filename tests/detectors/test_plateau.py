"""The plateau detector's helpers against the straightforward numpy computations they
replace (the same floats), and a glued plateau found at its epochs."""

from __future__ import annotations

import numpy as np

from analyzer.detectors.context import RunContext
from analyzer.detectors.plateau import _flat_stretches, detect
from analyzer.model.findings import Code
from analyzer.settings import DEFAULT_SETTINGS
from analyzer.stats.changepoints import change_points
from tests.detectors.curves import noise, run


def _flat_stretches_with_numpy(curve, segments, flatness):
    """The search as first written: np.median per segment, np.min over each tail."""
    n, smooth = curve.n_finite, curve.smooth
    levels = [float(np.median(curve.y[a:b])) for a, b in segments]
    stretches = []
    for i, (a, _) in enumerate(segments):
        j = i
        while j + 1 < len(segments) and segments[j + 1][1] < n:
            drop = levels[i] - float(np.min(smooth[segments[j + 1][1] :]))
            if drop <= 0 or abs(levels[j + 1] - levels[i]) > flatness * drop:
                break
            j += 1
        stretches.append((a, segments[j][1]))
    return sorted(stretches, key=lambda ab: ab[0] - ab[1])


def test_flat_stretches_match_the_numpy_search():
    # Random staircases (levels up and down, some rising) make every tail minimum matter.
    rng = np.random.default_rng(3)
    compared = 0
    for seed in range(30):
        bounds = np.sort(
            rng.choice(np.arange(10, 110), size=int(rng.integers(2, 6)), replace=False)
        )
        levels = rng.uniform(0.2, 1.0, bounds.size + 1)
        y = levels[np.searchsorted(bounds, np.arange(120), side="right")]
        y[bounds[0] :] += rng.choice([0.0, 0.004]) * np.arange(120 - bounds[0])  # a rise
        curve = RunContext(run(y * noise(120, 0.02, seed)), None, DEFAULT_SETTINGS).train
        cps = change_points(curve.y, curve.x)
        lowest_after = np.minimum.accumulate(curve.smooth[::-1])[::-1].tolist()
        for flatness in (0.1, 0.3, 1.0):
            expected = _flat_stretches_with_numpy(curve, cps.segments, flatness)
            assert _flat_stretches(curve, cps.segments, lowest_after, flatness) == expected
            compared += any(b - a > 1 for a, b in expected)
    assert compared > 0


def test_a_stall_is_reported_from_its_start_to_its_end():
    epochs = np.arange(80)
    y = np.where(epochs < 40, 0.69, 0.59 * np.exp(-(epochs - 40) / 8) + 0.1) * noise(80, 0.005, 7)
    (finding,) = detect(RunContext(run(y), None, DEFAULT_SETTINGS))
    assert finding.code is Code.PLATEAU
    assert finding.start == 0 and 36 <= finding.end <= 42, finding.end
