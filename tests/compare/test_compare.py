"""analyzer.compare end to end: inputs, ranking with ties, sweeps, metrics, JSON round trip."""

from __future__ import annotations

import importlib
import json
import math
import shutil
import types

import numpy as np
import pytest
from scipy import stats

import analyzer
from analyzer.compare import (
    Criterion,
    Outcome,
    Profile,
    RunSpec,
    Verdict,
    compare,
    compare_profiles,
    comparison_from_dict,
    comparison_to_dict,
    profile_run,
    profile_runs,
    with_unique_names,
)
from analyzer.errors import InputError
from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog
from analyzer.settings import DEFAULT_SETTINGS
from analyzer.stats.windowing import window
from analyzer.testing.synthetic import case
from analyzer.testing.synthetic_pairs import pair, pairs
from tests.reference_trainer.fixtures import FIXTURES


def test_analyzer_compare_is_the_function_before_and_after_importing_the_package():
    p = pair("better", 1)
    first = analyzer.compare([p.a, p.b])
    importlib.import_module("analyzer.compare.cli")  # binds the package to analyzer.compare
    assert isinstance(analyzer.compare, types.ModuleType)

    second = analyzer.compare([p.a, p.b])
    assert first.winner == second.winner == p.a.run_name


def test_inputs_paths_pairs_and_a_directory_of_runs(tmp_path):
    for name in ("ex6_lr_0.1", "ex6_lr_1e-4"):
        (tmp_path / name).mkdir()
        shutil.copy(FIXTURES / name / "log.csv", tmp_path / name / "log.csv")
    from_dir = compare(tmp_path)
    named = compare([("fast", tmp_path / "ex6_lr_0.1" / "log.csv"),
                     ("slow", str(tmp_path / "ex6_lr_1e-4" / "log.csv"))])  # fmt: skip
    paths = compare([tmp_path / "ex6_lr_0.1" / "log.csv", tmp_path / "ex6_lr_1e-4" / "log.csv"])
    assert named.winner == "fast"
    assert paths.winner == "ex6_lr_0.1/log"  # same run name 'log': the folder tells them apart
    assert len(from_dir.runs) == 2 and from_dir.runs[0].measures == named.runs[0].measures
    assert all(r.diagnosis.run_name for r in named.runs)  # each run's own diagnosis


def test_bad_input_is_a_clear_error(tmp_path):
    p = pair("equal", 0)
    with pytest.raises(InputError, match="at least two runs"):
        compare([p.a])
    with pytest.raises(InputError, match="no 'val_accuracy' series in 2 run"):
        compare([p.a, p.b], metric="val_accuracy")
    with pytest.raises(InputError, match="cannot compare a int"):
        compare([p.a, 3])
    (tmp_path / "bad.csv").write_text("epoch,loss\n0,abc\n")
    with pytest.raises(InputError, match=r"bad\.csv"):
        compare([p.a, tmp_path / "bad.csv"])


@pytest.mark.parametrize(
    ("option", "value"),
    [("alpha", 0.0), ("alpha", 1.0), ("alpha", 2.0), ("alpha", math.nan), ("margin", 0.0),
     ("margin", -0.1), ("margin", math.inf), ("margin", math.nan)],
)  # fmt: skip
def test_alpha_and_margin_out_of_range_are_input_errors(option, value):
    p = pair("equal", 0)
    with pytest.raises(InputError, match=rf"field '{option}': {option} must"):
        compare([p.a, p.b], **{option: value})
    profiles = profile_runs([p.a, p.b])
    with pytest.raises(InputError, match=rf"field '{option}': {option} must"):
        compare_profiles(profiles, **{option: value})


def test_equal_runs_tie_and_a_worse_one_ranks_below():
    base = pair("equal", 3, noise=0.005)
    worse = pair("better", 3, noise=0.005)  # its b is its a x (1 + effect): another curve
    c = compare([("a", base.a), ("b", base.b), ("c", worse.b), ("c2", worse.a)])
    ranks = {r.name: r.rank for r in c.runs}
    assert ranks["a"] == ranks["b"]
    d = c.difference("a", "b")
    assert d.outcome in (Outcome.EQUIVALENT, Outcome.NO_SIGNIFICANT_DIFFERENCE)
    assert c.difference("c2", "c").outcome is Outcome.A_BETTER
    assert c.pairs == "all_pairs" and len(c.differences) == 6


def test_a_sweep_tests_best_and_neighbours_in_a_process_pool():
    logs = [case("healthy", seed=i, length=60).log for i in range(30)]
    serial = compare(logs, workers=1)
    pooled = compare(logs, workers=2)
    assert serial.pairs == "best_and_adjacent" and len(serial.differences) == 2 * 30 - 3
    assert comparison_to_dict(serial) == comparison_to_dict(pooled)
    ranks = [r.rank for r in serial.runs]
    assert ranks == sorted(ranks) and ranks[0] == 1


def test_final_criterion_and_higher_is_better_metric():
    p = pair("better", 5)
    c = compare([p.a, p.b], criterion="final")
    assert c.criterion is Criterion.FINAL and c.winner == p.a.run_name
    acc = [case("overfitting", seed=s, length=80, with_accuracy=True) for s in range(8)]
    logs = [k.log for k in acc if k.log.by_name("val_accuracy") is not None][:2]
    if len(logs) < 2:
        pytest.skip("no accuracy series drawn")
    c = compare(logs, metric="val_accuracy")
    assert c.direction == "higher"
    top = max(c.runs, key=lambda r: r.measures.best.value)
    assert c.runs[0] is top


