"""CompareRuns against a real server on 127.0.0.1: the answer is the in-process comparison,
for runs sent as files or as series; bad input names the request field; limits count all runs
together; the concurrency cap and the deadline hold."""

from __future__ import annotations

import threading
import time

import grpc
import pytest

import analyzer
from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import comparison_pb2 as compare_pb
from analyzer.compare import Criterion, Outcome, Verdict
from analyzer.ingest import load
from analyzer.service import ServerOptions, ServiceLimits
from analyzer.service.compare import CompareOptions, RunRequest, compare_runs
from analyzer.service.errors import ServiceError
from tests.api.test_codec import _same
from tests.reference_trainer.fixtures import FIXTURES
from tests.service.conftest import KERAS_CSV, error_details, keras_request, serving


def _path(name: str) -> str:
    return str(FIXTURES / name / "log.csv")


def _file_run(fixture: str, **fields) -> pb.RunInput:
    path = _path(fixture)
    with open(path, "rb") as f:
        content = f.read()
    return pb.RunInput(files=[pb.LogFile(name=path, content=content)], source=path, **fields)


def _series_run(name: str) -> pb.RunInput:
    log = load(_path(name))
    series = [
        pb.SeriesData(metric=s.name, steps=s.steps.tolist(), values=s.values.tolist()) for s in log
    ]
    return pb.RunInput(name=name, series=series)


def _compare(stub, *runs: pb.RunInput, **fields):
    request = pb.CompareRunsRequest(runs=list(runs), **fields)
    return codec.comparison_from_proto(stub.CompareRuns(request, timeout=60).comparison)


def _fail(stub, *runs: pb.RunInput, **fields) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        stub.CompareRuns(pb.CompareRunsRequest(runs=list(runs), **fields), timeout=60)
    return caught.value


def _field(error: grpc.RpcError) -> str:
    return error_details(error)["BadRequest"].field_violations[0].field


@pytest.mark.parametrize("suffix", ["", "_val"])
def test_normalized_beats_unnormalized_exactly_as_in_process(stub, suffix):
    minmax, unscaled = f"ex4_minmax{suffix}", f"ex4_unscaled{suffix}"
    remote = _compare(stub, _file_run(unscaled), _file_run(minmax))
    local = analyzer.compare([_path(unscaled), _path(minmax)])
    assert remote.verdict is Verdict.CLEAR_WINNER
    assert [r.name for r in remote.runs] == [r.name for r in local.runs]
    assert remote.winner == local.winner == f"{minmax}/log"
    # Not only the ranking: the very comparison, each run's diagnosis included.
    assert _same(remote, local)


def test_runs_sent_as_series_rank_like_their_files(stub):
    names = ("ex4_unscaled_val", "ex4_minmax_val")
    remote = _compare(stub, *(_series_run(n) for n in names))
    local = analyzer.compare([(n, _path(n)) for n in names])
    assert remote.winner == local.winner == "ex4_minmax_val"
    assert [r.name for r in remote.runs] == [r.name for r in local.runs]
    assert remote.difference(*names).outcome is local.difference(*names).outcome
    assert remote.runs[0].diagnosis.source_format == "series"


def test_options_reach_the_comparison(stub):
    runs = [_file_run(n, name=n) for n in ("ex6_lr_0.1", "ex6_lr_1e-4", "ex4_minmax")]
    remote = _compare(
        stub, *runs, criterion=compare_pb.CRITERION_FINAL, alignment=pb.ALIGNMENT_MODE_FULL,
        alpha=0.01, margin=0.05, metric="loss", hints=pb.Hints(loss="mse"),
    )  # fmt: skip
    local = analyzer.compare(
        [(n, _path(n)) for n in ("ex6_lr_0.1", "ex6_lr_1e-4", "ex4_minmax")],
        criterion="final", alignment="full", alpha=0.01, margin=0.05, metric="loss",
        hints={"loss": "mse"},
    )  # fmt: skip
    assert remote.criterion is Criterion.FINAL and remote.alignment.method == "full"
    assert (remote.alpha, remote.margin, remote.metric) == (0.01, 0.05, "loss")
    assert _same(remote, local)


