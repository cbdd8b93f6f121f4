"""How the Python client reaches the server: settings from the environment, TLS, tokens, and
retries on UNAVAILABLE only."""

from __future__ import annotations

import socket
import threading
from concurrent import futures

import grpc
import pytest
from analyzer_client import AnalyzerClient, ClientConfig, ServiceError
from analyzer_client.config import DEFAULT_TARGET

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.service import ServerOptions, TlsConfig
from analyzer.service.auth import TokenSet
from tests.clients.conftest import KERAS_CSV
from tests.service.certs import issue, make_ca
from tests.service.conftest import ServerThread

TOKEN = "client-test-token"


def test_settings_come_from_arguments_then_the_environment(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_bytes(b"CA PEM")
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n")
    env = {
        "ANALYZER_TARGET": "analyzer:443",
        "ANALYZER_TLS_CA": str(ca),
        "ANALYZER_TOKEN_FILE": str(token_file),
        "ANALYZER_TIMEOUT": "12.5",
    }
    config = ClientConfig.resolve(environ=env)
    assert (config.target, config.tls, config.tls_ca) == ("analyzer:443", True, b"CA PEM")
    assert (config.token, config.timeout) == ("from-file", 12.5)
    assert "from-file" not in repr(config)
    given = ClientConfig.resolve("h:1", token="arg", timeout=None, tls=False, environ={})
    assert (given.target, given.token, given.timeout, given.tls) == ("h:1", "arg", None, False)
    default = ClientConfig.resolve(environ={})
    assert (default.target, default.tls, default.token, default.timeout) == (
        DEFAULT_TARGET,
        False,
        None,
        60.0,
    )
    assert ClientConfig.resolve(environ={"ANALYZER_TLS": "yes"}).tls


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ANALYZER_TIMEOUT": "soon"}, "ANALYZER_TIMEOUT='soon'"),
        ({"ANALYZER_TLS": "maybe"}, "ANALYZER_TLS='maybe'"),
        ({"ANALYZER_TLS_CLIENT_CERT": "c.pem"}, "certificate and its key go together"),
        ({"ANALYZER_TLS_CA": "/no/such/ca.pem"}, "cannot read the CA bundle"),
    ],
)
def test_bad_settings_are_named(env, message):
    with pytest.raises(ValueError, match=message):
        ClientConfig.resolve(environ=env)


@pytest.fixture(scope="module")
def pki():
    ca, ca_key, ca_cert = make_ca()
    return {
        "ca": ca,
        "server": issue(ca_key, ca_cert, "analyzer-server", server=True),
        "client": issue(ca_key, ca_cert, "trainer", server=False),
    }


def test_mutual_tls_with_files_from_the_environment(pki, tmp_path, monkeypatch):
    for name in ("ca", "client"):
        (tmp_path / f"{name}.pem").write_bytes(pki[name].cert)
    (tmp_path / "client.key").write_bytes(pki["client"].key)
    tls = TlsConfig(pki["server"].cert, pki["server"].key, client_ca=pki["ca"].cert)
    with ServerThread(ServerOptions(tls=tls)) as server:
        monkeypatch.setenv("ANALYZER_TARGET", server.target)
        monkeypatch.setenv("ANALYZER_TLS_CA", str(tmp_path / "ca.pem"))
        monkeypatch.setenv("ANALYZER_TLS_CLIENT_CERT", str(tmp_path / "client.pem"))
        monkeypatch.setenv("ANALYZER_TLS_CLIENT_KEY", str(tmp_path / "client.key"))
        with AnalyzerClient() as client:
            assert client.analyze_files(str(KERAS_CSV)).findings
        # Without the client certificate the handshake fails: UNAVAILABLE, with a hint.
        monkeypatch.delenv("ANALYZER_TLS_CLIENT_CERT")
        monkeypatch.delenv("ANALYZER_TLS_CLIENT_KEY")
        with (
            AnalyzerClient(tls_ca=pki["ca"].cert, max_attempts=1) as client,
            pytest.raises(ServiceError) as caught,
        ):
            client.list_detectors(timeout=10)
        assert caught.value.code is grpc.StatusCode.UNAVAILABLE
        assert "TLS" in str(caught.value)


