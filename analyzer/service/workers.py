"""``--workers N``: N server processes on one port, so a multi-core host is used.

Each worker is a full grpc.aio server bound with SO_REUSEPORT; the kernel spreads incoming
connections across them (a connection, and so a channel, stays with one worker). The parent
only supervises: it forwards SIGTERM/SIGINT so every worker shuts down gracefully, and, with
``--metrics-port``, serves the sum of the workers' Prometheus samples (prometheus_client's
multiprocess mode, through a temporary directory). With port 0 the first worker binds a free
port and reports it; the others then join that port. (A port reserved by a bound but not
listening socket in the parent would sit in the kernel's SO_REUSEPORT group and skew the
spreading of connections: measured, every connection went to one worker.)

The parent waits until every worker reports that it listens: a worker that exits first (it
could not bind, and logged why) stops the others, and the server exits with status 1 at once
instead of serving with fewer workers than asked. A worker whose parent dies (SIGKILL) shuts
down too, rather than serving on, unsupervised, in the port's SO_REUSEPORT group.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import multiprocessing
import os
import queue
import signal
import sys
import tempfile
import threading
import time

from analyzer.service.config import ServerOptions

_log = logging.getLogger("analyzer.service")


def _split(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host, int(port)


#: How long a worker may take to import, bind and start before the server gives up.
START_TIMEOUT = 120.0


def _stop_with_parent() -> None:
    multiprocessing.parent_process().join()  # returns when the parent process is gone
    os.kill(os.getpid(), signal.SIGTERM)  # the graceful shutdown a forwarded SIGTERM starts


def _worker(address: str, options: ServerOptions, grace: float, log_level: str, ports) -> None:
    from analyzer.service import logs
    from analyzer.service.server import run

    logs.configure(log_level)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    threading.Thread(target=_stop_with_parent, daemon=True).start()
    sys.exit(run(address, options, grace=grace, on_started=ports.put))


def _await_listening(workers: list, ports, count: int) -> list[int] | None:
    """The ports ``count`` more workers report once they listen; None when a worker exits
    first or they take longer than START_TIMEOUT."""
    reported: list[int] = []
    deadline = time.monotonic() + START_TIMEOUT
    while len(reported) < count:
        if any(p.exitcode is not None for p in workers) or time.monotonic() > deadline:
            return None
        with contextlib.suppress(queue.Empty):
            reported.append(ports.get(timeout=0.2))
    return reported


def _abandon(workers: list, asked: int, address: str) -> int:
    _log.error(
        "not all %d workers started on %s; stopping",
        asked,
        address,
        extra={"fields": {"event": "failed", "address": address}},
    )
    for process in workers:
        process.terminate()
    for process in workers:
        process.join()
    return 1


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

    try:
        spawn(f"{host}:{port}")
        waiting = 1
        if port == 0:  # the first worker picks a free port, the others join it
            first = _await_listening(workers, ports, 1)
            if first is None:
                return _abandon(workers, args.workers, args.address)
            (port,), waiting = first, 0
        address = f"{host}:{port}"
        for _ in range(args.workers - 1):
            spawn(address)
        if _await_listening(workers, ports, waiting + args.workers - 1) is None:
            return _abandon(workers, args.workers, address)

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
        for process in workers:
            process.join()
            status = max(status, process.exitcode or 0)
            if metrics_dir is not None:
                from prometheus_client import multiprocess

                multiprocess.mark_process_dead(process.pid)
        return status
    finally:
        if metrics_dir is not None:
            metrics_dir.cleanup()
