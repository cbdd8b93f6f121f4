"""Prometheus metrics of the service (``--metrics-port``), recorded by the interceptor.

With ``--workers N`` every worker process writes its samples to a shared directory
(prometheus_client's multiprocess mode, set up by :mod:`analyzer.service.workers`) and the
parent serves their sum on one port; gauges therefore use the ``livesum`` mode (live workers
only).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

#: Latency buckets in seconds: a small analysis takes ~10 ms, a large log seconds.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

REQUESTS = Counter(
    "analyzer_grpc_requests",
    "RPCs handled, by method and status code",
    ["method", "code"],
)
LATENCY = Histogram(
    "analyzer_grpc_request_duration_seconds",
    "Time from the call's arrival to its status, by method",
    ["method"],
    buckets=_BUCKETS,
)
IN_FLIGHT = Gauge(
    "analyzer_grpc_in_flight",
    "Calls being handled now",
    multiprocess_mode="livesum",
)
OPEN_STREAMS = Gauge(
    "analyzer_grpc_open_streams",
    "Streaming calls open now",
    multiprocess_mode="livesum",
)


def observe(method: str, code: str, seconds: float) -> None:
    REQUESTS.labels(method=method, code=code).inc()
    LATENCY.labels(method=method).observe(seconds)
