"""Hold an analyzer's verdicts against the manifest: the check the fixtures exist for.

Needs neither TensorFlow nor scikit-learn. The analyzer is passed in as a callable, so this
module does not depend on the engine's API:

    problems = check_fixtures(Path("tests/fixtures/reference"), analyze)

where ``analyze(run_dir, entry)`` diagnoses the run in ``run_dir`` (any of its files; ``entry``
is the scenario's manifest entry, whose ``baseline`` gives the constant-predictor loss the
``must`` lists assume is known) and returns the finding codes, most important first.
:func:`hints` turns that baseline into the analyzer's hints, and :func:`format_sources` names
the files of each format, so every format can be held against the same manifest.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from reference_trainer.writers import download_stem

Analyze = Callable[[Path, Mapping[str, Any]], Sequence[str]]

#: The formats every run is written in, as :func:`format_sources` names them.
FORMATS = ("log.csv", "history.json", "tensorboard", "download.csv", "download.json")


def hints(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The analyzer hints (``analyzer.model.hints.Hints`` fields) the ``must`` lists assume:
    the loss family, and for MSE the training targets' variance (the constant predictor's
    loss). Binary cross-entropy needs no number: its chance level is ln 2."""
    baseline = entry["baseline"]
    if baseline["kind"] == "mse_constant_predictor":
        return {"loss": "mse", "target_variance": baseline["train"]}
    if baseline["kind"] == "bce_constant_predictor":
        return {"loss": "binary_crossentropy"}
    raise ValueError(f"{entry['name']}: unknown baseline kind {baseline['kind']!r}")


def format_sources(run_dir: Path, entry: Mapping[str, Any]) -> dict[str, Path | list[Path]]:
    """What to load for each of :data:`FORMATS`: a file, the TensorBoard log directory, or
    the UI downloads of every split the run has (one file per split)."""
    folders = {f.rsplit("/", 1)[0] for f in entry["files"]}
    splits = [s for s in ("train", "validation") if f"tb/{s}" in folders]
    downloads = {
        suffix: [run_dir / f"{download_stem(entry['name'], s)}{suffix}" for s in splits]
        for suffix in (".csv", ".json")
    }
    return {
        "log.csv": run_dir / "log.csv",
        "history.json": run_dir / "history.json",
        "tensorboard": run_dir / "tb",
        "download.csv": downloads[".csv"],
        "download.json": downloads[".json"],
    }


def diagnosis_problems(entry: Mapping[str, Any], codes: Sequence[str]) -> list[str]:
    """What is wrong with ``codes`` (ranked, primary first) for this manifest entry; empty if
    nothing. A run expected healthy (``expected_primary`` null) only needs its ``must_not``."""
    found = list(codes)
    problems = [f"missing {code}" for code in entry["must"] if code not in found]
    problems += [f"should not report {code}" for code in entry["must_not"] if code in found]
    primary = entry["expected_primary"]
    if primary is not None and (not found or found[0] != primary):
        problems.append(f"primary is {found[0] if found else None}, expected {primary}")
    return problems


def check_fixtures(root: Path, analyze: Analyze) -> dict[str, list[str]]:
    """Run ``analyze`` on every scenario under ``root``; the scenarios with problems."""
    manifest = json.loads((root / "manifest.json").read_text())
    results = {}
    for entry in manifest["scenarios"]:
        problems = diagnosis_problems(entry, analyze(root / entry["name"], entry))
        if problems:
            results[entry["name"]] = problems
    return results
