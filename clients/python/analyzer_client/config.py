"""Where the service is and how to reach it: target, TLS, token, deadline, retries.

Every setting comes from an argument or, when the argument is left out, from the environment
(an argument always wins). The names follow ``analyzer-server``'s ``ANALYZER_*`` variables:

=============================  ========================================================
``ANALYZER_TARGET``            ``host:port`` of the server (default ``127.0.0.1:50051``)
``ANALYZER_TLS``               ``1``/``true``: use TLS with the system's root certificates
``ANALYZER_TLS_CA``            PEM CA bundle to trust (turns TLS on)
``ANALYZER_TLS_CLIENT_CERT``   PEM client certificate, for mutual TLS (with the key)
``ANALYZER_TLS_CLIENT_KEY``    PEM private key of the client certificate
``ANALYZER_TOKEN``             bearer token sent as ``authorization: Bearer <token>``
``ANALYZER_TOKEN_FILE``        file whose first line is the token (when no token is given)
``ANALYZER_TIMEOUT``           default deadline of a call in seconds (``0``: none)
=============================  ========================================================

Retries: a unary call that fails with ``UNAVAILABLE`` (server down, restarting, connection
refused) is retried by gRPC itself, following the channel's service config: up to
``max_attempts`` attempts, the n-th retry after a random delay in
``[0, min(initial_backoff * 2**(n-1), max_backoff)]`` (exponential backoff with full jitter),
all within the call's one deadline. No other status is retried (an ``INVALID_ARGUMENT`` stays
wrong however often it is sent), and streams are never retried: a training callback decides
itself how to resume one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc

from analyzer.api.v1 import analyzer_service_pb2 as pb

#: The server's default address (``analyzer-server --address``).
DEFAULT_TARGET = "127.0.0.1:50051"
#: Seconds a unary call may take by default; long enough for a large event file.
DEFAULT_TIMEOUT = 60.0
#: gRPC caps retry attempts at 5, the first attempt included.
MAX_ATTEMPTS_CAP = 5

_SERVICE = pb.DESCRIPTOR.services_by_name["AnalyzerService"]
#: The unary methods, read from the service so a new one is retried too; streams are left out
#: on purpose (they are never retried).
RETRIED_METHODS = tuple(
    m.name for m in _SERVICE.methods if not (m.client_streaming or m.server_streaming)
)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}

PemSource = str | os.PathLike | bytes


def _pem(value: PemSource | None, what: str) -> bytes | None:
    """PEM bytes as given, or read from a path; a missing file is a clear ValueError."""
    if value is None or isinstance(value, bytes):
        return value
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the {what} {str(value)!r}: {exc.strerror or exc}") from None


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE | _FALSE:
        return lowered in _TRUE
    raise ValueError(f"{name}={value!r}: expected 1/true/yes or 0/false/no")


def _seconds(value: str, name: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r}: expected a number of seconds") from None
    if seconds < 0:
        raise ValueError(f"{name}={value!r}: must not be negative")
    return seconds or None


#: ``timeout`` default: read ``ANALYZER_TIMEOUT`` (60 s when unset).
FROM_ENV = "env"


@dataclass(frozen=True)
class ClientConfig:
    """Resolved connection settings (use :meth:`resolve` to build one from arguments and the
    environment)."""

    target: str = DEFAULT_TARGET
    tls: bool = False
    tls_ca: bytes | None = None
    tls_cert: bytes | None = None
    tls_key: bytes | None = None
    token: str | None = None
    #: Default deadline of a unary call, seconds; None: no deadline.
    timeout: float | None = DEFAULT_TIMEOUT
    #: Attempts of a unary call when the server is UNAVAILABLE (1 = no retry; at most 5).
    max_attempts: int = MAX_ATTEMPTS_CAP
    initial_backoff: float = 0.2
    max_backoff: float = 5.0

    def __repr__(self) -> str:  # never show the token
        token = "set" if self.token else None
        return f"ClientConfig(target={self.target!r}, tls={self.tls}, token={token})"

    @classmethod
    def resolve(
        cls,
        target: str | None = None,
        *,
        tls: bool | None = None,
        tls_ca: PemSource | None = None,
        tls_cert: PemSource | None = None,
        tls_key: PemSource | None = None,
        token: str | None = None,
        timeout: float | str | None = FROM_ENV,
        max_attempts: int = MAX_ATTEMPTS_CAP,
        environ: Mapping[str, str] | None = None,
    ) -> ClientConfig:
        """Settings from the arguments, falling back to the ``ANALYZER_*`` variables.

        ``timeout="env"`` (the default) takes ``ANALYZER_TIMEOUT`` or 60 s; None means no
        deadline. Invalid values raise ValueError naming the variable or argument.
        """
        env = os.environ if environ is None else environ
        target = target or env.get("ANALYZER_TARGET") or DEFAULT_TARGET
        tls_ca = tls_ca if tls_ca is not None else env.get("ANALYZER_TLS_CA") or None
        tls_cert = tls_cert if tls_cert is not None else env.get("ANALYZER_TLS_CLIENT_CERT") or None
        tls_key = tls_key if tls_key is not None else env.get("ANALYZER_TLS_CLIENT_KEY") or None
        if (tls_cert is None) != (tls_key is None):
            raise ValueError("a client certificate and its key go together (mutual TLS)")
        if tls is None:
            tls = _flag(env.get("ANALYZER_TLS", ""), "ANALYZER_TLS")
        tls = bool(tls or tls_ca is not None or tls_cert is not None)
        if token is None:
            token = env.get("ANALYZER_TOKEN") or None
        if token is None and env.get("ANALYZER_TOKEN_FILE"):
            path = env["ANALYZER_TOKEN_FILE"]
            try:
                token = Path(path).read_text(encoding="utf-8").strip().splitlines()[0].strip()
            except (OSError, IndexError) as exc:
                raise ValueError(f"ANALYZER_TOKEN_FILE={path!r}: no token in it ({exc})") from None
        if timeout == FROM_ENV:
            raw = env.get("ANALYZER_TIMEOUT")
            timeout = DEFAULT_TIMEOUT if raw is None else _seconds(raw, "ANALYZER_TIMEOUT")
        if not 1 <= max_attempts <= MAX_ATTEMPTS_CAP:
            raise ValueError(f"max_attempts must be 1..{MAX_ATTEMPTS_CAP}, got {max_attempts}")
        return cls(
            target=target,
            tls=tls,
            tls_ca=_pem(tls_ca, "CA bundle"),
            tls_cert=_pem(tls_cert, "client certificate"),
            tls_key=_pem(tls_key, "client key"),
            token=token,
            timeout=timeout,
            max_attempts=max_attempts,
        )

    def service_config(self) -> str:
        """The gRPC service config: retry UNAVAILABLE on the unary methods only."""
        method_config: dict = {
            "name": [{"service": _SERVICE.full_name, "method": m} for m in RETRIED_METHODS],
        }
        if self.max_attempts > 1:
            method_config["retryPolicy"] = {
                "maxAttempts": self.max_attempts,
                "initialBackoff": f"{self.initial_backoff}s",
                "maxBackoff": f"{self.max_backoff}s",
                "backoffMultiplier": 2,
                "retryableStatusCodes": ["UNAVAILABLE"],
            }
        return json.dumps({"methodConfig": [method_config]})

    def channel_options(self) -> list[tuple[str, object]]:
        return [
            ("grpc.service_config", self.service_config()),
            ("grpc.enable_retries", 1),
            # Reconnect soon after a server restart instead of gRPC's default 1 s + backoff:
            # a retry then finds the new server rather than the old failure.
            ("grpc.initial_reconnect_backoff_ms", 100),
            ("grpc.min_reconnect_backoff_ms", 100),
            ("grpc.max_reconnect_backoff_ms", 2000),
            ("grpc.max_receive_message_length", 64 * 1024**2),
        ]

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS channel credentials, or None for plaintext."""
        if not self.tls:
            return None
        return grpc.ssl_channel_credentials(
            root_certificates=self.tls_ca,
            private_key=self.tls_key,
            certificate_chain=self.tls_cert,
        )

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Metadata sent with every call (the bearer token)."""
        return (("authorization", f"Bearer {self.token}"),) if self.token else ()

    def channel(self) -> grpc.Channel:
        credentials = self.credentials()
        if credentials is None:
            return grpc.insecure_channel(self.target, options=self.channel_options())
        return grpc.secure_channel(self.target, credentials, options=self.channel_options())

    def aio_channel(self) -> grpc.aio.Channel:
        credentials = self.credentials()
        if credentials is None:
            return grpc.aio.insecure_channel(self.target, options=self.channel_options())
        return grpc.aio.secure_channel(self.target, credentials, options=self.channel_options())
