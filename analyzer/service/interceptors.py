"""One aio interceptor for what every call needs: a request id, bearer-token auth, the access
log, Prometheus metrics, and turning an unexpected exception into ``INTERNAL``.

(``grpcio-observability`` hangs aio servers here and ``py-grpc-prometheus`` supports only the
sync server, hence this small interceptor.) It wraps the handler of each method in a function of
the same shape (unary or streaming on either side, generator or ``context.write`` style).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import re
import time
import uuid

import grpc

from analyzer.service import metrics
from analyzer.service.auth import TokenSet

_access = logging.getLogger("analyzer.service.access")
_log = logging.getLogger("analyzer.service")

#: Methods reachable without a token: load balancers and orchestrators probe them.
OPEN_PREFIXES = ("/grpc.health.v1.Health/",)
REQUEST_ID_KEY = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

#: The id of the call being handled (for logs written anywhere below the interceptor).
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def _incoming_request_id(metadata) -> str:
    given = next((v for k, v in metadata or () if k == REQUEST_ID_KEY), None)
    if isinstance(given, str) and _VALID_REQUEST_ID.match(given):
        return given
    return uuid.uuid4().hex


class ServiceInterceptor(grpc.aio.ServerInterceptor):
    """Request id, auth, access log, metrics and INTERNAL for every method."""

    def __init__(self, tokens: TokenSet | None = None) -> None:
        self._tokens = tokens

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        metadata = handler_call_details.invocation_metadata
        authorized = (
            self._tokens is None
            or method.startswith(OPEN_PREFIXES)
            or self._tokens.accepts(metadata)
        )
        call = _Call(method, _incoming_request_id(metadata), authorized)
        return _wrap(handler, call)


class _Call:
    """What the wrapper needs to know about one call, and its bookkeeping."""

    def __init__(self, method: str, rid: str, authorized: bool) -> None:
        self.method = method
        self.rid = rid
        self.authorized = authorized

    def begin(self, streaming: bool) -> None:
        self.started = time.perf_counter()
        self.streaming = streaming
        self.token = request_id.set(self.rid)
        metrics.IN_FLIGHT.inc()
        if streaming:
            metrics.OPEN_STREAMS.inc()

    async def admit(self, context: grpc.aio.ServicerContext) -> None:
        """Send the request id back, and refuse the call without a valid token."""
        await context.send_initial_metadata(((REQUEST_ID_KEY, self.rid),))
        if not self.authorized:
            await context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "missing or invalid bearer token (send 'authorization: Bearer <token>')",
            )

    async def fail(self, context: grpc.aio.ServicerContext, exc: Exception) -> None:
        """An exception no handler meant: log it with the request id, tell the client only
        that id."""
        _log.error(
            "unexpected error in %s",
            self.method,
            exc_info=exc,
            extra={"fields": {"request_id": self.rid, "method": self.method}},
        )
        await context.abort(grpc.StatusCode.INTERNAL, f"internal error (request id {self.rid})")

    def end(self, context: grpc.aio.ServicerContext, cancelled: bool = False) -> None:
        seconds = time.perf_counter() - self.started
        code = context.code()
        name = "CANCELLED" if cancelled else _code_name(code)
        metrics.IN_FLIGHT.dec()
        if self.streaming:
            metrics.OPEN_STREAMS.dec()
        metrics.observe(self.method, name, seconds)
        if _access.isEnabledFor(logging.INFO):  # the record's fields cost more than the check
            _access.info(
                "%s %s %.1f ms",
                self.method,
                name,
                seconds * 1000,
                extra={
                    "fields": {
                        "method": self.method,
                        "code": name,
                        "duration_ms": round(seconds * 1000, 3),
                        "request_id": self.rid,
                        "peer": context.peer(),
                        "authenticated": self.authorized,
                    }
                },
            )
        request_id.reset(self.token)


def _code_name(code) -> str:
    if code is None:
        return "OK"
    if isinstance(code, grpc.StatusCode):
        return code.name
    return grpc.StatusCode(code).name if isinstance(code, tuple) else str(code)


def _wrap(handler: grpc.RpcMethodHandler, call: _Call) -> grpc.RpcMethodHandler:
    streaming = handler.request_streaming or handler.response_streaming
    if handler.unary_unary:
        inner, factory = handler.unary_unary, grpc.unary_unary_rpc_method_handler
    elif handler.unary_stream:
        inner, factory = handler.unary_stream, grpc.unary_stream_rpc_method_handler
    elif handler.stream_unary:
        inner, factory = handler.stream_unary, grpc.stream_unary_rpc_method_handler
    else:
        inner, factory = handler.stream_stream, grpc.stream_stream_rpc_method_handler

    if inspect.isasyncgenfunction(inner):

        async def behavior(request, context):
            call.begin(streaming)
            cancelled = False
            try:
                await call.admit(context)
                async for response in inner(request, context):
                    yield response
            except grpc.aio.AbortError:
                raise
            except BaseException as exc:
                cancelled = _is_cancel(exc)
                if cancelled:
                    raise
                await call.fail(context, exc)
            finally:
                call.end(context, cancelled)

    else:

        async def behavior(request, context):
            call.begin(streaming)
            cancelled = False
            try:
                await call.admit(context)
                return await inner(request, context)
            except grpc.aio.AbortError:
                raise
            except BaseException as exc:
                cancelled = _is_cancel(exc)
                if cancelled:
                    raise
                await call.fail(context, exc)
            finally:
                call.end(context, cancelled)

    return factory(
        behavior,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def _is_cancel(exc: BaseException) -> bool:
    return isinstance(exc, (asyncio.CancelledError, GeneratorExit, KeyboardInterrupt))
