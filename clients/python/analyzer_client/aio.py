"""The asyncio client: the same methods as :class:`~analyzer_client.AnalyzerClient`, awaitable."""

from __future__ import annotations

import asyncio
import contextlib
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


class AsyncAnalyzerClient:
    """Like :class:`~analyzer_client.AnalyzerClient`, for asyncio code. The channel is made on
    first use, on the running loop; ``await client.close()`` (or ``async with``) releases it.
    Files are read before the call (small logs: it does not block the loop for long)."""

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
        self._channel: grpc.aio.Channel | None = None
        self._stub_: pb_grpc.AnalyzerServiceStub | None = None

    @property
    def _stub(self) -> pb_grpc.AnalyzerServiceStub:
        if self._stub_ is None:
            self._channel = self.config.aio_channel()
            self._stub_ = pb_grpc.AnalyzerServiceStub(self._channel)
        return self._stub_

    async def __aenter__(self) -> AsyncAnalyzerClient:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stub_ = None

    async def _call(self, method, request, timeout: float | None):
        try:
            return await method(
                request,
                timeout=self.config.timeout if timeout is None else timeout,
                metadata=self.config.metadata(),
            )
        except grpc.RpcError as exc:
            raise from_rpc_error(exc, self.config.target) from None

    async def analyze_files(
        self,
        files: FileInput | Iterable[FileInput],
        *,
        format: str | None = None,
        hints: HintsInput = None,
        timeout: float | None = None,
    ) -> Diagnosis:
        """See :meth:`analyzer_client.AnalyzerClient.analyze_files`."""
        run = requests.single_run(files)
        request = requests.analyze_log_request(run, format=format, hints=hints)
        response = await self._call(self._stub.AnalyzeLog, request, timeout)
        return run.named(codec.diagnosis_from_proto(response.diagnosis))

    async def analyze_series(
        self,
        series: SeriesInput,
        *,
        granularity: str = "epoch",
        run_name: str | None = None,
        hints: HintsInput = None,
        timeout: float | None = None,
    ) -> Diagnosis:
        """See :meth:`analyzer_client.AnalyzerClient.analyze_series`."""
        request = requests.analyze_series_request(
            series, granularity=granularity, run_name=run_name, hints=hints
        )
        response = await self._call(self._stub.AnalyzeSeries, request, timeout)
        return codec.diagnosis_from_proto(response.diagnosis)

    async def compare_runs(
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
        """See :meth:`analyzer_client.AnalyzerClient.compare_runs`."""
        request = requests.compare_runs_request(
            runs, metric=metric, hints=hints, criterion=criterion, alignment=alignment,
            alpha=alpha, margin=margin, format=format,
        )  # fmt: skip
        response = await self._call(self._stub.CompareRuns, request.message, timeout)
        return request.named(codec.comparison_from_proto(response.comparison))

    async def list_detectors(self, *, timeout: float | None = None) -> list[DetectorSpec]:
        response = await self._call(self._stub.ListDetectors, pb.ListDetectorsRequest(), timeout)
        return detectors_from_proto(response)

    def open_stream(
        self,
        *,
        run_name: str | None = None,
        hints: HintsInput = None,
        granularity: str = "epoch",
    ) -> AsyncLiveStream:
        """See :meth:`analyzer_client.AnalyzerClient.open_stream`. Use it as
        ``async with client.open_stream(...) as stream`` or ``stream = await
        client.open_stream(...)`` (either sends the start message)."""
        start = requests.stream_start(run_name=run_name, hints=hints, granularity=granularity)
        call = self._stub.StreamAnalyze(metadata=self.config.metadata())
        return AsyncLiveStream(self, call, start)


class AsyncLiveStream:
    """:class:`~analyzer_client.LiveStream` for asyncio: ``await send(...)``,
    ``await updates()``, ``await finish()``; ``async with`` finishes or cancels."""

    def __init__(self, client: AsyncAnalyzerClient, call, start: pb.StreamAnalyzeRequest) -> None:
        self._target = client.config.target
        self._default_timeout = client.config.timeout
        self._call = call
        self._start: pb.StreamAnalyzeRequest | None = start
        self._state = StreamState(self._target)
        self._reader = asyncio.get_running_loop().create_task(self._read())

    async def _started(self) -> AsyncLiveStream:
        if self._start is not None:
            start, self._start = self._start, None
            await self._write(start)
        return self

    def __await__(self):
        return self._started().__await__()

    async def _read(self) -> None:
        try:
            while (response := await self._call.read()) is not grpc.aio.EOF:
                self._state.received(response)
        except grpc.RpcError as exc:
            self._state.failed(from_rpc_error(exc, self._target))
        finally:
            self._state.ended()

    async def _write(self, message: pb.StreamAnalyzeRequest) -> None:
        try:
            await self._call.write(message)
        except (grpc.RpcError, asyncio.InvalidStateError) as exc:
            await asyncio.sleep(0)  # let the reader record the status
            error = self._state.error
            if error is None:
                error = (
                    from_rpc_error(exc, self._target)
                    if isinstance(exc, grpc.RpcError)
                    else ServiceError(grpc.StatusCode.UNKNOWN, str(exc), target=self._target)
                )
                self._state.failed(error)
            raise error from None

    @property
    def latest(self) -> Diagnosis | None:
        return self._state.latest

    @property
    def error(self) -> ServiceError | None:
        return self._state.error

    @property
    def points_received(self) -> int:
        return self._state.points_received

    async def send(self, step: float, metrics: Mapping[str, float]) -> None:
        self._state.check_open()
        point = requests.stream_point(step, metrics)
        await self._started()
        await self._write(point)

    async def updates(self) -> list[Diagnosis]:
        await asyncio.sleep(0)  # give the reader a turn
        return self._state.take_updates()

    async def finish(self, timeout: float | None = None) -> Diagnosis:
        if not self._state.closing and not self._state.done:
            await self._started()
        if not self._state.closing:
            self._state.closing = True
            if not self._state.done:
                # A failed call refuses done_writing; the reader has its status.
                with contextlib.suppress(grpc.RpcError, asyncio.InvalidStateError):
                    await self._call.done_writing()
        try:
            await asyncio.wait_for(
                asyncio.shield(self._reader),
                self._default_timeout if timeout is None else timeout,
            )
        except TimeoutError:
            self.cancel()
            raise self._state.timed_out() from None
        return self._state.final_diagnosis()

    def cancel(self) -> None:
        self._state.closing = True
        self._call.cancel()

    async def __aenter__(self) -> AsyncLiveStream:
        return await self._started()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            await self.finish()
        else:
            self.cancel()
