"""The analyzer's verdicts on the committed real runs: in every format, each fixture gives the
manifest's primary finding and required codes and none of its forbidden codes. Needs no
TensorFlow (the fixtures are committed; the analyzer reads them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_trainer.expectations import (
    FORMATS,
    check_fixtures,
    diagnosis_problems,
    format_sources,
    hints,
)
from tests.reference_trainer.fixtures import FIXTURES, entries
from tests.reference_trainer.verdicts import NO_PRIMARY, ranked_codes

ENTRIES = entries()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("entry", ENTRIES, ids=[e["name"] for e in ENTRIES])
def test_each_format_gives_the_manifest_verdict(entry, fmt):
    source = format_sources(FIXTURES / entry["name"], entry)[fmt]
    codes = ranked_codes(source, entry)
    assert diagnosis_problems(entry, codes) == [], codes


def test_check_fixtures_with_the_analyzer_finds_no_problem():
    def analyze(run_dir: Path, entry: dict) -> list[str]:
        return ranked_codes(run_dir / "history.json", entry)

    assert check_fixtures(FIXTURES, analyze) == {}


def test_an_info_only_diagnosis_is_no_primary():
    entry = next(e for e in ENTRIES if e["expected_primary"] == "OVERFITTING")
    assert diagnosis_problems(entry, [NO_PRIMARY, "OVERFITTING"]) == [
        f"primary is {NO_PRIMARY}, expected OVERFITTING"
    ]


def test_hints_follow_the_baseline_kind():
    mse = {"name": "x", "baseline": {"kind": "mse_constant_predictor", "train": 2.5}}
    assert hints(mse) == {"loss": "mse", "target_variance": 2.5}
    bce = {"name": "x", "baseline": {"kind": "bce_constant_predictor", "train": 0.69}}
    assert hints(bce) == {"loss": "binary_crossentropy"}
    with pytest.raises(ValueError, match="unknown baseline kind"):
        hints({"name": "x", "baseline": {"kind": "mae", "train": 1.0}})


def test_format_sources_name_existing_files_for_every_split():
    for entry in ENTRIES:
        sources = format_sources(FIXTURES / entry["name"], entry)
        assert set(sources) == set(FORMATS)
        splits = 2 if "val_loss_first" in entry["facts"] else 1
        for fmt in ("download.csv", "download.json"):
            assert len(sources[fmt]) == splits
            assert all(p.is_file() for p in sources[fmt])
        assert sources["tensorboard"].is_dir()
