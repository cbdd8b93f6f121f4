"""Build and run the gRPC server.

``create_server(address, options)`` returns an unstarted ``grpc.aio.Server`` with the analyzer,
health and reflection services and the bound port (``:0`` picks a free one), or raises OSError
when the address cannot be bound; ``serve`` starts it, reports SERVING, and on SIGTERM/SIGINT
shuts down gracefully: health goes NOT_SERVING, new calls are refused, calls in flight get
``grace`` seconds to finish.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.service.analysis import AnalysisRunner
from analyzer.service.config import ServerOptions
from analyzer.service.interceptors import ServiceInterceptor
from analyzer.service.servicer import AnalyzerServicer

_log = logging.getLogger("analyzer.service")

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AnalyzerService"].full_name


class AnalyzerServer:
    """A created server with the parts ``serve`` needs to stop it."""

    def __init__(self, server: grpc.aio.Server, health: health.aio.HealthServicer, runner):
        self.server = server
        self.health = health
        self.runner = runner

    async def start(self) -> None:
        await self.server.start()
        await self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        await self.health.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float) -> None:
        """NOT_SERVING first (so balancers stop sending), then refuse new calls and give the
        ones in flight ``grace`` seconds."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        self.runner.shutdown()


def create_server(address: str, options: ServerOptions | None = None) -> tuple[AnalyzerServer, int]:
    """An unstarted server bound to ``address`` (``host:port``; port 0 picks one), and its port.

    Must be called with an event loop running (grpc.aio binds it to the current loop).
    """
    options = options or ServerOptions()
    limits = options.limits
    executor = None
    if options.analysis_processes:
        from analyzer.service.processes import ProcessDispatcher

        executor = ProcessDispatcher(options.analysis_processes)
    runner = AnalysisRunner(
        max_concurrent=limits.max_concurrent, threads=limits.analysis_threads, executor=executor
    )
    server = grpc.aio.server(
        interceptors=[ServiceInterceptor(options.tokens)],
        options=[
            ("grpc.max_receive_message_length", limits.max_request_bytes),
            ("grpc.max_send_message_length", 64 * 1024**2),
            # grpc sets SO_REUSEPORT by default, which would let a second server silently
            # share the port; only --workers wants that.
            ("grpc.so_reuseport", 1 if options.reuse_port else 0),
            *options.keepalive.options(),
        ],
    )
    pb_grpc.add_AnalyzerServiceServicer_to_server(AnalyzerServicer(runner, limits), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    try:
        if options.tls is None:
            port = server.add_insecure_port(address)
        else:
            credentials = grpc.ssl_server_credentials(
                [(options.tls.key, options.tls.cert)],
                root_certificates=options.tls.client_ca,
                require_client_auth=options.tls.client_ca is not None,
            )
            port = server.add_secure_port(address, credentials)
    except RuntimeError:  # grpc's "Failed to bind to address"; its log line tells why
        raise OSError(
            f"cannot listen on {address}: the port is in use or the host is not an address "
            "of this machine"
        ) from None
    return AnalyzerServer(server, health_servicer, runner), port


def run(address: str, options: ServerOptions, *, grace: float, on_started=None) -> int:
    """``serve`` in a new event loop: 0 after a shutdown, 1 (logged, no traceback) when the
    address cannot be listened on."""
    try:
        asyncio.run(serve(address, options, grace=grace, on_started=on_started))
    except OSError as exc:
        _log.error("cannot start: %s", exc, extra={"fields": {"event": "failed"}})
        return 1
    return 0


async def serve(
    address: str,
    options: ServerOptions | None = None,
    *,
    grace: float = 10.0,
    on_started=None,
) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully (see the module docstring)."""
    server, port = create_server(address, options)
    await server.start()
    host = address.rsplit(":", 1)[0]
    _log.info(
        "listening on %s:%d",
        host,
        port,
        extra={"fields": {"event": "listening", "address": f"{host}:{port}", "port": port}},
    )
    if on_started is not None:
        on_started(port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    await stopping.wait()
    _log.info("shutting down (grace %.1f s)", grace, extra={"fields": {"event": "stopping"}})
    await server.stop(grace)
    _log.info("stopped", extra={"fields": {"event": "stopped"}})
