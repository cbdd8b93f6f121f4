"""What the server can be told: address, limits, TLS, tokens, operations (see ``analyzer-server
--help``; every flag has an ``ANALYZER_*`` environment variable)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analyzer.ingest import IngestLimits

DEFAULT_ADDRESS = "127.0.0.1:50051"


@dataclass(frozen=True)
class ServiceLimits:
    """Bounds on what one call may ask of the server."""

    #: Largest request message; the transport rejects bigger ones with RESOURCE_EXHAUSTED.
    max_request_bytes: int = 64 * 1024**2
    #: Points in one run (a request's files after parsing, or one stream).
    max_points: int = 5_000_000
    #: Files in one AnalyzeLog request (in all runs of a CompareRuns request together).
    max_files: int = 100
    #: Runs in one CompareRuns request (their points count against max_points together).
    max_runs: int = 1000
    #: Analyses admitted at once per process; more are shed with RESOURCE_EXHAUSTED.
    max_concurrent: int = 64
    #: Threads running analyses per process (the engine holds the GIL: 2 is plenty).
    analysis_threads: int = 2
    #: Open StreamAnalyze calls per process.
    max_streams: int = 1000

    def ingest(self) -> IngestLimits:
        return IngestLimits(
            max_bytes=self.max_request_bytes, max_points=self.max_points, max_files=self.max_files
        )


@dataclass(frozen=True)
class TlsConfig:
    """Server certificate and key (PEM); a client CA turns on mutual TLS."""

    cert: bytes
    key: bytes
    client_ca: bytes | None = None

    @classmethod
    def from_files(cls, cert: str | Path, key: str | Path, client_ca: str | Path | None):
        return cls(
            cert=Path(cert).read_bytes(),
            key=Path(key).read_bytes(),
            client_ca=Path(client_ca).read_bytes() if client_ca else None,
        )


@dataclass(frozen=True)
class Keepalive:
    """HTTP/2 keepalive: ping idle connections so dead peers are noticed, and accept client
    pings no more often than every 10 s (more frequent ones are a misbehaving client)."""

    time_ms: int = 60_000
    timeout_ms: int = 20_000
    min_client_ping_ms: int = 10_000
    max_connection_idle_ms: int = 30 * 60_000

    def options(self) -> list[tuple[str, int]]:
        return [
            ("grpc.keepalive_time_ms", self.time_ms),
            ("grpc.keepalive_timeout_ms", self.timeout_ms),
            ("grpc.keepalive_permit_without_calls", 1),
            ("grpc.http2.min_ping_interval_without_data_ms", self.min_client_ping_ms),
            ("grpc.http2.max_pings_without_data", 0),
            ("grpc.max_connection_idle_ms", self.max_connection_idle_ms),
        ]


@dataclass(frozen=True)
class ServerOptions:
    """Everything ``create_server`` needs besides the address."""

    limits: ServiceLimits = field(default_factory=ServiceLimits)
    tls: TlsConfig | None = None
    tokens: object = None  # an analyzer.service.auth.TokenSet, or None for no auth
    keepalive: Keepalive = field(default_factory=Keepalive)
    #: Let several processes bind the same port (``--workers``).
    reuse_port: bool = False
    #: Run analyses in this many processes, each call in the first free one, instead of in
    #: threads of the server process (``--analysis-processes``; 0: threads).
    analysis_processes: int = 0
