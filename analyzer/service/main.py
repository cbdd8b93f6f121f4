"""``analyzer-server``: run the gRPC service.

Every flag has an environment variable (``ANALYZER_`` + the flag in upper case, dashes as
underscores, e.g. ``ANALYZER_ADDRESS``); a flag given on the command line wins.
"""

from __future__ import annotations

import argparse
import os
import sys

from analyzer.service import logs
from analyzer.service.auth import TokenSet
from analyzer.service.config import DEFAULT_ADDRESS, ServerOptions, ServiceLimits, TlsConfig

_LIMITS = ServiceLimits()


def _env(name: str, default=None):
    return os.environ.get("ANALYZER_" + name.upper().replace("-", "_"), default)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="analyzer-server",
        description="Serve the loss-analyzer gRPC API (analyzer.api.v1.AnalyzerService), "
        "with grpc.health.v1 health checks and server reflection.",
        epilog="Every flag can also be set by the environment variable ANALYZER_<FLAG> "
        "(e.g. ANALYZER_ADDRESS, ANALYZER_TLS_CERT); bearer tokens by ANALYZER_TOKENS "
        "(comma-separated).",
    )

    def add(flag, help, type=str, default=None, **kw):
        if default is not None:  # the effective default: the environment's value if set
            help += " (default: %(default)s)"
        p.add_argument(flag, type=type, default=_env(flag.lstrip("-"), default), help=help, **kw)

    add("--address", "host:port to listen on", default=DEFAULT_ADDRESS)
    add("--workers", "server processes sharing the port (SO_REUSEPORT: spreads connections)",
        type=int, default=1)  # fmt: skip
    add("--analysis-processes", "run analyses in this many processes, each call in the first "
        "free one (spreads calls; 0: threads of the server process; not with --workers)",
        type=int, default=0)  # fmt: skip
    add("--tls-cert", "PEM server certificate (turns TLS on, with --tls-key)")
    add("--tls-key", "PEM private key of the server certificate")
    add("--tls-client-ca", "PEM CA bundle: require client certificates signed by it (mTLS)")
    add("--token-file", "file of accepted bearer tokens, one per line (turns auth on)")
    add("--metrics-port", "serve Prometheus metrics on this port (off by default)", type=int)
    add("--metrics-address", "interface of the metrics endpoint", default="127.0.0.1")
    add("--grace", "seconds calls in flight get to finish on shutdown", type=float, default=10.0)
    add("--max-request-bytes", "largest request message", type=int,
        default=_LIMITS.max_request_bytes)  # fmt: skip
    add("--max-points", "points allowed in one run", type=int, default=_LIMITS.max_points)
    add("--max-files", "files allowed in one AnalyzeLog (in all runs of a CompareRuns)",
        type=int, default=_LIMITS.max_files)  # fmt: skip
    add("--max-runs", "runs allowed in one CompareRuns", type=int, default=_LIMITS.max_runs)
    add("--max-concurrent", "analyses admitted at once per worker; more are shed",
        type=int, default=_LIMITS.max_concurrent)  # fmt: skip
    add("--max-streams", "open streams per worker", type=int, default=_LIMITS.max_streams)
    add("--log-level", "how much to log", default="info",
        choices=("debug", "info", "warning", "error"))  # fmt: skip
    return p


def options_from_args(args: argparse.Namespace) -> ServerOptions:
    """Turn parsed flags into ServerOptions (reads the TLS and token files)."""
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if args.tls_client_ca and not args.tls_cert:
        raise ValueError("--tls-client-ca (mutual TLS) needs --tls-cert and --tls-key")
    tls = (
        TlsConfig.from_files(args.tls_cert, args.tls_key, args.tls_client_ca)
        if args.tls_cert
        else None
    )
    tokens = TokenSet.load(file=args.token_file, env_value=os.environ.get("ANALYZER_TOKENS"))
    limits = ServiceLimits(
        max_request_bytes=args.max_request_bytes,
        max_points=args.max_points,
        max_files=args.max_files,
        max_runs=args.max_runs,
        max_concurrent=args.max_concurrent,
        max_streams=args.max_streams,
    )
    return ServerOptions(
        limits=limits,
        tls=tls,
        tokens=tokens,
        reuse_port=args.workers > 1,
        analysis_processes=args.analysis_processes,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.analysis_processes < 0:
        parser.error("--analysis-processes must be 0 (threads) or more")
    if args.analysis_processes and args.workers > 1:
        parser.error("use either --workers (processes per connection) or --analysis-processes "
                     "(processes per call), not both")  # fmt: skip
    logs.configure(args.log_level)
    try:
        options = options_from_args(args)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    if args.workers > 1:
        from analyzer.service.workers import run_workers

        return run_workers(args, options)
    from analyzer.service.server import run

    if args.metrics_port is not None:
        from analyzer.service.exposition import serve_metrics

        serve_metrics(args.metrics_port, args.metrics_address)
    return run(args.address, options, grace=args.grace)


def main_entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    main_entry()
