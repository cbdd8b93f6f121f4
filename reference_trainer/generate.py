"""Run scenarios into a directory, write every log format, and keep ``manifest.json`` current."""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from reference_trainer import facts as facts_mod
from reference_trainer import writers
from reference_trainer.runtime import library_versions, seed_everything
from reference_trainer.scenario import Scenario
from reference_trainer.scenarios import SCENARIOS

MANIFEST = "manifest.json"


def run_scenario(scenario: Scenario, out_root: Path) -> dict[str, Any]:
    """Train one scenario into ``out_root/<name>/`` and return its manifest entry.

    The directory is emptied first: the TensorBoard callback adds a new event file per run
    instead of replacing the old one, which would leave two runs in ``tb/``.
    """
    out_dir = out_root / scenario.name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    seed_everything(scenario.seed)
    outcome = scenario.run(scenario.params, scenario.seed, out_dir)
    history = outcome.history
    if outcome.framework == "sklearn":
        writers.write_keras_csv(out_dir / "log.csv", history)
        writers.write_summaries(out_dir / "tb", history)
    writers.write_history_json(out_dir / "history.json", history)
    writers.write_downloads(out_dir, scenario.name, out_dir / "tb")
    measured = facts_mod.run_facts(history, outcome.baseline)
    expected = scenario.expected
    return {
        "name": scenario.name,
        "example": scenario.example,
        "summary": scenario.summary,
        "framework": outcome.framework,
        "seed": scenario.seed,
        "params": scenario.params,
        "quirks": list(scenario.quirks),
        "versions": library_versions(),
        "files": sorted(
            p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()
        ),
        "baseline": outcome.baseline,
        "results": outcome.results,
        "facts": measured,
        "expected_primary": expected.primary,
        "must": list(expected.must),
        "must_not": list(expected.must_not),
        "checks": list(expected.checks),
        "reason": expected.reason.format(**measured),
        "failed_checks": facts_mod.failed_checks(expected.checks, measured),
    }


def update_manifest(out_root: Path, entries: list[dict[str, Any]]) -> Path:
    """Merge ``entries`` into ``out_root/manifest.json`` (scenarios not rerun are kept), in the
    order of the scenario table."""
    path = out_root / MANIFEST
    existing: dict[str, dict] = {}
    if path.exists():
        existing = {e["name"]: e for e in json.loads(path.read_text())["scenarios"]}
    existing.update({e["name"]: e for e in entries})
    order = [s.name for s in SCENARIOS]
    merged = sorted(
        existing.values(),
        key=lambda e: order.index(e["name"]) if e["name"] in order else len(order),
    )
    document = {
        "generator": "python -m reference_trainer",
        "codes_note": "finding codes as in analyzer.model.findings.Code",
        "scenarios": merged,
    }
    path.write_text(json.dumps(document, indent=1, allow_nan=False) + "\n")
    return path


def generate(scenarios: list[Scenario], out_root: Path) -> list[dict[str, Any]]:
    """Run ``scenarios`` in order, printing one progress line per scenario on stderr."""
    out_root.mkdir(parents=True, exist_ok=True)
    entries = []
    for scenario in scenarios:
        start = time.perf_counter()
        entry = run_scenario(scenario, out_root)
        status = "ok" if not entry["failed_checks"] else f"CHECKS FAILED: {entry['failed_checks']}"
        print(f"{scenario.name}: {time.perf_counter() - start:.1f}s {status}", file=sys.stderr)
        entries.append(entry)
    update_manifest(out_root, entries)
    return entries
