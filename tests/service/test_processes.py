"""ProcessDispatcher: calls run in analysis processes, spread over them, with results and
exceptions back intact; a process that dies fails only its calls and is replaced; calls given
up before they start never run; and a server with --analysis-processes answers like one with
threads."""

from __future__ import annotations

import os
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor, wait

import grpc
import pytest

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.errors import ParseError
from analyzer.service import ServerOptions
from analyzer.service.errors import ServiceError
from analyzer.service.main import main as server_main
from analyzer.service.processes import CALLS_PER_PROCESS, AnalysisProcessDied, ProcessDispatcher
from tests.service.conftest import ServerThread, epoch_messages, keras_request
from tests.service.test_compare import _file_run


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _raise_parse_error() -> None:
    raise ParseError("bad value", source="log.csv", line=7, field="loss")


def _raise_service_error() -> None:
    raise ServiceError(grpc.StatusCode.DEADLINE_EXCEEDED, "late", reason="DEADLINE_EXCEEDED")


def _die() -> None:
    os._exit(3)


def _unpicklable():
    return lambda: None


def _must_not_be_called(*args) -> None:
    raise AssertionError("called")


def _touch(path: str) -> None:
    open(path, "w").close()


@pytest.fixture(scope="module")
def dispatcher():
    pool = ProcessDispatcher(2)
    yield pool
    pool.shutdown()


def test_calls_run_in_the_analysis_processes_in_parallel(dispatcher):
    assert dispatcher.submit(_pid_after, 0.0).result(60) in dispatcher.pids  # warm
    started = time.monotonic()
    futures = [dispatcher.submit(_pid_after, 0.3) for _ in range(4)]
    pids = [f.result(30) for f in futures]
    assert set(pids) == set(dispatcher.pids) and os.getpid() not in pids
    assert time.monotonic() - started < 0.3 * 4 * 0.8  # not one after the other


def _echo(value: int) -> int:
    return value


def test_each_answer_meets_its_call_when_many_threads_submit(dispatcher):
    """Calls are sent from the event loop and from the reader thread (the next queued call)
    at once; each process answers in order, so each send must queue its future first."""
    with ThreadPoolExecutor(4) as submitters:
        futures = list(submitters.map(lambda i: (i, dispatcher.submit(_echo, i)), range(400)))
    assert all(future.result(60) == i for i, future in futures)


def test_exceptions_come_back_with_their_fields(dispatcher):
    with pytest.raises(ParseError) as parse:
        dispatcher.submit(_raise_parse_error).result(30)
    assert (parse.value.source, parse.value.line, parse.value.field) == ("log.csv", 7, "loss")
    assert str(parse.value) == "log.csv: line 7: column 'loss': bad value"
    with pytest.raises(ServiceError) as service:
        dispatcher.submit(_raise_service_error).result(30)
    assert service.value.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert service.value.reason == "DEADLINE_EXCEEDED"
    with pytest.raises(RuntimeError, match="unpicklable"):
        dispatcher.submit(_unpicklable).result(30)


def test_a_process_that_dies_fails_its_call_and_is_replaced(dispatcher):
    before = set(dispatcher.pids)
    with pytest.raises(AnalysisProcessDied, match="code 3"):
        dispatcher.submit(_die).result(30)
    after = [dispatcher.submit(_pid_after, 0.0).result(60) for _ in range(4)]
    assert set(dispatcher.pids) != before and len(dispatcher.pids) == 2
    assert set(after) <= set(dispatcher.pids)


def test_a_call_given_up_before_it_starts_never_runs(dispatcher, tmp_path):
    busy = [dispatcher.submit(_pid_after, 0.5) for _ in range(2 * CALLS_PER_PROCESS)]
    marker = tmp_path / "ran"
    late = dispatcher.submit(_touch, str(marker))
    assert late.cancel()
    wait(busy, timeout=30)
    time.sleep(0.2)
    assert not marker.exists()
    with pytest.raises(CancelledError):
        late.result()


def test_shutdown_cancels_queued_calls_and_ends_the_processes():
    pool = ProcessDispatcher(1)
    running = [pool.submit(_pid_after, 0.3) for _ in range(CALLS_PER_PROCESS)]
    queued = pool.submit(_pid_after, 0.0)
    processes = [p.process for p in pool._processes]
    pool.shutdown(wait=True)
    assert queued.cancelled()
    assert all(not p.is_alive() for p in processes)
    assert all(f.done() or f.running() for f in running)
    with pytest.raises(RuntimeError, match="shutdown"):
        pool.submit(_pid_after, 0.0)


def test_a_server_with_analysis_processes_answers_like_one_with_threads():
    bad = pb.AnalyzeLogRequest(
        files=[pb.LogFile(name="bad.csv", content=b"epoch,loss\n0,1\n1,abc\n")]
    )
    with (
        ServerThread(ServerOptions(analysis_processes=2)) as server,
        grpc.insecure_channel(server.target) as channel,
    ):
        stub = pb_grpc.AnalyzerServiceStub(channel)
        answer = stub.AnalyzeLog(keras_request(), timeout=60)
        with pytest.raises(grpc.RpcError) as error:
            stub.AnalyzeLog(bad, timeout=60)
        compared = stub.CompareRuns(
            pb.CompareRunsRequest(runs=[_file_run("ex4_unscaled"), _file_run("ex4_minmax")]),
            timeout=60,
        )
    assert compared.comparison.winner == "ex4_minmax/log"
    with ServerThread() as server, grpc.insecure_channel(server.target) as channel:
        expected = pb_grpc.AnalyzerServiceStub(channel).AnalyzeLog(keras_request(), timeout=60)
    assert answer == expected
    assert error.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.value.details().startswith("bad.csv: line 3: column 'loss'")


def test_a_stream_gets_the_same_updates_from_analysis_processes():
    """The stream's bookkeeping (when to re-analyze) stays in the server process."""

    def updates(options):
        with ServerThread(options) as server, grpc.insecure_channel(server.target) as channel:
            stub = pb_grpc.AnalyzerServiceStub(channel)
            return list(stub.StreamAnalyze(epoch_messages(), timeout=120))

    in_processes = updates(ServerOptions(analysis_processes=2))
    assert in_processes == updates(None)
    assert in_processes[-1].final and len(in_processes) > 2


def test_workers_and_analysis_processes_do_not_mix(capsys, monkeypatch):
    # a usage error must not reconfigure logging (it would write to this test's captured stderr)
    monkeypatch.setattr("analyzer.service.logs.configure", _must_not_be_called)
    with pytest.raises(SystemExit) as stop:
        server_main(["--workers", "2", "--analysis-processes", "2"])
    assert stop.value.code == 2
    assert "either --workers" in capsys.readouterr().err
