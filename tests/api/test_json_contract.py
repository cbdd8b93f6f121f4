"""json_contract.md: the protobuf Diagnosis and the CLI's JSON hold the same content under the
same field names; they differ only in enum spelling (and proto JSON's int64-as-string)."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict

import analyzer
from analyzer.api import codec
from analyzer.render.json import diagnosis_to_dict

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = sorted((ROOT / "tests" / "fixtures" / "reference").glob("*/*.csv"))
LOGS = [ROOT / "examples" / "keras_overfitting.csv", *REFERENCE[:8]]


def _normalize(proto: object, json: object, key: str = "") -> object:
    """The proto dict value spelled as the JSON document spells it."""
    if isinstance(json, dict):
        proto = proto or {}
        return {k: _normalize(proto.get(k), v, k) for k, v in json.items()}
    if isinstance(json, list):
        return [_normalize(p, j, key) for p, j in zip(proto or [], json, strict=False)]
    if key == "severity":
        return proto.removeprefix("SEVERITY_").lower()
    if key == "verdict":
        return proto.removeprefix("VERDICT_").lower()
    if key in ("epochs", "window"):
        return int(proto)
    return proto


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.parent.name + "/" + p.name)
def test_proto_dict_and_cli_json_hold_the_same_content(path: Path):
    diagnosis = analyzer.analyze(path)
    as_json = diagnosis_to_dict(diagnosis)
    as_proto = MessageToDict(
        codec.diagnosis_to_proto(diagnosis),
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )
    # Absent on the wire (no primary finding, unknown numbers) is null in JSON.
    assert set(as_proto) <= set(as_json)
    assert _normalize(as_proto, as_json) == as_json
