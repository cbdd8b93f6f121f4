"""The gRPC API: generated protobuf code (``analyzer.api.v1``) and the one codec that translates
between it and the domain types (:mod:`analyzer.api.codec`).

The domain never imports anything from here; only the service and clients do.
"""
