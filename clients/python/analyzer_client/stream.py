"""The state both live streams share: updates received, the final diagnosis, the failure.

The sync stream's reader thread and the asyncio stream's reader task write it; the caller reads
it. A lock keeps the two sides consistent.
"""

from __future__ import annotations

import threading

import grpc

from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as pb
from analyzer.model.findings import Diagnosis
from analyzer_client.errors import ServiceError


class StreamState:
    def __init__(self, target: str | None = None) -> None:
        #: The server, named in the errors the stream raises itself.
        self.target = target
        self._lock = threading.Lock()
        self._updates: list[Diagnosis] = []
        self._final: Diagnosis | None = None
        self.latest: Diagnosis | None = None
        self.error: ServiceError | None = None
        self.points_received = 0
        self.closing = False
        self.done = False

    def received(self, response: pb.StreamAnalyzeResponse) -> None:
        diagnosis = codec.diagnosis_from_proto(response.diagnosis)
        with self._lock:
            self.latest = diagnosis
            self.points_received = response.points_received
            if response.final:
                self._final = diagnosis
            else:
                self._updates.append(diagnosis)

    def failed(self, error: ServiceError) -> None:
        with self._lock:
            self.error = error

    def ended(self) -> None:
        self.done = True

    def check_open(self) -> None:
        """Raise the failure, or RuntimeError when points come after finish."""
        if self.error is not None:
            raise self.error
        if self.closing or self.done:
            raise RuntimeError("the stream was finished or cancelled; open a new one")

    def take_updates(self) -> list[Diagnosis]:
        with self._lock:
            updates, self._updates = self._updates, []
        if not updates and self.error is not None:
            raise self.error
        return updates

    def final_diagnosis(self) -> Diagnosis:
        if self.error is not None:
            raise self.error
        if self._final is None:  # the server closed without a final message
            raise ServiceError(
                grpc.StatusCode.UNKNOWN,
                "the stream ended without a final diagnosis",
                target=self.target,
            )
        return self._final

    def timed_out(self) -> ServiceError:
        """The error of a ``finish`` whose wait for the final diagnosis ran out."""
        return ServiceError(
            grpc.StatusCode.DEADLINE_EXCEEDED,
            "no final diagnosis before the timeout",
            target=self.target,
        )
