"""The JSON form of a diagnosis: exact round trip, strict JSON, and the documented schema."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import jsonschema
import pytest

import analyzer
from analyzer.errors import ParseError
from analyzer.model.findings import Code, Diagnosis, Evidence, Finding, Summary
from analyzer.render.json import (
    SCHEMA_VERSION,
    diagnosis_from_dict,
    diagnosis_to_dict,
    document,
    error_to_dict,
)
from tests.render.samples import healthy_diagnosis, sample_diagnosis

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs/schema/analyzer-cli.schema.json").read_text())
FIXTURES = ROOT / "tests/fixtures/reference"


def _same(a: object, b: object) -> bool:
    """Equality where NaN equals NaN (dataclass == would say NaN != NaN)."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if dataclasses.is_dataclass(a):
        return type(a) is type(b) and all(
            _same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a)
        )
    if isinstance(a, tuple):
        return isinstance(b, tuple) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and a == b


def _validate(doc: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def _real_diagnoses() -> list[Diagnosis]:
    return [analyzer.analyze(p / "log.csv") for p in sorted(FIXTURES.iterdir()) if p.is_dir()]


def test_the_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("make", [sample_diagnosis, healthy_diagnosis])
def test_round_trip_is_exact(make):
    original = make()
    data = diagnosis_to_dict(original)
    # Strict JSON: no NaN or Infinity tokens, which many parsers reject.
    text = json.dumps(data, allow_nan=False)
    rebuilt = diagnosis_from_dict(json.loads(text))
    assert _same(rebuilt, original)
    assert rebuilt.primary is None or rebuilt.primary is rebuilt.findings[0]


def test_round_trip_on_every_reference_run():
    for d in _real_diagnoses():
        rebuilt = diagnosis_from_dict(json.loads(json.dumps(diagnosis_to_dict(d))))
        # Optional numbers that were NaN come back as None (both mean unknown); nothing else
        # may change, so the dictionaries are identical.
        assert diagnosis_to_dict(rebuilt) == diagnosis_to_dict(d)
        assert rebuilt.codes() == d.codes()
        assert rebuilt.verdict == d.verdict


def test_spellings_follow_the_contract():
    data = diagnosis_to_dict(sample_diagnosis())
    assert data["verdict"] == "needs_attention"
    assert data["primary"]["code"] == "OVERFITTING"
    assert [f["severity"] for f in data["findings"]] == ["warning", "warning", "warning", "info"]
    spikes = data["findings"][1]["evidence"][1]
    assert spikes["value"] == "Infinity" and spikes["p_value"] is None
    summary = data["summary"]
    assert summary["remaining_improvement"] is None  # NaN in the dataclass
    assert summary["epochs"] == 40 and isinstance(summary["epochs"], int)


def test_nan_in_an_optional_field_comes_back_as_none():
    finding = sample_diagnosis().findings[1]
    odd = dataclasses.replace(finding.evidence[1], p_value=math.nan, threshold=-math.inf)
    d = dataclasses.replace(
        sample_diagnosis(), findings=(dataclasses.replace(finding, evidence=(odd,)),)
    )
    rebuilt = diagnosis_from_dict(json.loads(json.dumps(diagnosis_to_dict(d)))).findings[0]
    assert rebuilt.evidence[0].p_value is None
    assert rebuilt.evidence[0].threshold == -math.inf
    assert rebuilt.evidence[0].value == math.inf


@pytest.mark.parametrize(
    ("definition", "cls"),
    [("diagnosis", Diagnosis), ("finding", Finding), ("evidence", Evidence), ("summary", Summary)],
)
def test_schema_documents_exactly_the_dataclass_fields(definition, cls):
    documented = set(SCHEMA["$defs"][definition]["properties"])
    assert documented == {f.name for f in dataclasses.fields(cls)}
    assert set(SCHEMA["$defs"][definition]["required"]) == documented


def test_schema_lists_every_code():
    assert SCHEMA["$defs"]["finding"]["properties"]["code"]["enum"] == [c.value for c in Code]


def test_documents_of_real_and_awkward_runs_validate():
    runs = [
        {"input": "x", "run_name": d.run_name, "diagnosis": diagnosis_to_dict(d)}
        for d in [*_real_diagnoses(), sample_diagnosis(), healthy_diagnosis()]
    ]
    error = ParseError("'abc' is not a number", source="m.csv", line=7, field="loss")
    runs.append({"input": "m.csv", "run_name": None, "error": error_to_dict(error)})
    doc = document(runs, generator="test")
    assert doc["schema_version"] == SCHEMA_VERSION
    _validate(json.loads(json.dumps(doc, allow_nan=False)))
    assert (
        doc["runs"][-1]["error"]["message"] == "m.csv: line 7: column 'loss': 'abc' is not a number"
    )


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["runs"][0]["diagnosis"].update(verdict="fine"),
        lambda d: d["runs"][0]["diagnosis"]["findings"][0].pop("evidence"),
        lambda d: d["runs"][0]["diagnosis"]["summary"].update(best_epoch="NaN"),
        lambda d: d["runs"][0].update(error={"reason": "EMPTY_LOG", "message": "m"}),
        lambda d: d.update(schema_version=2),
    ],
)
def test_schema_rejects_broken_documents(breakage):
    doc = document(
        [{"input": "x", "run_name": "s", "diagnosis": diagnosis_to_dict(sample_diagnosis())}],
        generator="test",
    )
    _validate(doc)
    breakage(doc)
    with pytest.raises(jsonschema.ValidationError):
        _validate(doc)
