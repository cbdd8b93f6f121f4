"""``--workers N``: N server processes on one port, so a multi-core host is used.

Each worker is a full grpc.aio server bound with SO_REUSEPORT; the kernel spreads incoming
connections across them (a connection, and so a channel, stays with one worker). The parent
only supervises: it forwards SIGTERM/SIGINT so every worker shuts down gracefully, and, with
``--metrics-port``, serves the sum of the workers' Prometheus samples (prometheus_client's
multiprocess mode, through a temporary directory). With port 0 the first worker binds a free
port and reports it; the others then join that port. (A port reserved by a bound but not
listening socket in the parent would sit in the kernel's SO_REUSEPORT group and skew the
spreading of connections: measured, every connection went to one worker.)
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import queue
import signal
import tempfile

from analyzer.service.config import ServerOptions

_log = logging.getLogger("analyzer.service")


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


def _worker(address: str, options: ServerOptions, grace: float, log_level: str, ports) -> None:
    import asyncio

    from analyzer.service import logs
    from analyzer.service.server import serve

    logs.configure(log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    asyncio.run(serve(address, options, grace=grace, on_started=ports.put))


def run_workers(args: argparse.Namespace, options: ServerOptions) -> int:
    host, port = _split(args.address)
    metrics_dir = None
    if args.metrics_port is not None:
        metrics_dir = tempfile.TemporaryDirectory(prefix="analyzer-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir.name
        from prometheus_client import CollectorRegistry, multiprocess

        from analyzer.service.exposition import serve_metrics

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        serve_metrics(args.metrics_port, args.metrics_address, registry)

    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    workers: list = []

    def spawn(address: str) -> None:
        process = context.Process(
            target=_worker,
            args=(address, options, args.grace, args.log_level, ports),
            name=f"analyzer-worker-{len(workers)}",
        )
        process.start()
        workers.append(process)

    spawn(f"{host}:{port}")
    if port == 0:
        try:
            port = ports.get(timeout=120)
        except queue.Empty:
            _log.error("the first worker did not start")
            workers[0].terminate()
            return 1
    address = f"{host}:{port}"
    for _ in range(args.workers - 1):
        spawn(address)

    def forward(signum, _frame):
        for process in workers:
            if process.is_alive():
                os.kill(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _log.info(
        "%d workers on %s",
        len(workers),
        address,
        extra={"fields": {"event": "workers", "address": address, "workers": len(workers)}},
    )
    status = 0
    try:
        for process in workers:
            process.join()
            status = max(status, process.exitcode or 0)
            if metrics_dir is not None:
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(process.pid)
    finally:
        if metrics_dir is not None:
            metrics_dir.cleanup()
    return status
