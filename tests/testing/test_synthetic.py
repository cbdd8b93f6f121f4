"""The generator: deterministic, sized as asked, and every family's noise-free curve really has
the property its label claims (checked numerically here, independently of how it was built)."""

import math

import numpy as np
import pytest

from analyzer.model import Direction, Granularity, Metric, Split
from analyzer.model.findings import Code
from analyzer.testing.synthetic import FAMILIES, STEP_FAMILIES, Case, case, generate

C = Code

# Severities as codes.md states them (an independent source, not the detectors).
SEVERE = {
    C.NON_FINITE_LOSS,
    C.DIVERGENCE,
    C.NO_LEARNING,
    C.OSCILLATION,
    C.LOSS_SPIKES,
    C.SLOW_CONVERGENCE,
    C.NOT_CONVERGED,
    C.PLATEAU,
    C.UNDERFITTING,
    C.OVERFITTING,
    C.GENERALIZATION_GAP,
    C.NOISY_VALIDATION,
    C.POSSIBLE_LEAKAGE,
    C.STOPPED_WHILE_IMPROVING,
    C.LOSS_SCALE_ANOMALY,
}
NOISES = (0.005, 0.02, 0.05)


def cases_of(family: str, lengths=(20, 50, 200), seeds=range(6)) -> list[Case]:
    out = []
    for seed in seeds:
        for length in lengths:
            for noise in NOISES:
                out.append(case(family, seed, noise=noise, length=length))
    return out


def curves(c: Case):
    return c.clean["loss"], c.clean.get("val_loss")


def last_quarter_drop(y: np.ndarray) -> float:
    """Relative fall of a curve over the last quarter of the run."""
    start = y[int(0.75 * (y.size - 1))]
    return 1 - y[-1] / start


# ----------------------------------------------------------------------------- shape of the set


@pytest.fixture(scope="module")
def default_set() -> list[Case]:
    return generate(0, n_per_family=3)


def test_generate_is_deterministic_for_a_seed():
    a = generate(7, n_per_family=2, lengths=(30, 5000))
    b = generate(7, n_per_family=2, lengths=(30, 5000))
    c = generate(8, n_per_family=2, lengths=(30, 5000))
    assert [x.name for x in a] == [x.name for x in b]
    for x, y in zip(a, b, strict=True):
        assert x.log == y.log and x.expected == y.expected and x.hints == y.hints
    assert any(x.log != z.log for x, z in zip(a, c, strict=True))


def test_case_is_deterministic_and_params_override_draws():
    one = case("healthy", 3, noise=0.02, length=50, shape="power")
    two = case("healthy", 3, noise=0.02, length=50, shape="power")
    assert one.log == two.log and one.variant == "power"
    with pytest.raises(ValueError, match="unknown family"):
        case("nope", 1)
    with pytest.raises(ValueError, match="at least"):
        case("overfitting", 1, length=5)
    with pytest.raises(ValueError, match="per-epoch"):
        case("oscillation", 1, length=5000)


def test_every_family_and_size_is_present(default_set):
    assert {c.family for c in default_set} == set(FAMILIES)
    assert len(default_set) == 3 * len(FAMILIES)
    long = [c for c in default_set if c.length == 100_000]
    assert len(long) >= 3 and all(c.granularity is Granularity.STEP for c in long)
    assert {c.length for c in default_set if c.family == "insufficient_data"} <= {2, 3, 4}
    assert {c.noise for c in default_set} == set(NOISES)


def test_series_are_built_as_the_model_expects(default_set):
    for c in default_set:
        train = c.log.get("loss", Split.TRAIN)
        assert train is not None and len(train) == c.length
        assert train.granularity is c.granularity
        assert c.granularity is (Granularity.STEP if c.length > 1000 else Granularity.EPOCH)
        for s in c.log:
            assert s.granularity is c.granularity
            expected_metric = {"loss": Metric.LOSS, "accuracy": Metric.ACCURACY}
            if s.name == "lr":
                assert (s.metric, s.direction) == (Metric.LEARNING_RATE, Direction.NONE)
            else:
                assert s.metric is expected_metric[s.metric_name]
                assert s.split is (Split.VALIDATION if s.name.startswith("val_") else Split.TRAIN)
                direction = Direction.LOWER if s.metric is Metric.LOSS else Direction.HIGHER
                assert s.direction is direction
        val = c.log.get("loss", Split.VALIDATION)
        if c.granularity is Granularity.STEP and val is not None:
            assert 40 <= len(val) <= 200
            assert val.steps[0] > 0 and val.steps[-1] <= train.steps[-1]
        elif val is not None:
            assert np.array_equal(val.steps, train.steps)


