"""Regenerating gives the committed numbers (determinism) and the manifest's verdicts, and the
verdict helper works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from reference_trainer.expectations import (
    FORMATS,
    check_fixtures,
    diagnosis_problems,
    format_sources,
)
from tests.reference_trainer.fixtures import FIXTURES, entries, read_history
from tests.reference_trainer.verdicts import ranked_codes

#: One scikit-learn run, one article Keras run, one phenomenon variant.
REGENERATED = ("ex2_mlp_partial_fit_val", "ex5_relu_val", "var_oscillation")


@pytest.mark.slow
def test_regenerating_reproduces_the_committed_fixtures(tmp_path):
    pytest.importorskip("tensorflow")
    pytest.importorskip("sklearn")
    args = [sys.executable, "-m", "reference_trainer", "--out", str(tmp_path)]
    for name in REGENERATED:
        args += ["--scenario", name]
    # A subprocess: TensorFlow's thread counts can only be set before its runtime starts.
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    progress = [line for line in done.stderr.splitlines() if line.endswith(" ok")]
    assert [line.split(":")[0] for line in progress] == list(REGENERATED)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    committed = {e["name"]: e for e in entries()}
    for entry in manifest["scenarios"]:
        name = entry["name"]
        fresh = read_history(tmp_path / name / "history.json")
        old = read_history(FIXTURES / name / "history.json")
        assert fresh.keys() == old.keys()
        for key in old:
            np.testing.assert_allclose(fresh[key], old[key], rtol=1e-5, equal_nan=True)
        assert entry["expected_primary"] == committed[name]["expected_primary"]
        assert entry["reason"] == committed[name]["reason"]
    # The fresh runs, in every format, get the verdicts their fresh manifest expects.
    for fmt in FORMATS:

        def analyze(run_dir: Path, entry: dict, fmt: str = fmt) -> list[str]:
            return ranked_codes(format_sources(run_dir, entry)[fmt], entry)

        assert check_fixtures(tmp_path, analyze) == {}, fmt


def test_diagnosis_problems_names_each_disagreement():
    entry = {
        "expected_primary": "OVERFITTING",
        "must": ["OVERFITTING"],
        "must_not": ["NO_LEARNING"],
    }
    assert diagnosis_problems(entry, ["OVERFITTING", "NOT_CONVERGED"]) == []
    assert diagnosis_problems(entry, ["NO_LEARNING"]) == [
        "missing OVERFITTING",
        "should not report NO_LEARNING",
        "primary is NO_LEARNING, expected OVERFITTING",
    ]
    healthy = {"expected_primary": None, "must": [], "must_not": ["OVERFITTING"]}
    assert diagnosis_problems(healthy, []) == []
    assert diagnosis_problems(healthy, ["NOT_CONVERGED"]) == []


def test_check_fixtures_runs_the_callable_on_every_scenario():
    seen: list[Path] = []

    def analyze(run_dir: Path, entry: dict) -> list[str]:
        seen.append(run_dir)
        return list(entry["must"])  # an analyzer that says exactly what is required

    assert check_fixtures(FIXTURES, analyze) == {}
    assert [p.name for p in seen] == [e["name"] for e in entries()]
    failures = check_fixtures(FIXTURES, lambda run_dir, entry: ["NON_FINITE_LOSS"])
    assert failures["var_divergence_nan"] == ["missing DIVERGENCE"]
    assert failures["var_healthy"] == ["should not report NON_FINITE_LOSS"]
