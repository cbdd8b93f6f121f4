"""The Python client against a real server: the same Diagnosis as the library in-process."""

from __future__ import annotations

import asyncio
import gzip
import subprocess
import sys

import grpc
import numpy as np
import pytest
from analyzer_client import AnalyzerClient, AsyncAnalyzerClient, ServiceError

import analyzer
from analyzer.detectors import SPECS
from analyzer.errors import InputError
from analyzer.model.findings import Code, Verdict
from analyzer.model.hints import Hints
from analyzer.render.json import diagnosis_to_dict
from tests.clients.conftest import KERAS_CSV, ROOT, epochs

REFERENCE = ROOT / "tests" / "fixtures" / "reference"


@pytest.fixture(scope="module")
def client(server):
    with AnalyzerClient(server.target) as running:
        yield running


def same(a, b) -> bool:
    """Equal content (the JSON form maps NaN to None, which plain == would not match)."""
    return diagnosis_to_dict(a) == diagnosis_to_dict(b)


def test_importable_without_tensorflow_or_torch():
    code = (
        "import sys, analyzer_client; "
        "bad = [m for m in ('tensorflow', 'torch', 'keras', 'lightning') if m in sys.modules]; "
        "sys.exit(bool(bad))"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_analyze_files_returns_the_in_process_diagnosis(client):
    remote = client.analyze_files(str(KERAS_CSV))
    assert same(remote, analyzer.analyze(str(KERAS_CSV)))
    assert remote.primary.code is Code.OVERFITTING


@pytest.mark.parametrize(
    "source",
    [
        lambda: ("history.csv", KERAS_CSV.read_bytes()),
        lambda: ("history.csv.gz", gzip.compress(KERAS_CSV.read_bytes())),
        lambda: [
            str(REFERENCE / "var_overfitting" / "run-var_overfitting_train-tag-epoch_loss.csv"),
            str(
                REFERENCE / "var_overfitting" / "run-var_overfitting_validation-tag-epoch_loss.csv"
            ),
        ],
        lambda: str(REFERENCE / "var_overfitting" / "tb"),
        lambda: str(REFERENCE / "var_divergence_nan" / "log.csv"),
    ],
    ids=["bytes", "gzip", "two-tensorboard-downloads", "event-directory", "divergence"],
)
def test_every_kind_of_file_input_matches_the_library(client, source):
    remote = client.analyze_files(source())
    assert same(remote, analyzer.analyze(source()))


def test_hints_travel(client):
    # A loss stuck at ln 10: the num_classes hint turns it into a chance-level judgement.
    flat = 2.303 + 0.01 * np.random.default_rng(0).standard_normal(30)
    log = (
        "flat.csv",
        b"epoch,loss\n" + b"".join(f"{i},{v:.5f}\n".encode() for i, v in enumerate(flat)),
    )
    hints = {"loss": "categorical_crossentropy", "num_classes": 10}
    remote = client.analyze_files(log, hints=hints)
    assert same(remote, analyzer.analyze(log, hints=Hints(**hints)))
    assert not same(remote, client.analyze_files(log))


def test_forced_format_travels(client):
    with pytest.raises(ServiceError) as caught:
        client.analyze_files(str(KERAS_CSV), format="tensorboard")
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT


def test_missing_file_is_the_librarys_input_error_before_any_call(client):
    with pytest.raises(InputError, match="no such file or directory"):
        client.analyze_files(str(ROOT / "no-such.csv"))


def test_analyze_series_agrees_with_the_same_curves_as_a_file(client):
    rows = epochs()
    series = {name: [values[name] for _, values in rows] for name in rows[0][1]}
    remote = client.analyze_series(series, run_name="exp")
    local = analyzer.analyze(str(KERAS_CSV))
    assert remote.run_name == "exp"
    assert remote.verdict is local.verdict
    assert remote.codes() == local.codes()
    steps = [step + 1 for step, _ in rows]  # explicit steps: 1-based epochs
    shifted = client.analyze_series({name: (steps, values) for name, values in series.items()})
    assert shifted.summary.best_epoch == remote.summary.best_epoch + 1


def test_list_detectors_is_the_catalog(client):
    detectors = client.list_detectors()
    assert [d.code for d in detectors] == list(SPECS)
    assert detectors == list(SPECS.values())


def test_live_stream_reports_overfitting_while_it_trains(client):
    rows = epochs()
    seen: list = []
    with client.open_stream(run_name="live", hints={"num_classes": 10}) as stream:
        for step, metrics in rows:
            stream.send(step, metrics)
            seen.extend(stream.updates())
    final = stream.finish()
    assert stream.finish() is final  # finishing twice returns the same answer
    seen.extend(stream.updates())
    assert seen, "at least one update while the run was streamed"
    assert any(Code.OVERFITTING in d.codes() for d in seen)
    assert stream.points_received == sum(len(m) for _, m in rows)
    assert final.run_name == "live"
    series = {name: [m[name] for _, m in rows] for name in rows[0][1]}
    assert same(final, client.analyze_series(series, run_name="live", hints={"num_classes": 10}))


def test_live_stream_error_is_raised_by_the_next_call(client):
    stream = client.open_stream()
    stream.send(1, {"loss": 1.0})
    stream.send(1, {"loss": 0.9})  # the step does not increase
    with pytest.raises(ServiceError) as caught:
        stream.finish(timeout=30)
    error = caught.value
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT
    assert error.field_violations[0].field.endswith(".step")
    assert stream.error is error
    with pytest.raises(ServiceError):
        stream.send(2, {"loss": 0.8})
    stream.updates()  # what arrived before the failure
    with pytest.raises(ServiceError):
        stream.updates()


def test_live_stream_rejects_values_that_are_not_numbers(client):
    with client.open_stream() as stream:
        with pytest.raises(ValueError, match="'lr' is not a number"):
            stream.send(0, {"loss": 1.0, "lr": "schedule"})
        stream.send(0, {"loss": 1.0})
    assert stream.finish().summary.epochs == 1
    with pytest.raises(RuntimeError, match="finished"):
        stream.send(1, {"loss": 0.5})


def test_a_failing_context_cancels_the_stream(client):
    with pytest.raises(KeyError), client.open_stream() as stream:
        stream.send(0, {"loss": 1.0})
        raise KeyError("training crashed")
    with pytest.raises(ServiceError) as caught:
        stream.finish(timeout=10)
    assert caught.value.code is grpc.StatusCode.CANCELLED


def test_async_client_mirrors_the_sync_one(server):
    rows = epochs()

    async def run():
        async with AsyncAnalyzerClient(server.target) as client:
            files = await client.analyze_files(str(KERAS_CSV))
            detectors = await client.list_detectors()
            series = await client.analyze_series({"loss": [1.0, 0.5, 0.3, 0.2, 0.15]})
            updates = []
            async with client.open_stream(run_name="live") as stream:
                for step, metrics in rows:
                    await stream.send(step, metrics)
                    updates.extend(await stream.updates())
            final = await stream.finish()
            updates.extend(await stream.updates())
            with pytest.raises(ServiceError) as caught:
                await client.analyze_files(("bad.csv", b"epoch,loss\n0,1\n1,abc\n"))
            return files, detectors, series, updates, final, caught.value

    files, detectors, series, updates, final, error = asyncio.run(run())
    assert same(files, analyzer.analyze(str(KERAS_CSV)))
    assert detectors == list(SPECS.values())
    assert series.summary.epochs == 5
    assert updates and final.primary.code is Code.OVERFITTING
    assert final.verdict is Verdict.NEEDS_ATTENTION
    assert error.code is grpc.StatusCode.INVALID_ARGUMENT


def test_async_stream_failure_surfaces_on_send_or_finish(server):
    async def run():
        async with AsyncAnalyzerClient(server.target) as client:
            stream = await client.open_stream()
            await stream.send(2, {"loss": 1.0})
            await stream.send(1, {"loss": 0.5})
            with pytest.raises(ServiceError) as caught:
                await stream.finish(timeout=30)
            return caught.value

    assert asyncio.run(run()).code is grpc.StatusCode.INVALID_ARGUMENT