def test_labels_are_consistent(default_set):
    for c in default_set:
        assert not c.expected & c.allowed, c.name
        if c.primary is None:  # healthy verdict: nothing WARNING/CRITICAL is expected
            assert not c.expected & SEVERE, c.name
        else:
            assert c.primary in c.expected and c.primary in SEVERE, c.name
        assert (c.onset is not None) == (C.OVERFITTING in c.expected), c.name


def test_noise_has_the_requested_level():
    for noise in NOISES:
        c = case("healthy", 5, noise=noise, length=1000, phi=0.0, noise_kind="multiplicative")
        train = c.log.get("loss").values
        residual = np.log(train / c.clean["loss"])
        assert np.std(residual) == pytest.approx(noise, rel=0.1)
    c = case("healthy", 5, noise=0.02, length=1000, phi=0.6, noise_kind="multiplicative")
    e = np.log(c.log.get("loss").values / c.clean["loss"])
    assert np.corrcoef(e[:-1], e[1:])[0, 1] == pytest.approx(0.6, abs=0.08)


# ----------------------------------------------------------------------------- family properties


def test_healthy_converges_without_any_rise():
    for c in cases_of("healthy", lengths=(5, 20, 200, 20_000)):
        train, val = curves(c)
        assert np.all(np.diff(train) <= 0) and np.all(np.diff(val) <= 0)
        assert last_quarter_drop(train) < 0.005, c.name
        ratio = np.interp(c.log.get("loss", "validation").steps, np.arange(train.size), train)
        assert np.all((val / ratio >= 1.029) & (val / ratio <= 1.121)), c.name
        assert 3 <= train[0] / train[-1] <= 10.5


@pytest.mark.parametrize("family", ["overfitting", "accuracy_loss_disagreement"])
def test_overfitting_val_turns_up_at_onset_while_train_falls(family):
    min_rise = 0.2 if family == "overfitting" else 0.15
    lengths = (20, 50, 200, 20_000) if family in STEP_FAMILIES else (20, 50, 200)
    for c in cases_of(family, lengths=lengths):
        train, val = curves(c)
        val_x = c.log.get("loss", "validation").steps
        best = int(np.argmin(val))
        assert c.onset == val_x[best]
        assert 0.15 <= c.onset / (c.length - 1) <= 0.7, c.name
        assert val[-1] >= val[best] * (1 + max(min_rise, 6 * c.noise)) * 0.999, c.name
        assert np.all(np.diff(val[best:]) >= 0)  # no dip after the onset
        assert np.all(np.diff(train) < 0)
        onset_i = int(np.searchsorted(np.arange(train.size), c.onset))
        assert train[-1] <= 0.95 * train[onset_i], c.name


def test_val_accuracy_rises_while_val_loss_rises():
    for c in cases_of("accuracy_loss_disagreement"):
        acc = c.clean["val_accuracy"]
        onset = int(c.onset)
        assert np.all(np.diff(acc) >= 0)
        assert acc[-1] - acc[onset] >= max(0.03, 4 * c.noise / 5) - 1e-9, c.name
    falling = [c for c in cases_of("overfitting") if "val_accuracy" in c.clean]
    assert falling
    for c in falling:
        acc = c.clean["val_accuracy"]
        assert acc[-1] < acc[int(c.onset)] and C.ACCURACY_LOSS_DISAGREEMENT not in c.allowed


def test_non_finite_breaks_from_some_epoch_on():
    for c in cases_of("non_finite", lengths=(5, 20, 200, 20_000)):
        train = c.log.get("loss").values
        bad = np.flatnonzero(~np.isfinite(train))
        assert bad.size >= 1 and np.all(~np.isfinite(train[bad[0] :])), c.name
        assert np.all(np.isfinite(train[: bad[0]]))
        assert bad[0] >= 1
        if c.variant == "inf":
            assert np.isinf(train[bad[0]])


