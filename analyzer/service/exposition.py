"""The Prometheus endpoint (``--metrics-port``; 0 picks a free port, logged as ``metrics``)."""

from __future__ import annotations

import logging

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

_log = logging.getLogger("analyzer.service")


def serve_metrics(port: int, address: str, registry: CollectorRegistry = REGISTRY) -> int:
    """Serve ``/metrics`` in a background thread; return the port it listens on."""
    server, _thread = start_http_server(port, addr=address, registry=registry)
    bound = server.server_address[1]
    _log.info(
        "metrics on http://%s:%d/metrics",
        address,
        bound,
        extra={"fields": {"event": "metrics", "port": bound}},
    )
    return bound
