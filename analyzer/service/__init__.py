"""The gRPC service (``analyzer-server``): servicer, interceptors, errors, auth, metrics.

server, port = create_server("127.0.0.1:0", ServerOptions(...))
await server.start()
"""

from analyzer.service.config import ServerOptions, ServiceLimits, TlsConfig
from analyzer.service.server import AnalyzerServer, create_server, serve

__all__ = [
    "AnalyzerServer",
    "ServerOptions",
    "ServiceLimits",
    "TlsConfig",
    "create_server",
    "serve",
]