def test_bad_input_names_the_request_field(stub):
    good = _file_run("ex4_minmax")
    bad = pb.RunInput(files=[pb.LogFile(name="bad.csv", content=b"epoch,loss\n0,0.5\n1,abc\n")])
    error = _fail(stub, good, bad)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _field(error) == "runs[1].files[0].content"
    assert error.details() == "bad.csv: line 3: column 'loss': 'abc' is not a number"
    assert error_details(error)["ErrorInfo"].reason == "MALFORMED_INPUT"

    uneven = pb.RunInput(series=[pb.SeriesData(metric="loss", steps=[0, 1], values=[1, 2, 3])])
    assert _field(_fail(stub, uneven, good)) == "runs[0].series[0].steps"
    assert _field(_fail(stub, good, pb.RunInput(name="empty"))) == "runs[1]"
    both = pb.RunInput(files=good.files, series=uneven.series)
    assert _field(_fail(stub, good, both)) == "runs[1]"
    assert _field(_fail(stub, good, good, metric="accuracy")) == "metric"
    assert _field(_fail(stub, good, good, alpha=1.5)) == "alpha"
    assert _field(_fail(stub, good, good, margin=0)) == "margin"
    assert _field(_fail(stub, good, good, hints=pb.Hints(num_classes=0))) == "hints.num_classes"
    forced = _file_run("ex4_minmax", format="no-such-format")
    assert _field(_fail(stub, good, forced)).startswith("runs[1]")


@pytest.mark.parametrize("count", [0, 1])
def test_fewer_than_two_runs_is_invalid_argument(stub, count):
    error = _fail(stub, *[_file_run("ex4_minmax")] * count)
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert _field(error) == "runs"
    assert f"at least two runs, got {count}" in error.details()


def test_limits_count_all_runs_together():
    run = pb.RunInput(files=keras_request().files)  # 60 epochs x 4 metrics = 240 points
    limits = ServiceLimits(max_runs=3, max_points=300, max_files=3)
    with serving(ServerOptions(limits=limits)) as (_, stub):
        error = _fail(stub, run, run)  # each fits, both do not
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_details(error)["ErrorInfo"].reason == "LIMIT_EXCEEDED"
        assert "300" in error.details() and _field(error) == "runs"

        small = pb.RunInput(series=[pb.SeriesData(metric="loss", values=[3, 2, 1.5, 1.2, 1.1])])
        assert stub.CompareRuns(pb.CompareRunsRequest(runs=[small] * 3), timeout=60).comparison
        error = _fail(stub, *[small] * 4)
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        assert "4 runs" in error.details() and _field(error) == "runs"

        two_files = pb.RunInput(files=[*run.files, *run.files])
        error = _fail(stub, two_files, two_files)
        assert error.code() is grpc.StatusCode.RESOURCE_EXHAUSTED and "4 files" in error.details()


def test_a_comparison_holds_one_slot_of_the_concurrency_cap(monkeypatch):
    entered, release = threading.Event(), threading.Event()

    def gated(ctx):
        entered.set()
        release.wait(10)
        from analyzer.engine import diagnose_prepared

        return diagnose_prepared(ctx)

    monkeypatch.setattr("analyzer.compare.api.diagnose_prepared", gated)
    runs = [_file_run("ex4_minmax"), _file_run("ex4_unscaled")]
    with serving(ServerOptions(limits=ServiceLimits(max_concurrent=1))) as (server, stub):
        first = stub.CompareRuns.future(pb.CompareRunsRequest(runs=runs), timeout=60)
        assert entered.wait(10)
        with pytest.raises(grpc.RpcError) as shed:
            stub.AnalyzeLog(keras_request(), timeout=30)
        assert shed.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        release.set()
        assert first.result().comparison.winner.endswith("ex4_minmax/log")
        deadline = time.monotonic() + 10
        while server.server.runner.admitted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.server.runner.admitted == 0


def test_the_worker_checks_the_deadline_before_each_run(monkeypatch):
    read = []
    monkeypatch.setattr("analyzer.service.compare.load", lambda *a, **k: read.append(a))
    run = RunRequest(0, None, "h.csv", [("h.csv", KERAS_CSV.read_bytes())], [], None)
    options = CompareOptions(None, None, Criterion.BEST, "common", None, 0.02)
    with pytest.raises(ServiceError) as caught:
        compare_runs([run, run], options, ServiceLimits(), deadline=time.monotonic() - 1)
    assert caught.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert read == []


def test_equal_runs_are_not_told_apart(stub):
    run = _file_run("ex4_minmax_val")
    c = _compare(
        stub, pb.RunInput(name="a", files=run.files), pb.RunInput(name="b", files=run.files)
    )
    assert c.verdict in (Verdict.EQUIVALENT, Verdict.NO_SIGNIFICANT_DIFFERENCE)
    assert c.winner is None and c.difference("a", "b").outcome is not Outcome.A_BETTER