def test_bearer_token_from_argument_or_environment(monkeypatch):
    with ServerThread(ServerOptions(tokens=TokenSet([TOKEN]))) as server:
        monkeypatch.delenv("ANALYZER_TOKEN", raising=False)
        with AnalyzerClient(server.target) as client, pytest.raises(ServiceError) as caught:
            client.list_detectors()
        assert caught.value.code is grpc.StatusCode.UNAUTHENTICATED
        assert "ANALYZER_TOKEN" in str(caught.value)
        with AnalyzerClient(server.target, token=TOKEN) as client:
            assert len(client.list_detectors()) == 20
            with client.open_stream() as stream:
                stream.send(0, {"loss": 1.0})
            assert stream.finish().summary.epochs == 1
        monkeypatch.setenv("ANALYZER_TOKEN", TOKEN)
        with AnalyzerClient(server.target) as client:
            assert len(client.list_detectors()) == 20
        monkeypatch.setenv("ANALYZER_TOKEN", "wrong")
        with AnalyzerClient(server.target) as client:
            stream = client.open_stream()
            with pytest.raises(ServiceError) as caught:
                stream.finish(timeout=10)
        assert caught.value.code is grpc.StatusCode.UNAUTHENTICATED


class Flaky(pb_grpc.AnalyzerServiceServicer):
    """UNAVAILABLE for the first ``failures`` calls of each method; AnalyzeLog (and CompareRuns
    once served) is always INVALID_ARGUMENT; counts the attempts it saw."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: dict[str, int] = {}
        self.lock = threading.Lock()

    def _count(self, name: str) -> int:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            return self.calls[name]

    def ListDetectors(self, request, context):
        if self._count("ListDetectors") <= self.failures:
            context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        return pb.ListDetectorsResponse(detectors=[])

    def AnalyzeLog(self, request, context):
        self._count("AnalyzeLog")
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad")

    def CompareRuns(self, request, context):
        if self._count("CompareRuns") <= self.failures:
            context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "bad")

    def StreamAnalyze(self, request_iterator, context):
        self._count("StreamAnalyze")
        context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        yield  # pragma: no cover


@pytest.fixture
def flaky():
    servicer = Flaky(failures=2)
    server = grpc.server(futures.ThreadPoolExecutor(4))
    pb_grpc.add_AnalyzerServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield servicer, f"127.0.0.1:{port}"
    server.stop(0)


def test_unavailable_is_retried_and_nothing_else(flaky):
    servicer, target = flaky
    with AnalyzerClient(target) as client:
        assert client.list_detectors(timeout=20) == []
        assert servicer.calls["ListDetectors"] == 3  # two UNAVAILABLE, then served
        with pytest.raises(ServiceError) as caught:
            client.analyze_files(str(KERAS_CSV), timeout=20)
        assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
        assert servicer.calls["AnalyzeLog"] == 1
        stream = client.open_stream()
        with pytest.raises(ServiceError) as caught:
            stream.finish(timeout=20)
        assert caught.value.code is grpc.StatusCode.UNAVAILABLE
        assert servicer.calls["StreamAnalyze"] == 1  # streams are never retried


def test_every_unary_method_is_retried(flaky):
    servicer, target = flaky
    runs = [("a", {"loss": [1.0, 0.5, 0.25]}), ("b", {"loss": [1.0, 0.9, 0.8]})]
    with AnalyzerClient(target) as client, pytest.raises(ServiceError) as caught:
        client.compare_runs(runs, timeout=20)
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert servicer.calls["CompareRuns"] == 3  # two UNAVAILABLE retried, then answered


def test_retries_give_up_after_max_attempts(flaky):
    servicer, target = flaky
    with AnalyzerClient(target, max_attempts=2) as client, pytest.raises(ServiceError) as caught:
        client.list_detectors(timeout=20)
    assert caught.value.code is grpc.StatusCode.UNAVAILABLE
    assert servicer.calls["ListDetectors"] == 2


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_server_that_is_down_is_unavailable_with_a_hint():
    target = f"127.0.0.1:{_free_port()}"
    with AnalyzerClient(target, max_attempts=1) as client, pytest.raises(ServiceError) as caught:
        client.analyze_files(str(KERAS_CSV), timeout=10)
    error = caught.value
    assert error.code is grpc.StatusCode.UNAVAILABLE
    assert target in str(error) and "analyzer-server running" in str(error)
    assert error.field_violations == () and error.reason is None


class Silent(pb_grpc.AnalyzerServiceServicer):
    """Ends every stream with OK but without the final diagnosis a server owes."""

    def StreamAnalyze(self, request_iterator, context):
        for _ in request_iterator:
            pass
        yield from ()


def test_a_stream_ended_without_its_final_diagnosis_names_the_server():
    server = grpc.server(futures.ThreadPoolExecutor(2))
    pb_grpc.add_AnalyzerServiceServicer_to_server(Silent(), server)
    target = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    try:
        with AnalyzerClient(target) as client, pytest.raises(ServiceError) as caught:
            stream = client.open_stream()
            stream.send(0, {"loss": 1.0})
            stream.finish(timeout=20)
    finally:
        server.stop(0)
    assert caught.value.code is grpc.StatusCode.UNKNOWN
    assert str(caught.value) == f"UNKNOWN ({target}): the stream ended without a final diagnosis"
