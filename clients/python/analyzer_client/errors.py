"""The one exception a call raises when the server (or the way to it) says no.

The server follows the google.rpc richer error model: the status's details carry a
``BadRequest`` (which request field, with the file and line in its description) and an
``ErrorInfo`` (a stable reason such as ``MALFORMED_INPUT`` and the source, line, record and
column of an input error). :class:`ServiceError` decodes both, so callers branch on ``code``
or ``reason`` and show ``message`` as is.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2, status_pb2

from analyzer.errors import (
    AnalyzerError,
    EmptyLogError,
    FormatError,
    InputError,
    LimitExceededError,
    ParseError,
)

_DETAILS_KEY = "grpc-status-details-bin"
#: Input errors by their stable reason, to rebuild the library's own exception.
_INPUT_ERRORS = {
    cls.reason: cls
    for cls in (InputError, FormatError, ParseError, EmptyLogError, LimitExceededError)
}
_HINTS = {
    grpc.StatusCode.UNAVAILABLE: "is analyzer-server running there, and is TLS set the same "
    "way on both sides?",
    grpc.StatusCode.UNAUTHENTICATED: "set the token with --token or ANALYZER_TOKEN",
    grpc.StatusCode.DEADLINE_EXCEEDED: "raise the deadline (timeout= or ANALYZER_TIMEOUT)",
}


@dataclass(frozen=True)
class FieldViolation:
    """One ``google.rpc.BadRequest.FieldViolation``: the request field and what is wrong."""

    field: str
    description: str


class ServiceError(AnalyzerError):
    """A failed call: its gRPC status code, message and decoded rich details.

    ``field_violations`` and ``reason``/``metadata`` (from ``ErrorInfo``) are empty when the
    server sent none, e.g. for UNAVAILABLE raised by the transport.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        *,
        field_violations: tuple[FieldViolation, ...] = (),
        reason: str | None = None,
        metadata: dict[str, str] | None = None,
        target: str | None = None,
    ) -> None:
        self.code = code
        self.message = message
        self.field_violations = field_violations
        self.reason = reason
        self.metadata = metadata or {}
        self.target = target
        super().__init__(self.describe())

    def describe(self) -> str:
        """One line for a person: the status, the message and what to try."""
        hint = _HINTS.get(self.code)
        where = f" ({self.target})" if self.target else ""
        text = f"{self.code.name}{where}: {self.message}"
        return f"{text}; {hint}" if hint else text

    def input_error(self) -> InputError | None:
        """The library's own :class:`InputError` (same class, source, line, column and text)
        when the server rejected the input, else None."""
        if self.reason not in _INPUT_ERRORS or self.code not in (
            grpc.StatusCode.INVALID_ARGUMENT,
            grpc.StatusCode.RESOURCE_EXHAUSTED,
        ):
            return None
        meta = self.metadata
        cls = _INPUT_ERRORS[self.reason]
        where = {
            "source": meta.get("source"),
            "line": int(meta["line"]) if "line" in meta else None,
            "record": int(meta["record"]) if "record" in meta else None,
            "field": meta.get("field"),
        }
        # The message is "source: location: detail"; take the detail back out of it.
        prefix = str(cls("", **where))
        detail = self.message
        if prefix:
            detail = detail.removeprefix(prefix + ": ")
        return cls(detail, **where)


def _details(trailing_metadata) -> tuple[tuple[FieldViolation, ...], str | None, dict]:
    raw = next((v for k, v in trailing_metadata or () if k == _DETAILS_KEY), None)
    if raw is None:
        return (), None, {}
    status = status_pb2.Status.FromString(raw)
    violations: list[FieldViolation] = []
    reason, metadata = None, {}
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations.extend(FieldViolation(v.field, v.description) for v in bad.field_violations)
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason, metadata = info.reason, dict(info.metadata)
    return tuple(violations), reason, metadata


def from_rpc_error(error: grpc.RpcError, target: str | None = None) -> ServiceError:
    """Decode a failed call (sync ``grpc.RpcError`` or ``grpc.aio.AioRpcError``)."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    message = (error.details() if hasattr(error, "details") else None) or code.name.lower()
    trailing = error.trailing_metadata() if hasattr(error, "trailing_metadata") else None
    violations, reason, metadata = _details(trailing)
    return ServiceError(
        code,
        message,
        field_violations=violations,
        reason=reason,
        metadata=metadata,
        target=target,
    )
