"""``analyzer-server`` as a real process: graceful shutdown on SIGTERM with a call in flight,
structured access logs, several workers on one port, the metrics endpoint."""

from __future__ import annotations

import json
import queue
import re
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from tests.service.conftest import keras_request
from tests.service.process import SERVER, ServerProcess

LIST = pb.ListDetectorsRequest()


def _point(step: int) -> pb.StreamAnalyzeRequest:
    values = {"loss": 1.0 / (1 + step), "val_loss": 1.2 / (1 + step)}
    return pb.StreamAnalyzeRequest(
        points=pb.StreamPoints(points=[pb.StreamPoint(step=step, values=values)])
    )


def test_sigterm_drains_in_flight_calls_and_refuses_new_ones():
    with ServerProcess("--grace", "20") as server:
        channel = grpc.insecure_channel(server.target)
        health = health_pb2_grpc.HealthStub(channel)
        watch = health.Watch(health_pb2.HealthCheckRequest(), timeout=60)
        assert next(watch).status == health_pb2.HealthCheckResponse.SERVING

        outgoing: queue.Queue = queue.Queue()
        outgoing.put(pb.StreamAnalyzeRequest(start=pb.StreamStart(run_name="in-flight")))
        for step in range(5):
            outgoing.put(_point(step))
        stub = pb_grpc.AnalyzerServiceStub(channel)
        stream = stub.StreamAnalyze(iter(outgoing.get, None), timeout=60)
        first_update = next(stream)
        assert first_update.points_received > 0

        server.proc.send_signal(15)
        # Health goes NOT_SERVING first ...
        assert next(watch).status == health_pb2.HealthCheckResponse.NOT_SERVING
        watch.cancel()
        server.wait_for("stopping")
        # ... new connections are refused ...
        with grpc.insecure_channel(server.target) as fresh:
            with pytest.raises(grpc.RpcError) as caught:
                pb_grpc.AnalyzerServiceStub(fresh).ListDetectors(LIST, timeout=3)
            assert caught.value.code() is grpc.StatusCode.UNAVAILABLE
        # ... and the stream in flight still gets its final diagnosis.
        for step in range(5, 12):
            outgoing.put(_point(step))
        outgoing.put(None)
        responses = list(stream)
        assert responses[-1].final
        assert responses[-1].points_received == 24
        assert responses[-1].diagnosis.run_name == "in-flight"
        channel.close()
        assert server.proc.wait(30) == 0
        server.wait_for("stopped")


def test_access_log_is_one_json_object_per_call():
    with ServerProcess() as server:
        with grpc.insecure_channel(server.target) as channel:
            stub = pb_grpc.AnalyzerServiceStub(channel)
            stub.ListDetectors(LIST, timeout=10, metadata=(("x-request-id", "abc-1"),))
            with pytest.raises(grpc.RpcError):
                stub.AnalyzeLog(pb.AnalyzeLogRequest(), timeout=10)
        assert server.terminate() == 0
    ok, bad = server.access_records()
    assert ok["method"] == "/analyzer.api.v1.AnalyzerService/ListDetectors"
    assert ok["code"] == "OK" and ok["request_id"] == "abc-1"
    assert ok["duration_ms"] >= 0 and ok["peer"].startswith("ipv4:127.0.0.1")
    assert bad["code"] == "INVALID_ARGUMENT"
    assert re.fullmatch(r"[0-9a-f]{32}", bad["request_id"])


def _separate_connection(target: str) -> grpc.Channel:
    # A private subchannel pool: each channel opens its own TCP connection.
    return grpc.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])


def test_two_workers_share_the_port_and_both_answer():
    server = ServerProcess("--workers", "2", "--metrics-port", "0")
    with server.start(listening=2):
        metrics_port = server.metrics_port
        calls = 24
        for _ in range(calls):
            with _separate_connection(server.target) as channel:
                pb_grpc.AnalyzerServiceStub(channel).ListDetectors(LIST, timeout=10)
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10)
        body = text.read().decode()
        assert server.terminate() == 0
    pids = {r["pid"] for r in server.access_records()}
    assert len(pids) == 2
    # The parent's endpoint sums both workers' samples.
    counted = re.search(
        r'analyzer_grpc_requests_total\{code="OK",method="/analyzer.api.v1.AnalyzerService/'
        r'ListDetectors"\} (\S+)',
        body,
    )
    assert counted and float(counted.group(1)) == calls


