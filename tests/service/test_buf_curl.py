"""An independent client: ``buf curl`` (Go, connect-go) calls the running server through server
reflection, so the API is proven with a stack we did not write.

``make test`` installs buf (``npm ci --prefix tools/buf``); a missing buf is a failure, not a
skip, so CI cannot pass without this check.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from tests.service.conftest import KERAS_CSV
from tests.service.process import ServerProcess

BUF = Path(__file__).resolve().parents[2] / "tools" / "buf" / "node_modules" / ".bin" / "buf"


@pytest.fixture(scope="module")
def server():
    assert BUF.exists(), f"{BUF} is missing: run `npm ci --prefix tools/buf` (make test does)"
    with ServerProcess() as running:
        yield running
        running.terminate()


def _curl(server: ServerProcess, method: str, body: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BUF),
            "curl",
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "--data",
            json.dumps(body),
            f"http://{server.target}/{method}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_health_check_through_buf_curl(server):
    result = _curl(server, "grpc.health.v1.Health/Check", {})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"status": "SERVING"}


def test_analyze_log_through_buf_curl(server):
    body = {
        "files": [
            {"name": "history.csv", "content": base64.b64encode(KERAS_CSV.read_bytes()).decode()}
        ],
        "hints": {"loss": "categorical_crossentropy", "num_classes": "10"},
    }
    result = _curl(server, "analyzer.api.v1.AnalyzerService/AnalyzeLog", body)
    assert result.returncode == 0, result.stderr
    diagnosis = json.loads(result.stdout)["diagnosis"]
    assert diagnosis["verdict"] == "VERDICT_NEEDS_ATTENTION"
    assert diagnosis["primary"]["code"] == "OVERFITTING"
    assert diagnosis["summary"]["epochs"] == "60"  # int64 is a string in proto JSON


def test_buf_curl_sees_the_error_status(server):
    body = {"files": [{"name": "bad.csv", "content": base64.b64encode(b"\x00\x01").decode()}]}
    result = _curl(server, "analyzer.api.v1.AnalyzerService/AnalyzeLog", body)
    # buf curl exits with the gRPC status code times 8: INVALID_ARGUMENT (3) -> 24.
    assert result.returncode == 3 * 8, result.stderr
    assert "invalid_argument" in result.stderr.lower()
    assert "bad.csv" in result.stderr


def test_compare_runs_through_buf_curl(server):
    reference = KERAS_CSV.parents[1] / "tests" / "fixtures" / "reference"

    def run(name: str) -> dict:
        content = (reference / name / "log.csv").read_bytes()
        return {"files": [{"name": f"{name}.csv", "content": base64.b64encode(content).decode()}]}

    body = {"runs": [run("ex6_lr_1e-4_val"), run("ex6_lr_0.1_val")], "criterion": "CRITERION_FINAL"}
    result = _curl(server, "analyzer.api.v1.AnalyzerService/CompareRuns", body)
    assert result.returncode == 0, result.stderr
    comparison = json.loads(result.stdout)["comparison"]
    assert comparison["verdict"] == "COMPARISON_VERDICT_CLEAR_WINNER"
    assert comparison["winner"] == "ex6_lr_0.1_val" and comparison["criterion"] == "CRITERION_FINAL"
    assert [r["rank"] for r in comparison["runs"]] == ["1", "2"]  # int64 as strings
    assert comparison["runs"][1]["diagnosis"]["verdict"].startswith("VERDICT_")
