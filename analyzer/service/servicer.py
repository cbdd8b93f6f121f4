"""The AnalyzerService methods: decode (codec) -> ingest and engine (off the loop) -> encode.

Input errors become INVALID_ARGUMENT / RESOURCE_EXHAUSTED with the request field they are about
(:mod:`analyzer.service.errors`); everything unexpected is left to the interceptor (INTERNAL).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import grpc

from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.api.v1 import analyzer_service_pb2_grpc as pb_grpc
from analyzer.detectors import SPECS
from analyzer.engine import diagnose
from analyzer.errors import InputError
from analyzer.ingest import IngestLimits, load
from analyzer.model import Granularity
from analyzer.model.findings import Diagnosis
from analyzer.model.hints import Hints
from analyzer.service.analysis import OVERLOADED, AnalysisRunner, check_deadline
from analyzer.service.compare import RequestFieldError, compare_runs, decode_request
from analyzer.service.config import ServiceLimits
from analyzer.service.errors import (
    ServiceError,
    abort_with,
    file_field,
    input_error_status,
    service_error_status,
)
from analyzer.service.runs import log_from_columns
from analyzer.service.streaming import StreamSession

_log = logging.getLogger("analyzer.service")

STREAM_MISUSE = "STREAM_PROTOCOL"


def _analyze_files(
    files: list[tuple[str, bytes]],
    format: str | None,
    hints: Hints | None,
    limits: IngestLimits,
    *,
    deadline: float | None,
) -> Diagnosis:
    log = load(files, format=format, limits=limits)
    check_deadline(deadline)
    return diagnose(log, hints=hints)


def _analyze_columns(
    columns: list[codec.SeriesColumn],
    run_name: str | None,
    hints: Hints | None,
    limits: IngestLimits,
    source: str = "series",
    *,
    deadline: float | None,
) -> Diagnosis:
    log = log_from_columns(columns, run_name=run_name, limits=limits, source=source)
    check_deadline(deadline)
    return diagnose(log, hints=hints)


async def _analyze_session(
    runner: AnalysisRunner, session: StreamSession, time_remaining: float | None, *, shed=True
) -> Diagnosis:
    """The stream's run so far, diagnosed (the snapshot is taken here, on the loop, so that
    its bookkeeping stays in the session whichever thread or process analyses it)."""
    return await runner.run(
        _analyze_columns,
        session.snapshot(),
        session.run_name,
        session.hints,
        session.limits,
        "stream",
        time_remaining=time_remaining,
        shed=shed,
    )


def _file_field(exc: InputError, files: list[tuple[str, bytes]]) -> str | None:
    """The request field an ingest error is about: the file it names, else its own field."""
    if exc.field is not None and exc.field.startswith("hints."):
        return exc.field
    return file_field(exc, files) or "files"


class AnalyzerServicer(pb_grpc.AnalyzerServiceServicer):
    """Thin: all judgement is in the engine."""

    def __init__(self, runner: AnalysisRunner, limits: ServiceLimits) -> None:
        self._runner = runner
        self._limits = limits
        self._ingest_limits = limits.ingest()
        self._open_streams = 0
        self._detectors = pb.ListDetectorsResponse(
            detectors=[codec.detector_to_proto(spec) for spec in SPECS.values()]
        )

    async def AnalyzeLog(self, request, context):
        files = [(f.name or f"file {i}", f.content) for i, f in enumerate(request.files)]
        try:
            if not files:
                raise InputError("no files were given; send at least one", field="files")
            hints = codec.hints_from_proto(request.hints)
            fmt = request.format if request.HasField("format") else None
            diagnosis = await self._runner.run(
                _analyze_files,
                files,
                fmt,
                hints,
                self._ingest_limits,
                time_remaining=context.time_remaining(),
            )
        except InputError as exc:
            await abort_with(context, input_error_status(exc, _file_field(exc, files)))
        except ServiceError as exc:
            await abort_with(context, service_error_status(exc))
        return pb.AnalyzeLogResponse(diagnosis=codec.diagnosis_to_proto(diagnosis))

    async def AnalyzeSeries(self, request, context):
        try:
            columns = [
                codec.series_from_proto(s, path=f"series[{i}]")
                for i, s in enumerate(request.series)
            ]
            hints = codec.hints_from_proto(request.hints)
            run_name = request.run_name if request.HasField("run_name") else None
            diagnosis = await self._runner.run(
                _analyze_columns,
                columns,
                run_name,
                hints,
                self._ingest_limits,
                time_remaining=context.time_remaining(),
            )
        except InputError as exc:
            await abort_with(context, input_error_status(exc, exc.field or "series"))
        except ServiceError as exc:
            await abort_with(context, service_error_status(exc))
        return pb.AnalyzeSeriesResponse(diagnosis=codec.diagnosis_to_proto(diagnosis))

    async def CompareRuns(self, request, context):
        try:
            runs, options = decode_request(request, self._limits)
            comparison = await self._runner.run(
                compare_runs,
                runs,
                options,
                self._limits,
                time_remaining=context.time_remaining(),
            )
        except RequestFieldError as exc:
            await abort_with(context, input_error_status(exc.error, exc.field))
        except InputError as exc:
            await abort_with(context, input_error_status(exc, exc.field or "runs"))
        except ServiceError as exc:
            await abort_with(context, service_error_status(exc))
        return pb.CompareRunsResponse(comparison=codec.comparison_to_proto(comparison))

    async def ListDetectors(self, request, context):
        return self._detectors

    async def StreamAnalyze(self, request_iterator, context) -> AsyncIterator:
        if self._open_streams >= self._limits.max_streams:
            await abort_with(
                context,
                service_error_status(
                    ServiceError(
                        grpc.StatusCode.RESOURCE_EXHAUSTED,
                        f"too many open streams (limit {self._limits.max_streams})",
                        reason=OVERLOADED,
                    )
                ),
            )
        self._open_streams += 1
        try:
            async for response in self._stream(request_iterator, context):
                yield response
        except InputError as exc:
            await abort_with(context, input_error_status(exc, exc.field))
        except ServiceError as exc:
            await abort_with(context, service_error_status(exc))
        finally:
            self._open_streams -= 1

    async def _stream(self, request_iterator, context) -> AsyncIterator[pb.StreamAnalyzeResponse]:
        session: StreamSession | None = None
        async for message in request_iterator:
            kind = message.WhichOneof("event")
            if kind == "start":
                if session is not None:
                    raise _misuse("the stream was already started; send start only once")
                session = StreamSession(
                    run_name=message.start.run_name if message.start.HasField("run_name") else None,
                    hints=codec.hints_from_proto(message.start.hints, path="start.hints"),
                    granularity=codec.granularity_from_proto(message.start.granularity)
                    or Granularity.EPOCH,
                    limits=self._ingest_limits,
                )
                continue
            if kind != "points":
                raise _misuse("a stream message must carry start or points")
            if session is None:
                raise _misuse("points arrived before start; send a start message first")
            session.add(codec.stream_points_from_proto(message.points))
            if not session.due():
                continue
            try:
                diagnosis = await _analyze_session(self._runner, session, context.time_remaining())
            except ServiceError as exc:
                if exc.reason != OVERLOADED:
                    raise
                continue  # busy: skip this update, the next batch tries again
            if session.changed(diagnosis):
                yield _update(session, diagnosis, final=False)
        if session is None:
            raise _misuse("the stream ended before a start message")
        if session.points_received == 0:
            raise _misuse("the stream ended before any point was sent")
        diagnosis = await _analyze_session(
            self._runner, session, context.time_remaining(), shed=False
        )
        yield _update(session, diagnosis, final=True)


def _update(session: StreamSession, diagnosis: Diagnosis, *, final: bool):
    return pb.StreamAnalyzeResponse(
        diagnosis=codec.diagnosis_to_proto(diagnosis),
        final=final,
        points_received=session.points_received,
        last_step=session.last_step,
    )


def _misuse(message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.FAILED_PRECONDITION, message, reason=STREAM_MISUSE)