def test_metrics_endpoint_counts_calls_latency_and_streams():
    with ServerProcess("--metrics-port", "0") as server:
        metrics_port = server.metrics_port
        with grpc.insecure_channel(server.target) as channel:
            stub = pb_grpc.AnalyzerServiceStub(channel)
            for _ in range(3):
                stub.ListDetectors(LIST, timeout=10)
            held = threading.Event()

            def messages():
                yield pb.StreamAnalyzeRequest(start=pb.StreamStart())
                held.wait(20)

            stream = stub.StreamAnalyze(messages(), timeout=30)
            url = f"http://127.0.0.1:{metrics_port}/metrics"
            for _ in range(50):
                body = urllib.request.urlopen(url, timeout=10).read().decode()
                if "analyzer_grpc_open_streams 1.0" in body:
                    break
                threading.Event().wait(0.1)
            held.set()
            stream.cancel()
        server.terminate()
    assert "analyzer_grpc_open_streams 1.0" in body
    assert re.search(
        r'analyzer_grpc_requests_total\{code="OK",method="[^"]*ListDetectors"\} 3.0', body
    )
    assert re.search(
        r'analyzer_grpc_request_duration_seconds_count\{method="[^"]*ListDetectors"\} 3.0', body
    )


def test_help_shows_effective_defaults_and_refuses_unknown_log_levels(monkeypatch, capsys):
    """The environment sets a flag's default, and --help shows the value in effect."""
    from analyzer.service.main import build_parser

    monkeypatch.setenv("ANALYZER_GRACE", "3")
    parser = build_parser()
    assert parser.parse_args([]).grace == 3.0
    assert "(default: 3)" in " ".join(parser.format_help().split())
    with pytest.raises(SystemExit):
        parser.parse_args(["--log-level", "loud"])
    assert "invalid choice: 'loud'" in capsys.readouterr().err


def _all_gone(pids, timeout: float = 30) -> bool:
    """Whether every process of ``pids`` exits within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not all(_gone(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return all(_gone(pid) for pid in pids)


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie not yet reaped counts as exited)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_one_error_line_not_a_traceback(workers):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        address = f"127.0.0.1:{holder.getsockname()[1]}"
        done = subprocess.run(
            [str(SERVER), "--address", address, "--workers", workers],
            capture_output=True, text=True, timeout=90,
        )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(
        e["level"] == "error" and f"cannot listen on {address}" in e["msg"] for e in errors
    ), done.stderr


def test_workers_give_up_at_once_when_the_first_cannot_bind():
    """192.0.2.1 (TEST-NET-1) is no address of this host: the first worker exits, and the
    server with it, well before the start timeout."""
    started = time.monotonic()
    done = subprocess.run(
        [str(SERVER), "--address", "192.0.2.1:0", "--workers", "2"],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert done.returncode == 1
    assert time.monotonic() - started < 60
    assert "not all 2 workers started on 192.0.2.1:0" in done.stderr
    assert "Traceback" not in done.stderr


def test_workers_stop_when_the_parent_is_killed():
    server = ServerProcess("--workers", "2")
    with server.start(listening=2):
        pids = {r["pid"] for r in server.records if r.get("event") == "listening"}
        assert len(pids) == 2
        server.proc.kill()
        server.proc.wait(10)
    assert _all_gone(pids)


def _children(pid: int) -> set[int]:
    found = set()
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        found |= {int(child) for child in children.read_text().split()}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
@pytest.mark.parametrize("stop", ["sigterm", "kill"])
def test_analysis_processes_end_with_the_server(stop):
    """Graceful stop or kill -9: no analysis process outlives the server (they read their pipe
    and leave when it closes)."""
    server = ServerProcess("--analysis-processes", "2")
    with server.start():
        with grpc.insecure_channel(server.target) as channel:
            stub = pb_grpc.AnalyzerServiceStub(channel)
            assert stub.AnalyzeLog(keras_request(), timeout=60).diagnosis.verdict
        analysis = _children(server.proc.pid)
        assert len(analysis) >= 2
        if stop == "sigterm":
            assert server.terminate() == 0
        else:
            server.proc.kill()
            server.proc.wait(10)
    assert _all_gone(analysis)
