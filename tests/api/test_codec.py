"""analyzer.api.codec: exact round trips of real and edge-case diagnoses, complete enum tables,
hints and series decoding with errors that name the field."""

from __future__ import annotations

import math
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pytest
from google.protobuf.json_format import MessageToDict

import analyzer
from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as service_pb
from analyzer.api.v1 import diagnosis_pb2 as pb
from analyzer.errors import InputError
from analyzer.model.findings import (
    Code,
    DetectorFailure,
    Diagnosis,
    Evidence,
    Finding,
    Severity,
    Summary,
    Verdict,
)
from analyzer.model.hints import Hints, LossKind

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "fixtures" / "reference"


def _same(a, b) -> bool:
    """Dataclass equality where NaN equals NaN."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or a == b
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if hasattr(a, "__dataclass_fields__") and type(a) is type(b):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    return a == b and type(a) is type(b)


def _reference_logs() -> list[Path]:
    return sorted(p for p in REFERENCE.glob("*/*.csv"))[:12]


@pytest.mark.parametrize("path", _reference_logs(), ids=lambda p: p.parent.name + "/" + p.name)
def test_real_diagnoses_round_trip_exactly(path: Path):
    diagnosis = analyzer.analyze(path)
    back = codec.diagnosis_from_proto(codec.diagnosis_to_proto(diagnosis))
    assert _same(back, diagnosis)
    assert back.primary is None or any(back.primary is f for f in back.findings)
    # The wire form survives serialization too.
    wire = pb.Diagnosis.FromString(codec.diagnosis_to_proto(diagnosis).SerializeToString())
    assert _same(codec.diagnosis_from_proto(wire), diagnosis)


def _edge_diagnosis() -> Diagnosis:
    evidence = (
        Evidence("nan_value", math.nan),
        Evidence("inf", math.inf, "infinite", "test", 0.0, 1e-300, ">=", "epochs", "p_value"),
        Evidence("nan_p", 1.5, p_value=math.nan),
        Evidence("empty_strings", -0.0, test="", comparison="", unit=""),
    )
    finding = Finding(
        code=Code.DIVERGENCE,
        title="t",
        severity=Severity.CRITICAL,
        confidence=0.25,
        summary="s",
        explanation="e",
        recommendations=("a", "b"),
        evidence=evidence,
        series=("loss",),
        start=None,
        end=12.0,
        granularity="step",
    )
    info = replace(finding, code=Code.VAL_BELOW_TRAIN, severity=Severity.INFO, start=0.0)
    return Diagnosis(
        verdict=Verdict.FAILING,
        primary=finding,
        findings=(finding, info),
        summary=Summary(epochs=3, granularity="step", best_epoch=2.0, window=8),
        run_name=None,
        source_format="mixed: a, b",
        warnings=("w1",),
        failures=(DetectorFailure("PLATEAU", "ValueError: x"),),
    )


def test_edge_values_round_trip_exactly():
    diagnosis = _edge_diagnosis()
    message = codec.diagnosis_to_proto(diagnosis)
    # Unknown numbers are absent on the wire; None strings are absent, empty ones present.
    assert not message.findings[0].evidence[0].HasField("value")
    assert not message.summary.HasField("final_gap")
    assert message.summary.best_epoch == 2.0
    assert not message.findings[0].HasField("start")
    assert not message.findings[0].evidence[0].HasField("test")
    assert message.findings[0].evidence[3].HasField("test")
    assert not message.HasField("run_name")
    back = codec.diagnosis_from_proto(message)
    assert _same(back, diagnosis)
    assert back.findings[0].evidence[3].test == ""
    assert math.copysign(1, back.findings[0].evidence[3].value) == -1


def test_no_primary_round_trips_as_absent():
    diagnosis = replace(_edge_diagnosis(), primary=None, verdict=Verdict.HEALTHY)
    message = codec.diagnosis_to_proto(diagnosis)
    assert not message.HasField("primary")
    assert codec.diagnosis_from_proto(message).primary is None


def test_enum_tables_cover_both_sides():
    proto_severities = set(pb.Severity.values()) - {pb.SEVERITY_UNSPECIFIED}
    assert {codec.severity_to_proto(s) for s in Severity} == proto_severities
    proto_verdicts = {pb.Verdict.Name(v) for v in pb.Verdict.values()} - {"VERDICT_UNSPECIFIED"}
    assert {f"VERDICT_{v.name}" for v in Verdict} == proto_verdicts
    for verdict in Verdict:
        d = replace(_edge_diagnosis(), verdict=verdict)
        assert pb.Verdict.Name(codec.diagnosis_to_proto(d).verdict) == f"VERDICT_{verdict.name}"


def test_message_field_names_mirror_the_domain_dataclasses():
    """json_contract.md: the wire uses the dataclasses' own field names."""
    for message, dataclass in (
        (pb.Diagnosis, Diagnosis),
        (pb.Finding, Finding),
        (pb.Evidence, Evidence),
        (pb.Summary, Summary),
        (pb.DetectorFailure, DetectorFailure),
    ):
        assert set(message.DESCRIPTOR.fields_by_name) == {f.name for f in fields(dataclass)}


def test_dict_form_uses_snake_case_names_and_string_codes():
    diagnosis = analyzer.analyze(ROOT / "examples" / "keras_overfitting.csv")
    as_dict = MessageToDict(codec.diagnosis_to_proto(diagnosis), preserving_proto_field_name=True)
    assert as_dict["verdict"] == "VERDICT_NEEDS_ATTENTION"
    assert as_dict["primary"]["code"] == "OVERFITTING"
    assert as_dict["summary"]["best_epoch"] == diagnosis.summary.best_epoch
    assert as_dict["source_format"] == diagnosis.source_format


def test_hints_round_trip_and_aliases():
    hints = Hints(loss="bce", num_classes=2, learning_rate=1e-3, early_stopping_patience=0)
    message = codec.hints_to_proto(hints)
    assert message.loss == "binary_crossentropy"
    assert message.HasField("early_stopping_patience")  # zero is a value, not "unset"
    assert codec.hints_from_proto(message) == hints
    assert codec.hints_from_proto(service_pb.Hints()) is None
    assert codec.hints_from_proto(service_pb.Hints(loss="MSE")).loss is LossKind.MSE


def test_invalid_hints_name_the_field():
    with pytest.raises(InputError) as caught:
        codec.hints_from_proto(service_pb.Hints(num_classes=0), path="start.hints")
    assert caught.value.field == "start.hints.num_classes"
    assert "num_classes" in str(caught.value)


def test_series_decoding_defaults_steps_and_checks_lengths():
    column = codec.series_from_proto(
        service_pb.SeriesData(metric="loss", values=[3.0, 2.0, math.nan]), path="series[0]"
    )
    assert column.steps.tolist() == [0.0, 1.0, 2.0]
    assert column.split is None and column.granularity is None
    assert np.isnan(column.values[2])
    with pytest.raises(InputError) as caught:
        codec.series_from_proto(
            service_pb.SeriesData(metric="loss", steps=[0, 1], values=[1.0]), path="series[2]"
        )
    assert caught.value.field == "series[2].steps"
    with pytest.raises(InputError) as caught:
        codec.series_from_proto(service_pb.SeriesData(values=[1.0]), path="series[0]")
    assert caught.value.field == "series[0].metric"
    back = codec.series_from_proto(codec.series_to_proto(column), path="x")
    assert back.metric == "loss" and np.array_equal(back.values, column.values, equal_nan=True)