def test_divergence_climbs_well_above_its_minimum():
    for c in cases_of("divergence", lengths=(20, 200, 20_000)):
        train, _ = curves(c)
        low = int(np.argmin(train))
        if c.variant == "rebound":
            assert 0.15 <= low / (train.size - 1) <= 0.55, c.name
            assert train[-1] >= 1.8 * train[low] * 0.999
        else:
            assert low == 0 and np.all(np.diff(train) > 0)
            assert train[-1] >= 1.8 * train[0] * 0.999


def test_oscillation_is_far_beyond_healthy_noise():
    for c in cases_of("oscillation", lengths=(30, 200)):
        train, _ = curves(c)
        log_train = np.log(train)
        # Deviation from a running mean of 9 points: the bouncing, not the trend.
        pad = np.pad(log_train, 4, mode="edge")
        smooth = np.mean(np.lib.stride_tricks.sliding_window_view(pad, 9), axis=1)
        assert np.std((log_train - smooth)[4:-4]) >= 0.1, c.name


def test_spikes_are_isolated_and_tall():
    for c in cases_of("loss_spikes", lengths=(20, 50, 200)):
        train, val = curves(c)
        smooth = val / (val[0] / train[0])  # the same decay without spikes (val has none)
        jump = train / smooth - 1
        spikes = np.flatnonzero(jump > 1e-9)
        assert 1 <= spikes.size <= 3, c.name
        assert np.all(jump[spikes] >= max(0.6, 15 * c.noise) - 1e-9)
        assert np.all(np.diff(spikes) >= 2)  # each recovers before the next
        assert np.all(spikes >= 0.15 * (c.length - 1) - 1)
    for seed in range(6):
        train, _ = curves(case("loss_spikes", seed, noise=0.02, length=20_000))
        ups = np.flatnonzero(train[1:] / train[:-1] >= 2)  # each spike at least doubles the loss
        downs = np.flatnonzero(train[1:] / train[:-1] <= 0.5)
        assert 1 <= ups.size <= 3 and ups.size == downs.size
        assert np.all(downs - ups <= 20)  # back on the curve within 20 steps


def test_slow_convergence_is_linear_and_small():
    for c in cases_of("slow_convergence", lengths=(30, 200, 5000)):
        train, _ = curves(c)
        drop = 1 - train[-1] / train[0]
        assert max(0.08, 5 * c.noise) - 1e-9 <= drop <= 0.3
        assert np.allclose(np.diff(train, 2), 0, atol=1e-12)


def test_not_converged_still_falls_at_the_end_with_curvature():
    for c in cases_of("not_converged", lengths=(20, 200, 20_000)):
        train, _ = curves(c)
        assert last_quarter_drop(train) >= max(0.08, 4 * c.noise) - 1e-9, c.name
        first_quarter = train[0] - train[int(0.25 * (train.size - 1))]
        last_quarter = train[int(0.75 * (train.size - 1))] - train[-1]
        assert first_quarter > 2 * last_quarter


def longest_escaped_flat(y: np.ndarray, tolerance: float = 0.02, drop: float = 0.2) -> float:
    """The longest stretch staying within +-tolerance of its first value after which the curve
    ends at least ``drop`` lower, as a fraction of the run."""
    best, i = 0, 0
    while i < y.size:
        j = i
        while j + 1 < y.size and abs(y[j + 1] / y[i] - 1) <= tolerance:
            j += 1
        if y[-1] <= (1 - drop) * y[j]:
            best = max(best, j - i + 1)
        i = j + 1
    return best / y.size


def test_plateau_stalls_then_escapes_downward():
    for c in cases_of("plateau", lengths=(30, 200, 20_000)):
        train, _ = curves(c)
        assert longest_escaped_flat(train, drop=0.4) >= 0.3, c.name


def test_no_learning_is_flat_at_chance_or_initial_level():
    for c in cases_of("no_learning"):
        train, val = curves(c)
        assert np.all(train == train[0])
        if c.variant == "bce_chance":
            assert train[0] == pytest.approx(math.log(2))
            assert c.hints.chance_baseline()[0] == pytest.approx(math.log(2))
        assert np.all((val / train >= 1) & (val / train <= 1.05))