def test_alignment_of_runs_of_different_lengths_is_reported():
    long = case("healthy", seed=1, length=100).log
    short = case("healthy", seed=2, length=40).log
    c = compare([("long", long), ("short", short)])
    assert c.alignment.method == "common_epochs" and (c.alignment.start, c.alignment.end) == (0, 39)
    assert c.run("long").measures.points_dropped == 60
    assert c.run("long").measures.best.at <= 39
    full = compare([("long", long), ("short", short)], alignment="full")
    assert full.alignment.method == "full" and full.run("long").measures.points == 100


def test_json_round_trip():
    p = pair("slower", 2)
    c = compare([p.a, p.b])
    text = json.dumps(comparison_to_dict(c), allow_nan=False)
    back = comparison_from_dict(json.loads(text))
    assert comparison_to_dict(back) == comparison_to_dict(c)
    assert back.runs[0].diagnosis.summary == c.runs[0].diagnosis.summary
    assert back.verdict is c.verdict and back.differences[0].outcome is c.differences[0].outcome
    nan_fields = [d.ratio for d in back.differences]
    assert all(isinstance(v, float) for v in nan_fields)


def test_quiet_on_equal_runs_and_finds_real_differences():
    """The stated error rate: false claims on equal runs at most alpha (binomial 99.9% bound);
    real differences and slower runs are found."""
    n, alpha = 80, 0.05
    bound = stats.binom.ppf(0.999, n, alpha)
    for criterion in ("best", "final"):
        claims = 0
        for p in pairs("equal", n, seed=1000, noise=0.02):
            d = compare([p.a, p.b], criterion=criterion).difference(p.a.run_name, p.b.run_name)
            claims += d.outcome in (Outcome.A_BETTER, Outcome.B_BETTER)
        assert claims <= bound, (criterion, claims)
    found = sum(compare([p.a, p.b]).winner == p.a.run_name for p in pairs("better", 30, noise=0.02))
    assert found >= 27
    slower = 0
    for p in pairs("slower", 30, noise=0.02):
        c = compare([p.a, p.b])
        slower += c.run(p.b.run_name).measures.target_reached_at.value > (
            c.run(p.a.run_name).measures.target_reached_at.value
        )
    assert slower >= 28


def test_too_short_runs_give_no_winner():
    x = np.arange(3.0)
    from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog

    def log(name):
        s = Series("loss", Metric.LOSS, "loss", Split.TRAIN, Direction.LOWER, Granularity.EPOCH,
                   x, np.array([1.0, 0.9, 0.8]))  # fmt: skip
        return TrainingLog((s,), run_name=name)

    c = compare([log("a"), log("b")])
    assert c.verdict is Verdict.INSUFFICIENT_DATA and c.winner is None
    assert not math.isfinite(c.runs[0].measures.best.se)
    assert c.differences[0].outcome is Outcome.NOT_TESTABLE


def _step_log(n: int) -> TrainingLog:
    rng = np.random.default_rng(5)
    x = np.arange(n, dtype=float)

    def series(name: str, metric: Metric, direction: Direction, y: np.ndarray) -> Series:
        return Series(name, metric, name, Split.TRAIN, direction, Granularity.STEP, x, y,
                      source="test")  # fmt: skip

    loss = (0.3 + np.exp(-x / 500)) * (1 + 0.1 * rng.standard_normal(n))
    loss[1234] = np.nan
    accuracy = 0.9 - 0.5 * np.exp(-x / 500) + 0.02 * rng.standard_normal(n)
    return TrainingLog(
        (series("loss", Metric.LOSS, Direction.LOWER, loss),
         series("accuracy", Metric.ACCURACY, Direction.HIGHER, accuracy)),
        run_name="steps", source_format="test",
    )  # fmt: skip


@pytest.mark.parametrize("metric", [None, "loss", "accuracy"])
def test_a_long_step_metric_is_compared_as_window_medians(metric):
    log = _step_log(3000)
    profile = profile_run(RunSpec(None, "steps", log), metric=metric)
    curve = profile.curves[metric or "loss"]
    raw = log.by_name(metric or "loss")
    # 3,000 steps become at most max_windows = 300 consecutive windows, each the median of
    # its steps (NaN for the one that held the NaN), as the diagnosis sees the series.
    w = window(raw.values, raw.steps, max_windows=DEFAULT_SETTINGS.max_windows)
    assert curve.granularity == "step" and 1 < curve.x.size == w.start.size <= 300
    assert np.array_equal(curve.x, w.center_step)
    for i, (a, b) in enumerate(zip(w.start, w.stop, strict=True)):
        chunk = raw.values[a:b]
        expected = np.nan if np.isnan(chunk).any() else np.median(chunk)
        np.testing.assert_allclose(curve.y[i], expected)
    assert np.isnan(curve.y).sum() == (0 if metric == "accuracy" else 1)


def test_runs_with_the_same_name_get_their_folder_then_a_number():
    labels = ["a/log.csv", "b/log.csv", "c/x/log.csv", "d/x/log.csv", "solo.csv", "e.csv", "f.csv"]
    names = ["log", "log", "log", "log", "solo", None, None]
    specs = [RunSpec(None, label, None) for label in labels]
    profiles = [Profile(n, label, None, {}, {}) for n, label in zip(names, labels, strict=True)]
    renamed = [p.name for p in with_unique_names(specs, profiles)]
    assert renamed == ["a/log", "b/log", "x/log #3", "x/log #4", "solo", "run 6", "run 7"]
