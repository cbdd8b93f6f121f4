"""Every error path of the service: rich INVALID_ARGUMENT, limits, deadlines, the concurrency
cap, stream misuse and INTERNAL with a request id."""

from __future__ import annotations

import logging
import threading
import time

import grpc
import pytest

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.service import ServerOptions, ServiceLimits
from tests.service.conftest import (
    KERAS_CSV,
    ServerThread,
    error_details,
    keras_request,
    serving,
)


def _fail(call, *args, **kwargs) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        call(*args, timeout=kwargs.pop("timeout", 30), **kwargs)
    return caught.value


def _log_request(name: str, content: bytes) -> pb.AnalyzeLogRequest:
    return pb.AnalyzeLogRequest(
        files=[
            pb.LogFile(name="good.csv", content=KERAS_CSV.read_bytes()),
            pb.LogFile(name=name, content=content),
        ]
    )


def test_malformed_line_names_the_file_line_and_column(stub):
    error = _fail(stub.AnalyzeLog, _log_request("bad.csv", b"epoch,val_loss\n0,0.5\n1,abc\n"))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "bad.csv: line 3: column 'val_loss': 'abc' is not a number"
    details = error_details(error)
    (violation,) = details["BadRequest"].field_violations
    assert violation.field == "files[1].content"
    assert "line 3" in violation.description
    info = details["ErrorInfo"]
    assert info.reason == "MALFORMED_INPUT"
    assert info.domain == "loss-analyzer"
    assert dict(info.metadata) == {"source": "bad.csv", "line": "3", "field": "val_loss"}


def test_unknown_bytes_and_unknown_format_are_invalid_argument(stub):
    error = _fail(stub.AnalyzeLog, _log_request("x.bin", b"\x00\x01garbage"))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)["ErrorInfo"].reason == "UNKNOWN_FORMAT"
    assert error.details().startswith("x.bin: ")

    error = _fail(stub.AnalyzeLog, keras_request(format="no-such-format"))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "no-such-format" in error.details()


def test_empty_request_and_bad_hints_name_the_field(stub):
    error = _fail(stub.AnalyzeLog, pb.AnalyzeLogRequest())
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)["BadRequest"].field_violations[0].field == "files"

    error = _fail(stub.AnalyzeLog, keras_request(hints=pb.Hints(num_classes=0)))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)["BadRequest"].field_violations[0].field == "hints.num_classes"

    bad_series = pb.AnalyzeSeriesRequest(
        series=[
            pb.SeriesData(metric="loss", values=[1, 2, 3]),
            pb.SeriesData(metric="val_loss", steps=[0, 1], values=[1, 2, 3]),
        ]
    )
    error = _fail(stub.AnalyzeSeries, bad_series)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)["BadRequest"].field_violations[0].field == "series[1].steps"


@pytest.fixture(scope="module")
def small_server():
    limits = ServiceLimits(max_request_bytes=4096, max_points=100)
    with ServerThread(ServerOptions(limits=limits)) as running:
        yield running


def test_oversize_request_is_resource_exhausted_and_the_connection_survives(small_server):
    with grpc.insecure_channel(small_server.target) as channel:
        stub = pb_grpc.AnalyzerServiceStub(channel)
        big = pb.AnalyzeLogRequest(files=[pb.LogFile(name="big.csv", content=b"x" * 10_000)])
        error = _fail(stub.AnalyzeLog, big)
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "4096" in error.details() or "larger than" in error.details()
        # Same channel, next call: still served.
        assert stub.ListDetectors(pb.ListDetectorsRequest(), timeout=10).detectors


def test_too_many_points_is_resource_exhausted(small_server):
    with grpc.insecure_channel(small_server.target) as channel:
        stub = pb_grpc.AnalyzerServiceStub(channel)
        # The example holds 60 epochs x 4 metrics = 240 points > 100.
        error = _fail(stub.AnalyzeLog, keras_request())
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "100 points" in error.details()
        assert error_details(error)["ErrorInfo"].reason == "LIMIT_EXCEEDED"

        series = pb.AnalyzeSeriesRequest(series=[pb.SeriesData(metric="loss", values=[1.0] * 101)])
        assert _fail(stub.AnalyzeSeries, series).code() is grpc.StatusCode.RESOURCE_EXHAUSTED

        point = pb.StreamPoint(step=0, values={f"m{i}": 1.0 for i in range(101)})
        messages = [
            pb.StreamAnalyzeRequest(start=pb.StreamStart()),
            pb.StreamAnalyzeRequest(points=pb.StreamPoints(points=[point])),
        ]
        error = _fail(lambda it, **kw: list(stub.StreamAnalyze(it, **kw)), iter(messages))
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED


