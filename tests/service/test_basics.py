"""Every RPC against a real server on loopback, plus health and reflection."""

from __future__ import annotations

import itertools

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

import analyzer
from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.detectors import SPECS
from analyzer.model.findings import Code, Verdict
from tests.service.conftest import KERAS_CSV, epoch_messages, keras_request


def test_analyze_log_returns_the_in_process_diagnosis(stub):
    response = stub.AnalyzeLog(keras_request(), timeout=30)
    got = codec.diagnosis_from_proto(response.diagnosis)
    expected = analyzer.analyze([("history.csv", KERAS_CSV.read_bytes())])
    assert got.verdict is Verdict.NEEDS_ATTENTION
    assert got.primary is not None and got.primary.code is Code.OVERFITTING
    assert got.findings == expected.findings
    assert got.codes() == expected.codes()


def test_analyze_log_honours_hints_and_format(stub):
    request = keras_request(format="keras-csv", hints=pb.Hints(loss="bce", num_classes=2))
    with_hints = codec.diagnosis_from_proto(stub.AnalyzeLog(request, timeout=30).diagnosis)
    expected = analyzer.analyze(
        [("history.csv", KERAS_CSV.read_bytes())],
        format="keras-csv",
        hints={"loss": "binary_crossentropy", "num_classes": 2},
    )
    assert with_hints.findings == expected.findings


def test_analyze_log_reads_several_files_of_one_run(stub):
    lines = KERAS_CSV.read_text().splitlines()
    header, rows = lines[0], lines[1:]
    cols = header.split(",")
    train = "epoch,loss\n" + "\n".join(
        f"{r.split(',')[0]},{r.split(',')[cols.index('loss')]}" for r in rows
    )
    val = "epoch,val_loss\n" + "\n".join(
        f"{r.split(',')[0]},{r.split(',')[cols.index('val_loss')]}" for r in rows
    )
    request = pb.AnalyzeLogRequest(
        files=[
            pb.LogFile(name="train.csv", content=train.encode()),
            pb.LogFile(name="val.csv", content=val.encode()),
        ]
    )
    got = codec.diagnosis_from_proto(stub.AnalyzeLog(request, timeout=30).diagnosis)
    assert Code.OVERFITTING in got.codes()
    assert got.summary.epochs == len(rows)


def _keras_series() -> list[pb.SeriesData]:
    import csv

    with KERAS_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    steps = [float(r["epoch"]) for r in rows]
    return [
        pb.SeriesData(metric="loss", steps=steps, values=[float(r["loss"]) for r in rows]),
        pb.SeriesData(
            metric="loss",
            split=pb.SPLIT_VALIDATION,
            steps=steps,
            values=[float(r["val_loss"]) for r in rows],
        ),
    ]


def test_analyze_series_matches_the_same_numbers_as_a_file(stub):
    response = stub.AnalyzeSeries(
        pb.AnalyzeSeriesRequest(series=_keras_series(), run_name="run-7"), timeout=30
    )
    got = codec.diagnosis_from_proto(response.diagnosis)
    file_diagnosis = analyzer.analyze(KERAS_CSV)
    assert got.run_name == "run-7"
    assert got.source_format == "series"
    # Only loss curves were sent (no accuracy): the loss findings are the file's.
    assert got.primary.code is Code.OVERFITTING
    assert got.summary.best_epoch == file_diagnosis.summary.best_epoch
    assert got.summary.best_val_loss == file_diagnosis.summary.best_val_loss


def test_analyze_series_without_steps_numbers_points_from_zero(stub):
    values = [1.0 / (1 + i) for i in range(30)]
    response = stub.AnalyzeSeries(
        pb.AnalyzeSeriesRequest(series=[pb.SeriesData(metric="loss", values=values)]), timeout=30
    )
    assert response.diagnosis.summary.epochs == 30


def test_list_detectors_is_the_catalog(stub):
    response = stub.ListDetectors(pb.ListDetectorsRequest(), timeout=10)
    assert [d.code for d in response.detectors] == [str(code) for code in SPECS]
    assert {d.code for d in response.detectors} == {str(c) for c in Code}
    overfitting = next(d for d in response.detectors if d.code == "OVERFITTING")
    assert overfitting.title == SPECS[Code.OVERFITTING].title
    assert overfitting.remedy == SPECS[Code.OVERFITTING].remedy
    assert "GENERALIZATION_GAP" in {
        d.code for d in response.detectors if "OVERFITTING" in d.superseded_by
    }


def _first_epoch_offline_reports_overfitting() -> int:
    """Independent of the stream: analyze every prefix of the log in process."""
    import csv

    with KERAS_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    for k in range(2, len(rows) + 1):
        columns = [
            codec.SeriesColumn("loss", None, None, _arr(rows[:k], "epoch"), _arr(rows[:k], "loss")),
            codec.SeriesColumn(
                "val_loss", None, None, _arr(rows[:k], "epoch"), _arr(rows[:k], "val_loss")
            ),
        ]
        from analyzer.ingest import IngestLimits
        from analyzer.service.runs import log_from_columns

        log = log_from_columns(columns, run_name=None, limits=IngestLimits())
        if Code.OVERFITTING in analyzer.analyze(log).codes():
            return k
    raise AssertionError("the example never overfits")


def _arr(rows, key):
    import numpy as np

    return np.array([float(r[key]) for r in rows])


def test_stream_fed_epoch_by_epoch_reports_overfitting_once_it_starts(stub):
    responses = list(stub.StreamAnalyze(epoch_messages(), timeout=60))
    assert responses[-1].final and not any(r.final for r in responses[:-1])
    updates = responses[:-1]
    # An update is sent only when the findings or the primary change.
    keys = [
        (frozenset(f.code for f in r.diagnosis.findings), r.diagnosis.primary.code) for r in updates
    ]
    assert all(a != b for a, b in itertools.pairwise(keys))
    first = next(r for r in updates if r.diagnosis.primary.code == "OVERFITTING")
    onset = _first_epoch_offline_reports_overfitting()
    # Points 1..20 are analyzed one by one, later ones at least every 5 % of the run.
    assert onset <= first.points_received // 2 <= onset + max(1, onset // 20)
    assert all(
        "OVERFITTING" not in {f.code for f in r.diagnosis.findings}
        for r in updates
        if r.points_received // 2 < onset
    )
    final = codec.diagnosis_from_proto(responses[-1].diagnosis)
    assert final.run_name == "live"
    assert final.primary.code is Code.OVERFITTING


def test_stream_points_before_start_is_failed_precondition(stub):
    point = pb.StreamPoint(step=0, values={"loss": 1.0})
    messages = [pb.StreamAnalyzeRequest(points=pb.StreamPoints(points=[point]))]
    with pytest.raises(grpc.RpcError) as caught:
        list(stub.StreamAnalyze(iter(messages), timeout=10))
    assert caught.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "before start" in caught.value.details()


def test_health_reports_serving(channel):
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "analyzer.api.v1.AnalyzerService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_and_describes_the_service(channel):
    database = ProtoReflectionDescriptorDatabase(channel)
    services = set(database.get_services())
    assert {"analyzer.api.v1.AnalyzerService", "grpc.health.v1.Health"} <= services
    from google.protobuf.descriptor_pool import DescriptorPool

    pool = DescriptorPool(database)
    service = pool.FindServiceByName("analyzer.api.v1.AnalyzerService")
    assert {m.name for m in service.methods} == {
        "AnalyzeLog",
        "AnalyzeSeries",
        "StreamAnalyze",
        "ListDetectors",
        "CompareRuns",
    }
