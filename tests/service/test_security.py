"""TLS, mutual TLS and bearer tokens, against real servers on loopback."""

from __future__ import annotations

import logging

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.service import ServerOptions, TlsConfig
from analyzer.service.auth import TokenSet
from tests.service.certs import issue, make_ca
from tests.service.conftest import ServerThread, keras_request

LIST = pb.ListDetectorsRequest()


@pytest.fixture(scope="module")
def pki():
    ca, ca_key, ca_cert = make_ca()
    server = issue(ca_key, ca_cert, "analyzer-server", server=True)
    client = issue(ca_key, ca_cert, "trainer-7", server=False)
    _, other_key, other_cert = make_ca("another CA")
    stranger = issue(other_key, other_cert, "stranger", server=False)
    return {"ca": ca, "server": server, "client": client, "stranger": stranger}


def _stub(target: str, credentials) -> tuple[grpc.Channel, pb_grpc.AnalyzerServiceStub]:
    channel = grpc.secure_channel(target, credentials)
    return channel, pb_grpc.AnalyzerServiceStub(channel)


def test_tls_serves_clients_that_trust_the_ca(pki):
    tls = TlsConfig(cert=pki["server"].cert, key=pki["server"].key)
    with ServerThread(ServerOptions(tls=tls)) as server:
        channel, stub = _stub(server.target, grpc.ssl_channel_credentials(pki["ca"].cert))
        with channel:
            assert stub.AnalyzeLog(keras_request(), timeout=30).diagnosis.findings
        # A plaintext client is not served.
        with grpc.insecure_channel(server.target) as plain:
            with pytest.raises(grpc.RpcError) as caught:
                pb_grpc.AnalyzerServiceStub(plain).ListDetectors(LIST, timeout=5)
            assert caught.value.code() is grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_requires_a_client_certificate_from_the_ca(pki):
    tls = TlsConfig(cert=pki["server"].cert, key=pki["server"].key, client_ca=pki["ca"].cert)
    with ServerThread(ServerOptions(tls=tls)) as server:
        good = grpc.ssl_channel_credentials(pki["ca"].cert, pki["client"].key, pki["client"].cert)
        channel, stub = _stub(server.target, good)
        with channel:
            assert len(stub.ListDetectors(LIST, timeout=10).detectors) == 20
        for credentials in (
            grpc.ssl_channel_credentials(pki["ca"].cert),  # no client certificate
            grpc.ssl_channel_credentials(pki["ca"].cert, pki["stranger"].key, pki["stranger"].cert),
        ):
            channel, stub = _stub(server.target, credentials)
            with channel, pytest.raises(grpc.RpcError) as caught:
                stub.ListDetectors(LIST, timeout=5)
            assert caught.value.code() is grpc.StatusCode.UNAVAILABLE


TOKEN = "s3cret-token-value"


@pytest.fixture(scope="module")
def auth_server():
    options = ServerOptions(tokens=TokenSet([TOKEN, "second-token"]))
    with ServerThread(options) as running:
        yield running


def _bearer(token: str) -> tuple[tuple[str, str], ...]:
    return (("authorization", f"Bearer {token}"),)


def _stream(stub, metadata):
    start = pb.StreamAnalyzeRequest(start=pb.StreamStart())
    point = pb.StreamAnalyzeRequest(
        points=pb.StreamPoints(points=[pb.StreamPoint(step=0, values={"loss": 1.0})])
    )
    return list(stub.StreamAnalyze(iter([start, point]), timeout=10, metadata=metadata))


@pytest.mark.parametrize("metadata", [None, _bearer("wrong"), (("authorization", TOKEN),)])
def test_every_rpc_kind_needs_a_valid_token(auth_server, metadata, caplog):
    with grpc.insecure_channel(auth_server.target) as channel, caplog.at_level(logging.INFO):
        stub = pb_grpc.AnalyzerServiceStub(channel)
        for call in (
            lambda: stub.ListDetectors(LIST, timeout=10, metadata=metadata),
            lambda: stub.AnalyzeLog(keras_request(), timeout=10, metadata=metadata),
            lambda: _stream(stub, metadata),
        ):
            with pytest.raises(grpc.RpcError) as caught:
                call()
            assert caught.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert not any(TOKEN in r.getMessage() or TOKEN in str(r.__dict__) for r in caplog.records)


def test_a_valid_token_is_served_and_never_logged(auth_server, caplog):
    with grpc.insecure_channel(auth_server.target) as channel, caplog.at_level(logging.INFO):
        stub = pb_grpc.AnalyzerServiceStub(channel)
        assert stub.ListDetectors(LIST, timeout=10, metadata=_bearer(TOKEN)).detectors
        assert stub.AnalyzeLog(keras_request(), timeout=30, metadata=_bearer("second-token"))
        responses = _stream(stub, _bearer(TOKEN))
        assert responses[-1].final
    # The server shared with other tests may still log their refused calls: look at ours.
    access = [
        r
        for r in caplog.records
        if r.name == "analyzer.service.access" and r.fields["code"] == "OK"
    ]
    methods = {r.fields["method"].rsplit("/", 1)[-1] for r in access}
    assert {"ListDetectors", "AnalyzeLog", "StreamAnalyze"} <= methods
    assert all(r.fields["authenticated"] for r in access)
    assert not any(TOKEN in str(r.__dict__) for r in caplog.records)


def test_health_stays_open_without_a_token(auth_server):
    with grpc.insecure_channel(auth_server.target) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=5
        )
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_tokens_load_from_file_and_environment(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("# deploy tokens\nalpha\n\n  beta  \n")
    tokens = TokenSet.load(file=path, env_value="gamma, ,delta")
    assert len(tokens) == 4
    assert tokens.accepts((("authorization", "Bearer beta"),))
    assert tokens.accepts((("authorization", "bearer delta"),))
    assert not tokens.accepts((("authorization", "Bearer bet"),))
    assert not tokens.accepts((("authorization", "Basic alpha"),))
    assert "alpha" not in repr(tokens)
    assert TokenSet.load(file=None, env_value="") is None