class _Gate:
    """Replaces the engine: blocks until released (or raises), so a test controls timing."""

    def __init__(self, raises: Exception | None = None) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.raises = raises

    def __call__(self, log, hints=None):
        self.entered.set()
        if self.raises is not None:
            raise self.raises
        self.release.wait(10)
        from analyzer.engine import diagnose

        return diagnose(log, hints=hints)


def test_concurrency_cap_sheds_with_resource_exhausted(monkeypatch):
    gate = _Gate()
    monkeypatch.setattr("analyzer.service.servicer.diagnose", gate)
    limits = ServiceLimits(max_concurrent=1)
    with serving(ServerOptions(limits=limits)) as (_, stub):
        first = stub.AnalyzeLog.future(keras_request(), timeout=30)
        assert gate.entered.wait(10)
        error = _fail(stub.AnalyzeLog, keras_request())
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_details(error)["ErrorInfo"].reason == "OVERLOADED"
        gate.release.set()
        assert first.result().diagnosis.primary.code == "OVERFITTING"
        # The slot is free again.
        assert stub.AnalyzeLog(keras_request(), timeout=30).diagnosis.findings


def test_deadline_is_honoured_and_frees_the_slot(monkeypatch):
    gate = _Gate()
    monkeypatch.setattr("analyzer.service.servicer.diagnose", gate)
    with serving(ServerOptions(limits=ServiceLimits(max_concurrent=1))) as (server, stub):
        started = time.monotonic()
        error = _fail(stub.AnalyzeLog, keras_request(), timeout=0.5)
        assert error.code() is grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started < 5
        gate.release.set()
        # Once the abandoned analysis ends, its slot is released.
        deadline = time.monotonic() + 10
        while server.server.runner.admitted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.server.runner.admitted == 0


def test_worker_checks_the_deadline_between_parsing_and_diagnosing(monkeypatch):
    from analyzer.service import servicer

    calls = []
    monkeypatch.setattr(servicer, "diagnose", lambda *a, **k: calls.append(1))
    from analyzer.service.errors import ServiceError

    with pytest.raises(ServiceError) as caught:
        servicer._analyze_files(
            [("h.csv", KERAS_CSV.read_bytes())], None, None, ServiceLimits().ingest(),
            deadline=time.monotonic() - 1,
        )  # fmt: skip
    assert caught.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert calls == []


def test_unexpected_exception_is_internal_with_a_request_id(monkeypatch, caplog):
    monkeypatch.setattr(
        "analyzer.service.servicer.diagnose",
        _Gate(raises=RuntimeError("secret path /etc/internal")),
    )
    with ServerThread() as server, grpc.insecure_channel(server.target) as channel:
        stub = pb_grpc.AnalyzerServiceStub(channel)
        with caplog.at_level(logging.INFO):
            error = _fail(stub.AnalyzeLog, keras_request(), metadata=(("x-request-id", "req-42"),))
            time.sleep(0.2)
    assert error.code() is grpc.StatusCode.INTERNAL
    assert error.details() == "internal error (request id req-42)"
    assert "secret" not in error.details()
    logged = [r for r in caplog.records if getattr(r, "fields", {}).get("request_id") == "req-42"]
    failure = next(r for r in logged if r.levelno == logging.ERROR)
    assert "secret path" in str(failure.exc_info[1])
    access = next(r for r in logged if r.name == "analyzer.service.access")
    assert access.fields["code"] == "INTERNAL"
    assert access.fields["method"] == "/analyzer.api.v1.AnalyzerService/AnalyzeLog"


def test_stream_misuse(stub):
    start = pb.StreamAnalyzeRequest(start=pb.StreamStart())

    def points(*steps):
        return pb.StreamAnalyzeRequest(
            points=pb.StreamPoints(
                points=[pb.StreamPoint(step=s, values={"loss": 1}) for s in steps]
            )
        )

    def run(messages, timeout):
        return list(stub.StreamAnalyze(iter(messages), timeout=timeout))

    error = _fail(run, [start, start])
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert error_details(error)["ErrorInfo"].reason == "STREAM_PROTOCOL"

    assert _fail(run, []).code() is grpc.StatusCode.FAILED_PRECONDITION
    assert _fail(run, [start]).code() is grpc.StatusCode.FAILED_PRECONDITION
    assert _fail(run, [pb.StreamAnalyzeRequest()]).code() is grpc.StatusCode.FAILED_PRECONDITION

    error = _fail(run, [start, points(0, 1, 2), points(3, 2)])
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error_details(error)["BadRequest"].field_violations[0].field == "points.points[1].step"
