"""The committed generated code is what the pinned grpcio-tools makes of proto/ today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.api import regenerate


def test_generated_code_matches_the_protos(tmp_path: Path):
    # In a fresh interpreter: grpc_tools' bundled protoc crashed when loaded into the suite's
    # process after other extensions (torch) that bundle their own protobuf.
    subprocess.run(
        [sys.executable, "-m", "analyzer.api.regenerate", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
        cwd=regenerate.ROOT,
    )
    written = sorted(p for p in (tmp_path / regenerate.PACKAGE_DIR).iterdir() if "_pb2" in p.name)
    assert {p.name for p in written} >= {"analyzer_service_pb2.py", "diagnosis_pb2.py"}
    committed = regenerate.ROOT / regenerate.PACKAGE_DIR
    drift = [p.name for p in written if p.read_bytes() != (committed / p.name).read_bytes()]
    assert not drift, f"regenerate with: python -m analyzer.api.regenerate ({drift} differ)"
    stale = {
        p.name for p in committed.iterdir() if "_pb2" in p.name and p.suffix in (".py", ".pyi")
    } - {p.name for p in written}
    assert not stale, f"generated files without a proto: {stale}"


def test_generator_version_is_the_pinned_runtime():
    grpc_tools = pytest.importorskip("grpc_tools")
    import grpc

    from analyzer.api.v1 import analyzer_service_pb2_grpc

    assert grpc.__version__ == analyzer_service_pb2_grpc.GRPC_GENERATED_VERSION
    assert grpc_tools is not None
