"""Hold an analyzer's verdicts against the manifest: the check the fixtures exist for.

Needs neither TensorFlow nor scikit-learn. The analyzer is passed in as a callable, so this
module does not depend on the engine's API:

    problems = check_fixtures(Path("tests/fixtures/reference"), analyze)

where ``analyze(run_dir, entry)`` diagnoses the run in ``run_dir`` (any of its files; ``entry``
is the scenario's manifest entry, whose ``baseline`` gives the constant-predictor loss the
``must`` lists assume is known) and returns the finding codes, most important first.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

Analyze = Callable[[Path, Mapping[str, Any]], Sequence[str]]


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
