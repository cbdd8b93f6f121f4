"""Benchmark: the gRPC service under load, beside an echo RPC and the in-process analysis.

An asyncio load generator (grpc.aio, 8 channels each on its own connection) calls, for
``--duration`` seconds per level at concurrency 1, 16 and 64:

- ``AnalyzeLog`` with a 100-epoch Keras CSV (overfitting after epoch ~40), cycling through
  ``LOGS`` files with different noise so that no cache of the bytes can help;
- a trivial echo RPC registered on the same server stack (same interceptors, options, workers),
  which shows what the transport and Python gRPC cost by themselves;

and reports requests per second, p50 and p99 latency, errors, and the CPU time one call costs
the server processes and the load generator (what the service adds beside the analysis). The
baseline is the same analysis (``analyzer.analyze`` on the same files) called in-process for
``--duration`` seconds by as many processes as the server has workers (``--workers``, default:
the number of cores), so both use the same cores. Finally ``--streams`` (64) StreamAnalyze
calls are opened at once, each sending ``--stream-epochs`` (50) epochs one message at a time,
and must all end with a final diagnosis.

The load generator shares the machine with the server (2 cores here): its own CPU time is part
of what the service figures pay, as it would be for a client on the same host.

Run: ``.venv/bin/python bench/service.py [--duration 5] [--workers 2]``, or with
``--analysis-processes 2`` for one server that hands each analysis to the first free of two
analysis processes (balances calls, not connections); figures also go to
``bench/out/service.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import grpc
import numpy as np

OUT = Path(__file__).resolve().parent / "out"
ECHO_METHOD = "/bench.Echo/Echo"
CHANNELS = 8
LOGS = 64  # distinct 100-epoch files, one seed each
LEVELS = (1, 16, 64)


def keras_csv(epochs: int = 100, seed: int = 0) -> bytes:
    """A Keras CSVLogger file: training loss falls, validation loss turns up after ~40."""
    rng = np.random.default_rng(seed)
    e = np.arange(epochs)
    loss = 0.3 + 1.9 * np.exp(-e / 12) + rng.normal(0, 0.01, epochs)
    val = 0.55 + 1.7 * np.exp(-e / 12) + 0.004 * np.maximum(e - 40, 0) ** 1.2
    val += rng.normal(0, 0.015, epochs)
    acc, val_acc = 1 - loss / 3, 1 - val / 3
    rows = ["epoch,accuracy,loss,val_accuracy,val_loss"]
    rows += [f"{i},{acc[i]:.4f},{loss[i]:.4f},{val_acc[i]:.4f},{val[i]:.4f}" for i in e]
    return ("\n".join(rows) + "\n").encode()


# --- server workers -------------------------------------------------------------------------


def _serve(address: str, ports, analysis_processes: int = 0) -> None:
    from analyzer.service import ServerOptions, create_server

    async def main() -> None:
        options = ServerOptions(reuse_port=True, analysis_processes=analysis_processes)
        server, port = create_server(address, options)

        async def echo(request: bytes, context) -> bytes:
            return request

        handler = grpc.method_handlers_generic_handler(
            "bench.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
        )
        server.server.add_generic_rpc_handlers((handler,))
        await server.start()
        ports.put(port)
        await asyncio.Event().wait()

    asyncio.run(main())


def start_workers(n: int, analysis_processes: int = 0) -> tuple[list, int]:
    """``n`` server processes on one port, or with ``analysis_processes`` one server that
    sends each analysis to the first free of that many processes."""
    context = multiprocessing.get_context("spawn")
    ports = context.Queue()
    if analysis_processes:  # not a daemon: daemons may not start the analysis processes
        server = context.Process(target=_serve, args=("127.0.0.1:0", ports, analysis_processes))
        server.start()
        return [server], ports.get(timeout=120)
    first = context.Process(target=_serve, args=("127.0.0.1:0", ports), daemon=True)
    first.start()
    port = ports.get(timeout=120)
    rest = [
        context.Process(target=_serve, args=(f"127.0.0.1:{port}", ports), daemon=True)
        for _ in range(n - 1)
    ]
    for process in rest:
        process.start()
        ports.get(timeout=120)
    return [first, *rest], port


# --- load generator -------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


async def load(
    target: str, kind: str, concurrency: int, duration: float, csvs: list[bytes]
) -> dict:
    from analyzer.api.v1 import analyzer_service_pb2 as pb
    from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc

    channels = [
        grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(min(CHANNELS, concurrency))
    ]
    requests = [
        pb.AnalyzeLogRequest(files=[pb.LogFile(name="history.csv", content=csv)]) for csv in csvs
    ]
    calls = []
    for channel in channels:
        if kind == "echo":
            calls.append(channel.unary_unary(ECHO_METHOD))
        else:
            calls.append(pb_grpc.AnalyzerServiceStub(channel).AnalyzeLog)
    payloads = [b"x" * 64] if kind == "echo" else requests
    latencies: list[float] = []
    errors: dict[str, int] = {}
    # Warm up every connection before the clock starts.
    await asyncio.gather(*(call(payloads[0], timeout=30) for call in calls))
    stop = time.perf_counter() + duration

    async def user(index: int) -> None:
        call = calls[index % len(calls)]
        sent = index
        while time.perf_counter() < stop:
            payload = payloads[sent % len(payloads)]
            sent += concurrency
            started = time.perf_counter()
            try:
                await call(payload, timeout=30)
                latencies.append(time.perf_counter() - started)
            except grpc.aio.AioRpcError as exc:
                errors[exc.code().name] = errors.get(exc.code().name, 0) + 1

    started = time.perf_counter()
    await asyncio.gather(*(user(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    for channel in channels:
        await channel.close()
    return {
        "rpc": kind,
        "concurrency": concurrency,
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": _percentile(latencies, 50) * 1000,
        "p99_ms": _percentile(latencies, 99) * 1000,
        "errors": errors,
    }


async def streams(target: str, count: int, epochs: int, csv: bytes) -> dict:
    from analyzer.api.v1 import analyzer_service_pb2 as pb
    from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc

    rows = [line.split(",") for line in csv.decode().splitlines()[1 : epochs + 1]]
    channels = [
        grpc.aio.insecure_channel(target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(CHANNELS)
    ]

    async def one(index: int) -> tuple[bool, int, float]:
        stub = pb_grpc.AnalyzerServiceStub(channels[index % CHANNELS])
        call = stub.StreamAnalyze(timeout=300)
        await call.write(pb.StreamAnalyzeRequest(start=pb.StreamStart(run_name=f"job-{index}")))
        updates, final = 0, None
        started = time.perf_counter()

        async def reader() -> None:
            nonlocal updates, final
            async for response in call:
                updates += 1
                if response.final:
                    final = response

        reading = asyncio.create_task(reader())
        for row in rows:
            values = {"loss": float(row[2]), "val_loss": float(row[4])}
            point = pb.StreamPoint(step=float(row[0]), values=values)
            await call.write(pb.StreamAnalyzeRequest(points=pb.StreamPoints(points=[point])))
            await asyncio.sleep(0)  # the job trains between epochs
        await call.done_writing()
        await reading
        return final is not None, updates, time.perf_counter() - started

    started = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)
    elapsed = time.perf_counter() - started
    for channel in channels:
        await channel.close()
    served = [r for r in results if isinstance(r, tuple) and r[0]]
    failed = [repr(r) for r in results if not (isinstance(r, tuple) and r[0])]
    return {
        "streams": count,
        "epochs_each": epochs,
        "served_with_final": len(served),
        "failed": failed[:3],
        "wall_s": elapsed,
        "median_updates_per_stream": statistics.median(r[1] for r in served) if served else 0,
        "median_stream_s": statistics.median(r[2] for r in served) if served else 0,
    }


def _cpu_seconds(processes) -> float:
    """User + system CPU seconds so far of the server processes and their children (the
    analysis processes), from Linux /proc (NaN elsewhere): divided by the calls, what one call
    costs the server."""
    total, pids = 0.0, [process.pid for process in processes]
    while pids:
        pid = pids.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                pids += [int(child) for child in children.read_text().split()]
        except OSError:
            return float("nan")
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _per_call(seconds: float, calls: int) -> float:
    return 1000 * seconds / calls if calls else float("nan")


# --- in-process baseline --------------------------------------------------------------------


def _analyze_for(csvs: list[bytes], duration: float) -> tuple[int, float]:
    """Analyses done in ``duration`` seconds, timed after the imports and a warm-up call."""
    import analyzer

    analyzer.analyze([("history.csv", csvs[0])])
    started = time.perf_counter()
    stop, done = started + duration, 0
    while time.perf_counter() < stop:
        analyzer.analyze([("history.csv", csvs[done % len(csvs)])])
        done += 1
    return done, time.perf_counter() - started


def in_process(csvs: list[bytes], processes: int, duration: float) -> dict:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=context) as pool:
        runs = list(pool.map(_analyze_for, [csvs] * processes, [duration] * processes))
    rps = sum(done / elapsed for done, elapsed in runs)
    return {"processes": processes, "rps": rps, "ms_per_analysis": 1000 * processes / rps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument(
        "--analysis-processes",
        type=int,
        default=0,
        help="one server sending each analysis to the first free of this many processes, "
        "instead of --workers servers on one port",
    )
    parser.add_argument("--streams", type=int, default=64)
    parser.add_argument("--stream-epochs", type=int, default=50, help="epochs each stream sends")
    args = parser.parse_args()
    csvs = [keras_csv(seed=seed) for seed in range(LOGS)]
    if args.analysis_processes:
        args.workers = args.analysis_processes  # the processes analysing, for the baseline

    baseline = in_process(csvs, args.workers, args.duration)
    single = in_process(csvs, 1, args.duration)
    print(f"in-process: {baseline['rps']:.0f} analyses/s on {args.workers} processes "
          f"({single['rps']:.0f}/s on 1, {single['ms_per_analysis']:.1f} ms each)")  # fmt: skip

    processes, port = start_workers(args.workers, args.analysis_processes)
    target = f"127.0.0.1:{port}"
    results = []
    try:
        for concurrency in LEVELS:
            # The machine is shared: measure the baseline again right before each level and
            # compare with that one (the servers idle meanwhile).
            level_baseline = in_process(csvs, args.workers, args.duration)
            for kind in ("analyze", "echo"):
                server_cpu, client_cpu = _cpu_seconds(processes), time.process_time()
                row = asyncio.run(load(target, kind, concurrency, args.duration, csvs))
                row["server_cpu_ms_per_call"] = _per_call(
                    _cpu_seconds(processes) - server_cpu, row["requests"]
                )
                row["client_cpu_ms_per_call"] = _per_call(
                    time.process_time() - client_cpu, row["requests"]
                )
                row["in_process_rps"] = level_baseline["rps"]
                row["vs_in_process"] = (
                    row["rps"] / level_baseline["rps"] if kind == "analyze" else None
                )
                results.append(row)
                print(
                    f"{kind:8} c={concurrency:<3} {row['rps']:8.0f} req/s  "
                    f"p50 {row['p50_ms']:7.2f} ms  p99 {row['p99_ms']:7.2f} ms  "
                    f"errors {row['errors'] or 0}"
                    + (f"  {row['vs_in_process']:.0%} of in-process" if kind == "analyze" else "")
                    + f"  cpu/call: server {row['server_cpu_ms_per_call']:.2f} ms, "
                    f"load generator {row['client_cpu_ms_per_call']:.2f} ms"
                )
        stream_row = asyncio.run(streams(target, args.streams, args.stream_epochs, csvs[0]))
        print(
            f"streams: {stream_row['served_with_final']}/{args.streams} served "
            f"({args.stream_epochs} epochs each) in {stream_row['wall_s']:.1f} s, median "
            f"{stream_row['median_updates_per_stream']} updates per stream"
        )
    finally:
        for process in processes:
            process.terminate()
    OUT.mkdir(exist_ok=True)
    report = {
        "workers": args.workers,
        "analysis_processes": args.analysis_processes,
        "cpu_count": os.cpu_count(),
        "duration_s": args.duration,
        "in_process": baseline,
        "in_process_single": single,
        "load": results,
        "streams": stream_row,
    }
    (OUT / "service.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
