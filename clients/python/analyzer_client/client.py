"""The synchronous client and its live stream."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Mapping

import grpc

from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.compare import Comparison
from analyzer.detectors.base import DetectorSpec
from analyzer.model.findings import Diagnosis
from analyzer_client import requests
from analyzer_client.config import FROM_ENV, ClientConfig
from analyzer_client.decode import detectors_from_proto
from analyzer_client.errors import ServiceError, from_rpc_error
from analyzer_client.requests import FileInput, HintsInput, SeriesInput
from analyzer_client.stream import StreamState


class AnalyzerClient:
    """Calls an ``analyzer-server``; every method returns the library's own domain objects.

    Settings not given here come from the ``ANALYZER_*`` environment variables (see
    :mod:`analyzer_client.config`). Failed calls raise :class:`ServiceError`; unreadable local
    files raise the library's :class:`~analyzer.errors.InputError`, as ``analyzer.analyze``
    would. Thread-safe; close it (or use ``with``) to release the channel.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        tls: bool | None = None,
        tls_ca=None,
        tls_cert=None,
        tls_key=None,
        token: str | None = None,
        timeout: float | str | None = FROM_ENV,
        max_attempts: int = 5,
        config: ClientConfig | None = None,
    ) -> None:
        self.config = config or ClientConfig.resolve(
            target,
            tls=tls,
            tls_ca=tls_ca,
            tls_cert=tls_cert,
            tls_key=tls_key,
            token=token,
            timeout=timeout,
            max_attempts=max_attempts,
        )
        self._channel = self.config.channel()
        self._stub = pb_grpc.AnalyzerServiceStub(self._channel)

    def __enter__(self) -> AnalyzerClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    def _timeout(self, timeout: float | None) -> float | None:
        return self.config.timeout if timeout is None else timeout

    def _call(self, method, request, timeout: float | None):
        try:
            return method(request, timeout=self._timeout(timeout), metadata=self.config.metadata())
        except grpc.RpcError as exc:
            raise from_rpc_error(exc, self.config.target) from None

    def analyze_files(
        self,
        files: FileInput | Iterable[FileInput],
        *,
        format: str | None = None,
        hints: HintsInput = None,
        timeout: float | None = None,
    ) -> Diagnosis:
        """Diagnose one run from its log files: a path, a run's directory, ``(name, bytes)``,
        or a list of those (e.g. TensorBoard's train and validation downloads)."""
        run = requests.single_run(files)
        request = requests.analyze_log_request(run, format=format, hints=hints)
        response = self._call(self._stub.AnalyzeLog, request, timeout)
        return run.named(codec.diagnosis_from_proto(response.diagnosis))

    def analyze_series(
        self,
        series: SeriesInput,
        *,
        granularity: str = "epoch",
        run_name: str | None = None,
        hints: HintsInput = None,
        timeout: float | None = None,
    ) -> Diagnosis:
        """Diagnose one run given as ``{"loss": [...], "val_loss": [...]}`` (steps 0, 1, ...)
        or ``{"loss": (steps, values), ...}``."""
        request = requests.analyze_series_request(
            series, granularity=granularity, run_name=run_name, hints=hints
        )
        response = self._call(self._stub.AnalyzeSeries, request, timeout)
        return codec.diagnosis_from_proto(response.diagnosis)

    def compare_runs(
        self,
        runs,
        *,
        metric: str | None = None,
        hints: HintsInput = None,
        criterion: str = "best",
        alignment: str = "common",
        alpha: float | None = None,
        margin: float | None = None,
        format: str | None = None,
        timeout: float | None = None,
    ) -> Comparison:
        """Compare two or more runs on the server, as :func:`analyzer.compare` does in-process
        (same arguments, same :class:`~analyzer.compare.Comparison`): ``runs`` is a mapping
        ``{name: source}`` or a list of paths (a directory holding several runs gives one run
        each) and ``(name, source)`` pairs, a source being a path, a list of files, bytes or
        series (``{"loss": [...], "val_loss": [...]}``). ``alpha`` and ``margin`` default to
        the server's (0.05 and 0.02); ``format`` forces the parser of every run's files."""
        request = requests.compare_runs_request(
            runs, metric=metric, hints=hints, criterion=criterion, alignment=alignment,
            alpha=alpha, margin=margin, format=format,
        )  # fmt: skip
        response = self._call(self._stub.CompareRuns, request.message, timeout)
        return request.named(codec.comparison_from_proto(response.comparison))

    def list_detectors(self, *, timeout: float | None = None) -> list[DetectorSpec]:
        """The finding codes the server reports, with their documentation."""
        response = self._call(self._stub.ListDetectors, pb.ListDetectorsRequest(), timeout)
        return detectors_from_proto(response)

    def open_stream(
        self,
        *,
        run_name: str | None = None,
        hints: HintsInput = None,
        granularity: str = "epoch",
    ) -> LiveStream:
        """A live diagnosis of a run while it trains (no deadline: it lasts the training)."""
        start = requests.stream_start(run_name=run_name, hints=hints, granularity=granularity)
        return LiveStream(self, start)