def test_underfitting_is_flat_high_relative_to_the_hinted_baseline():
    for c in cases_of("underfitting"):
        train, val = curves(c)
        baseline = c.hints.chance_baseline()[0]
        assert 0.5 <= train[-1] / baseline <= 0.8
        assert last_quarter_drop(train) < 0.001
        assert np.all(np.abs(val / train - 1) <= 0.03 + 1e-12)


def test_similar_low_is_low_and_equivalent():
    for c in cases_of("train_val_similar_low", lengths=(30, 200)):
        train, val = curves(c)
        assert train[-1] <= 0.2 * train[0] and np.all(np.abs(val / train - 1) <= 0.02 + 1e-12)


def test_generalization_gap_is_large_and_val_never_rises():
    for c in cases_of("generalization_gap"):
        train, val = curves(c)
        assert np.all(val >= train) and np.all(np.diff(val) <= 0)
        assert val[-1] / train[-1] >= 1.6 * 0.999


def test_noisy_validation_is_much_noisier_than_train():
    for c in cases_of("noisy_validation", lengths=(50, 200)):
        train_noise = np.std(np.log(c.log.get("loss").values / c.clean["loss"]))
        val_noise = np.std(np.log(c.log.get("loss", "validation").values / c.clean["val_loss"]))
        assert val_noise >= 0.06 and val_noise >= 2.5 * train_noise, c.name


@pytest.mark.parametrize(
    ("family", "low", "high"), [("val_below_train", 0.8, 0.9), ("possible_leakage", 0.3, 0.6)]
)
def test_val_below_train_ratios(family, low, high):
    for c in cases_of(family):
        train, val = curves(c)
        ratio = val / train
        assert np.allclose(ratio, ratio[0]) and low <= ratio[0] <= high


def test_stopped_while_improving_val_still_falls_while_train_has_converged():
    for c in cases_of("stopped_while_improving"):
        train, val = curves(c)
        assert int(np.argmin(val)) == val.size - 1
        assert last_quarter_drop(val) >= max(0.06, 4 * c.noise) - 1e-9, c.name
        assert last_quarter_drop(train) < 0.01


def test_wasted_epochs_best_early_then_flat():
    for c in cases_of("wasted_epochs", lengths=(30, 200)):
        _, val = curves(c)
        best = int(np.flatnonzero(val == val.min())[0])
        assert best <= 0.4 * (val.size - 1) + 1
        after = val.size - 1 - best
        assert after >= max(10, 0.25 * val.size)
        assert np.all(val[best:] == val[best])  # no improvement and no rise


def test_loss_scale_anomaly_starts_orders_of_magnitude_high_and_drops_fast():
    for c in cases_of("loss_scale_anomaly"):
        train, val = curves(c)
        assert train[0] / train[-1] >= 100
        assert train[6] / val[6] < 1.2  # back to the normal curve within a few epochs


def test_insufficient_data_has_two_to_four_epochs():
    lengths = {case("insufficient_data", s).length for s in range(20)}
    assert lengths == {2, 3, 4}


def test_lr_drop_steps_down_where_the_learning_rate_drops():
    for c in cases_of("lr_drop", lengths=(30, 200, 20_000)):
        train, _ = curves(c)
        lr = c.log.get("lr").values
        changes = np.flatnonzero(np.diff(lr) != 0) + 1
        assert changes.size in (1, 2) and np.allclose(lr[changes] / lr[changes - 1], 0.1)
        assert np.all(np.diff(train) <= 1e-12)  # never rises: no spike, no divergence
        for i in changes:
            before = train[i - 1]
            after = train[min(train.size - 1, i + max(10, train.size // 100))]
            assert after <= 0.85 * before, c.name


@pytest.mark.parametrize("family", [f for f in FAMILIES if f in STEP_FAMILIES])
def test_step_families_build_at_100k(family):
    c = case(family, 11, noise=0.02, length=100_000)
    assert c.granularity is Granularity.STEP and len(c.log.get("loss")) == 100_000
