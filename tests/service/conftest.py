"""A real server on 127.0.0.1, port 0, run by its own event loop in a background thread, and
plain (sync) grpc clients against it: the tests see the service as any other process would."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

import grpc
import pytest
from grpc_status import rpc_status

from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.service import ServerOptions, create_server

ROOT = Path(__file__).resolve().parents[2]
KERAS_CSV = ROOT / "examples" / "keras_overfitting.csv"


class ServerThread:
    """``create_server`` + ``start`` on a private loop; ``stop`` shuts it down gracefully."""

    def __init__(self, options: ServerOptions | None = None) -> None:
        self.options = options
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _call(self, coro, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> ServerThread:
        self.thread.start()

        async def create():
            self.server, self.port = create_server("127.0.0.1:0", self.options)
            await self.server.start()

        self._call(create())
        return self

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self, grace: float = 0) -> None:
        self._call(self.server.stop(grace))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture(scope="module")
def server():
    with ServerThread() as running:
        yield running


@pytest.fixture(scope="module")
def channel(server):
    with grpc.insecure_channel(server.target) as ch:
        yield ch


@pytest.fixture(scope="module")
def stub(channel):
    return pb_grpc.AnalyzerServiceStub(channel)


def keras_request(**kwargs) -> pb.AnalyzeLogRequest:
    return pb.AnalyzeLogRequest(
        files=[pb.LogFile(name="history.csv", content=KERAS_CSV.read_bytes())], **kwargs
    )


def error_details(error: grpc.RpcError) -> dict[str, object]:
    """The google.rpc details of a failed call, by type name (BadRequest, ErrorInfo)."""
    from google.rpc import error_details_pb2

    status = rpc_status.from_call(error)
    found: dict[str, object] = {}
    if status is None:
        return found
    for detail in status.details:
        for kind in (error_details_pb2.BadRequest, error_details_pb2.ErrorInfo):
            if detail.Is(kind.DESCRIPTOR):
                message = kind()
                detail.Unpack(message)
                found[kind.__name__] = message
    return found


@contextlib.contextmanager
def serving(options: ServerOptions | None = None):
    """A fresh server with ``options`` and a stub on an insecure channel to it."""
    with ServerThread(options) as running, grpc.insecure_channel(running.target) as ch:
        yield running, pb_grpc.AnalyzerServiceStub(ch)


def epoch_messages():
    """A StreamAnalyze call feeding the bundled Keras log one epoch per message."""
    import csv

    with KERAS_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    yield pb.StreamAnalyzeRequest(start=pb.StreamStart(run_name="live"))
    for row in rows:
        point = pb.StreamPoint(
            step=float(row["epoch"]),
            values={"loss": float(row["loss"]), "val_loss": float(row["val_loss"])},
        )
        yield pb.StreamAnalyzeRequest(points=pb.StreamPoints(points=[point]))