_END = object()


class LiveStream:
    """One ``StreamAnalyze`` call: ``send`` points, collect ``updates()``, ``finish()``.

    The server answers with a diagnosis whenever the findings change; a background thread
    collects them, so ``send`` and ``updates`` never block on the network. Once the stream
    failed (server gone, a step that does not increase, ...), ``send`` and ``finish`` raise
    its :class:`ServiceError`, and so does ``updates`` after returning the updates received
    before the failure. The stream is not retried: reopen one and replay the points.

    As a context manager it finishes on a normal exit and cancels on an exception.
    """

    def __init__(self, client: AnalyzerClient, start: pb.StreamAnalyzeRequest) -> None:
        self._target = client.config.target
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._requests.put(start)
        self._state = StreamState(self._target)
        self._call = client._stub.StreamAnalyze(
            iter(self._requests.get, _END), metadata=client.config.metadata()
        )
        self._default_timeout = client.config.timeout
        self._reader = threading.Thread(target=self._read, name="analyzer-stream", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for response in self._call:
                self._state.received(response)
        except grpc.RpcError as exc:
            self._state.failed(from_rpc_error(exc, self._target))
        finally:
            self._state.ended()

    @property
    def latest(self) -> Diagnosis | None:
        """The most recent diagnosis received (an update or the final one)."""
        return self._state.latest

    @property
    def error(self) -> ServiceError | None:
        """Why the stream failed, or None."""
        return self._state.error

    @property
    def points_received(self) -> int:
        """Points the server had counted at its last message."""
        return self._state.points_received

    def send(self, step: float, metrics: Mapping[str, float]) -> None:
        """Queue one epoch's (or step's) metrics, e.g. ``send(3, {"loss": .4, "val_loss": .5})``."""
        self._state.check_open()
        self._requests.put(requests.stream_point(step, metrics))

    def updates(self) -> list[Diagnosis]:
        """Diagnoses received since the last call, oldest first (never blocks)."""
        return self._state.take_updates()

    def finish(self, timeout: float | None = None) -> Diagnosis:
        """Close the sending side and wait for the final diagnosis (``timeout`` seconds, by
        default the client's deadline)."""
        if not self._state.closing:
            self._state.closing = True
            self._requests.put(_END)
        self._reader.join(self._default_timeout if timeout is None else timeout)
        if self._reader.is_alive():
            self.cancel()
            raise self._state.timed_out()
        return self._state.final_diagnosis()

    def cancel(self) -> None:
        """Abandon the stream (the server forgets the run)."""
        self._state.closing = True
        self._requests.put(_END)
        self._call.cancel()

    def __enter__(self) -> LiveStream:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.finish()
        else:
            self.cancel()
