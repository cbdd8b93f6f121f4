"""How failures become gRPC statuses (the google.rpc richer error model).

- an :class:`~analyzer.errors.InputError` is ``INVALID_ARGUMENT`` with a ``BadRequest`` field
  violation (which request field, with the file, line or column in its description) and an
  ``ErrorInfo`` whose reason is the error's stable ``reason`` and whose metadata holds the
  source, line, record and field it names;
- a :class:`~analyzer.errors.LimitExceededError` is ``RESOURCE_EXHAUSTED`` with the same details;
- :class:`ServiceError` carries any other status the servicer decides on (a misused stream,
  a shed request) with the same details.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from analyzer.errors import InputError, LimitExceededError

#: ``ErrorInfo.domain`` of every error this service returns.
ERROR_DOMAIN = "loss-analyzer"


class ServiceError(Exception):
    """A status the servicer returns on purpose (not an input error of the analyzer)."""

    def __init__(
        self, code: grpc.StatusCode, message: str, *, reason: str, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.reason = reason
        self.field = field

    def __reduce__(self):  # rebuilt from its keywords when it comes from an analysis process
        return _service_error, (self.code, self.message, self.reason, self.field)


def _service_error(code, message, reason, field) -> ServiceError:
    return ServiceError(code, message, reason=reason, field=field)


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


def rich_status(
    code: grpc.StatusCode,
    message: str,
    *,
    reason: str,
    field: str | None = None,
    metadata: dict[str, str] | None = None,
) -> grpc.Status:
    """A status with an ErrorInfo (and a BadRequest field violation when ``field`` is given)."""
    details = []
    if field is not None:
        violation = error_details_pb2.BadRequest.FieldViolation(field=field, description=message)
        details.append(_pack(error_details_pb2.BadRequest(field_violations=[violation])))
    details.append(
        _pack(
            error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata or {})
        )
    )
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=message, details=details)
    return rpc_status.to_status(status)


def input_error_status(exc: InputError, request_field: str | None) -> grpc.Status:
    """The status of an analyzer input error; ``request_field`` is the request field it is
    about (``files[1].content``, ``hints.num_classes``), when the servicer knows it."""
    code = (
        grpc.StatusCode.RESOURCE_EXHAUSTED
        if isinstance(exc, LimitExceededError)
        else grpc.StatusCode.INVALID_ARGUMENT
    )
    metadata = {
        key: str(value)
        for key, value in (
            ("source", exc.source),
            ("line", exc.line),
            ("record", exc.record),
            ("field", exc.field),
        )
        if value is not None
    }
    return rich_status(
        code, str(exc), reason=exc.reason, field=request_field or exc.field, metadata=metadata
    )


def file_field(exc: InputError, files: list[tuple[str, bytes]], prefix: str = "") -> str | None:
    """``{prefix}files[i].content`` for the file of ``files`` (name, content) that the ingest
    error ``exc`` names, else None."""
    for index, (name, _) in enumerate(files):
        if exc.source == name:
            return f"{prefix}files[{index}].content"
    return None


def service_error_status(exc: ServiceError) -> grpc.Status:
    return rich_status(exc.code, exc.message, reason=exc.reason, field=exc.field)


async def abort_with(context: grpc.aio.ServicerContext, status: grpc.Status) -> None:
    """End the call with ``status`` (raises, as ``context.abort`` does)."""
    await context.abort(status.code, status.details, status.trailing_metadata)
