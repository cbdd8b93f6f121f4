"""The committed reference fixtures: complete, consistent across formats, and showing what the
manifest says they show. Needs no TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from reference_trainer.facts import failed_checks, run_facts
from reference_trainer.scenario import CODES
from reference_trainer.scenarios import SCENARIOS, by_name
from reference_trainer.writers import download_stem
from tests.reference_trainer.fixtures import (
    FIXTURES,
    entries,
    read_download_csv,
    read_download_json,
    read_history,
    read_log_csv,
    split_series,
)

ENTRIES = entries()
IDS = [e["name"] for e in ENTRIES]
# float32 in event files and downloads against float64 (sklearn) or float32-as-float64 (Keras)
F32 = {"rtol": 1e-6, "atol": 0.0}


def _same(actual, expected, **tol):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(np.isnan(actual), np.isnan(expected))
    np.testing.assert_array_equal(np.isposinf(actual), np.isposinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_allclose(actual[finite], expected[finite], **tol)


def test_manifest_covers_the_scenario_table_in_order():
    assert [s.name for s in SCENARIOS] == IDS
    assert {e["example"] for e in ENTRIES} == {1, 2, 3, 4, 5, 6, "variant"}


def test_fixtures_stay_small():
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    assert total < 4 * 1024**2


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_files_are_exactly_those_listed(entry):
    run_dir = FIXTURES / entry["name"]
    on_disk = sorted(p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file())
    assert on_disk == entry["files"]
    splits = split_series(entry)
    required = {"log.csv", "history.json"}
    for split in splits:
        stem = download_stem(entry["name"], split)
        required |= {f"{stem}.csv", f"{stem}.json"}
        assert any(f.startswith(f"tb/{split}/events.out.tfevents.") for f in entry["files"])
    assert required <= set(entry["files"])


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_every_format_holds_the_same_numbers_read_independently(entry):
    run_dir = FIXTURES / entry["name"]
    history = read_history(run_dir / "history.json")
    csv = read_log_csv(run_dir / "log.csv")
    assert set(csv) == set(history)
    for name, values in history.items():
        _same(csv[name], values, rtol=0, atol=0)  # str(float) round-trips exactly
    for split, name in split_series(entry).items():
        stem = download_stem(entry["name"], split)
        for reader, suffix in ((read_download_csv, ".csv"), (read_download_json, ".json")):
            steps, values = reader(run_dir / f"{stem}{suffix}")
            assert list(steps) == list(range(len(history[name])))
            _same(values, history[name].astype(np.float32), **F32)


def _series(log, name):
    series = log.by_name(name)
    assert series is not None, f"{name} not found; have {log.names}"
    return series.values


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_analyzer_ingest_loads_every_format_to_the_same_series(entry):
    from analyzer.ingest import load

    run_dir = FIXTURES / entry["name"]
    history = read_history(run_dir / "history.json")
    names = list(split_series(entry).values())
    exact = {"log.csv": load(run_dir / "log.csv"), "history.json": load(run_dir / "history.json")}
    for log in exact.values():
        for name in names:
            _same(_series(log, name), history[name], rtol=0, atol=0)
    tb = load(run_dir / "tb")
    for name in names:
        _same(_series(tb, name), history[name], **F32)
    for suffix in (".csv", ".json"):
        paths = [
            run_dir / f"{download_stem(entry['name'], s)}{suffix}" for s in split_series(entry)
        ]
        merged = load(paths if len(paths) > 1 else paths[0])
        for name in names:
            _same(_series(merged, name), history[name], **F32)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_facts_checks_and_reason_agree_with_the_files(entry):
    scenario = by_name(entry["name"])
    history = read_log_csv(FIXTURES / entry["name"] / "log.csv")
    facts = run_facts(history, entry["baseline"])
    assert facts.keys() == entry["facts"].keys()
    for key, value in facts.items():
        recorded = entry["facts"][key]
        if value is None or recorded is None:
            assert value is recorded, key
        else:
            assert value == pytest.approx(recorded, rel=1e-12), key
    assert failed_checks(scenario.expected.checks, facts) == []
    assert entry["failed_checks"] == []
    assert entry["checks"] == list(scenario.expected.checks)
    assert entry["reason"] == scenario.expected.reason.format(**facts)


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_expected_codes_are_known_and_fit_the_numbers(entry):
    assert set(entry["must"]) | set(entry["must_not"]) <= set(CODES)
    assert entry["expected_primary"] is None or entry["expected_primary"] in entry["must"]
    history = read_history(FIXTURES / entry["name"] / "history.json")
    non_finite = any(not np.isfinite(v).all() for v in history.values())
    if "NON_FINITE_LOSS" in entry["must_not"]:
        assert not non_finite
    if "NON_FINITE_LOSS" in entry["must"]:
        assert non_finite


def test_codes_match_the_analyzer_table():
    findings = pytest.importorskip("analyzer.model.findings")
    assert set(CODES) == {c.value for c in findings.Code}


def _history(name):
    return read_history(FIXTURES / name / "history.json")


def _entry(name):
    return next(e for e in ENTRIES if e["name"] == name)


def test_divergence_grows_then_overflows_then_nan():
    loss = _history("var_divergence_nan")["loss"]
    finite = loss[np.isfinite(loss)]
    first_bad = int(np.flatnonzero(~np.isfinite(loss))[0])
    assert np.all(np.isfinite(loss[:first_bad])) and np.all(np.diff(finite) > 0)
    assert np.isposinf(loss[first_bad]) and np.isnan(loss[-1])


def test_oscillation_alternates_every_epoch_at_the_end():
    loss = _history("var_oscillation")["loss"]
    signs = np.sign(np.diff(loss[-21:]))
    assert np.all(signs[1:] == -signs[:-1])
    assert np.min(loss[-20:].reshape(-1, 2).max(1) / loss[-20:].reshape(-1, 2).min(1)) > 1.1


def test_early_stopping_gave_up_a_better_model():
    entry = _entry("var_early_stop_impatient")
    val = _history("var_early_stop_impatient")["val_loss"]
    full = entry["results"]["without_early_stopping"]
    assert full["identical_until_stop"]
    assert len(val) < full["epochs"]
    assert full["val_loss_min"] < 0.9 * val.min()


def test_overfitting_val_turns_up_while_train_goes_to_zero():
    h = _history("var_overfitting")
    best = int(np.argmin(h["val_loss"]))
    assert best < 50 and h["val_loss"][-1] > 1.2 * h["val_loss"][best]
    assert h["loss"][-1] < 1e-3 * h["loss"][best]


def test_healthy_run_ends_near_its_best_with_val_tracking_train():
    h = _history("var_healthy")
    assert np.argmin(h["val_loss"]) >= len(h["val_loss"]) - 5
    assert 0.8 < h["val_loss"][-1] / h["loss"][-1] < 1.3


def test_sklearn_closed_form_and_sgd_reach_the_same_least_squares_fit():
    entry = _entry("ex1_linear_regression_sgd")
    closed = entry["results"]["linear_regression"]["train_mse"]
    sgd = _history("ex1_linear_regression_sgd")["loss"][-1]
    assert closed <= sgd * (1 + 1e-9)  # least squares is the optimum
    assert sgd == pytest.approx(closed, rel=0.01)


def test_mlp_loss_curve_is_half_the_mse():
    entry = _entry("ex2_mlp_fit")
    loss_curve_last = _history("ex2_mlp_fit")["loss"][-1]
    half_mse = entry["results"]["train_mse"] / 2
    # loss_curve_ is recorded before the last update and includes the small L2 term
    assert half_mse == pytest.approx(loss_curve_last, rel=0.05)
    assert _entry("ex2_mlp_partial_fit_val")["results"]["partial_fit_follows_fit_trajectory"]
    n_iter = _entry("ex2_mlp_partial_fit_val")["results"]["fit"]["n_iter"]
    assert (
        n_iter
        == len(_history("ex2_mlp_fit")["loss"])
        == len(_history("ex2_mlp_partial_fit_val")["val_loss"])
    )
