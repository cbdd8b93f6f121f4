"""The Node.js client (clients/node) against a real server: runs its own ``node --test`` suite
with the server's address in ANALYZER_TEST_TARGET. ``make test`` installs node's packages
(``npm ci --prefix clients/node``), so a missing node or package is a failure, not a skip."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.clients.conftest import ROOT

NODE_CLIENT = ROOT / "clients" / "node"


def test_node_client_suite_passes_against_a_real_server(server):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed; the Node.js client test needs Node.js 18 or newer")
    for package in ("@grpc/grpc-js", "@grpc/proto-loader"):
        if not (NODE_CLIENT / "node_modules" / package / "package.json").exists():
            pytest.fail(
                f"{package} is missing: run `npm ci --prefix clients/node` (make test does)"
            )
    env = {**os.environ, "ANALYZER_TEST_TARGET": server.target}
    for name in ("ANALYZER_TARGET", "ANALYZER_TOKEN", "ANALYZER_TLS", "ANALYZER_TLS_CA"):
        env.pop(name, None)
    done = subprocess.run(
        [node, "--test", "test/"],
        cwd=NODE_CLIENT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout and "# pass 10" in done.stdout
