"""compare_runs on both Python clients against a real server: the same Comparison as
analyzer.compare in-process, for paths, directories of runs, bytes and series."""

from __future__ import annotations

import asyncio
import shutil

import grpc
import pytest
from analyzer_client import AnalyzerClient, AsyncAnalyzerClient, ServiceError

import analyzer
from analyzer.compare import Verdict, comparison_to_dict
from analyzer.ingest import load
from tests.api.test_codec import _same
from tests.reference_trainer.fixtures import FIXTURES

MINMAX, UNSCALED = (str(FIXTURES / n / "log.csv") for n in ("ex4_minmax_val", "ex4_unscaled_val"))


@pytest.fixture(scope="module")
def client(server):
    with AnalyzerClient(server.target) as running:
        yield running


def test_paths_give_the_in_process_comparison(client):
    remote = client.compare_runs([UNSCALED, MINMAX])
    local = analyzer.compare([UNSCALED, MINMAX])
    assert remote.winner == "ex4_minmax_val/log" and remote.verdict is Verdict.CLEAR_WINNER
    assert _same(remote, local)


def test_a_directory_of_runs_is_one_run_per_folder_named_as_in_process(client, tmp_path):
    for folder, path in (("minmax", MINMAX), ("unscaled", UNSCALED)):
        (tmp_path / folder).mkdir()
        shutil.copy(path, tmp_path / folder / "log.csv")
    remote = client.compare_runs([tmp_path])
    local = analyzer.compare([tmp_path])
    assert [r.name for r in remote.runs] == ["minmax", "unscaled"]
    assert [r.diagnosis.run_name for r in remote.runs] == ["minmax", "unscaled"]
    assert comparison_to_dict(remote) == comparison_to_dict(local)


def test_a_mapping_of_bytes_and_series_with_options(client):
    log = load(MINMAX)
    series = {s.name: (s.steps, s.values) for s in log}
    with open(UNSCALED, "rb") as f:
        raw = f.read()
    remote = client.compare_runs(
        {"normalized": series, "raw": raw}, metric="val_loss", criterion="final",
        alignment="full", alpha=0.01, margin=0.05, hints={"loss": "mse"},
    )  # fmt: skip
    assert remote.winner == "normalized" and remote.criterion == "final"
    assert (remote.alpha, remote.margin, remote.alignment.method) == (0.01, 0.05, "full")
    assert remote.run("normalized").diagnosis.source_format == "series"


def test_errors_are_service_errors_naming_the_field_or_value_errors_before_the_call(client):
    with pytest.raises(ServiceError) as caught:
        client.compare_runs([MINMAX])
    assert caught.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.field_violations[0].field == "runs"
    assert "at least two runs" in str(caught.value.input_error())
    with pytest.raises(ServiceError) as caught:
        client.compare_runs([MINMAX, ("bad", b"epoch,loss\n0,1\n1,abc\n")])
    assert caught.value.field_violations[0].field == "runs[1].files[0].content"
    with pytest.raises(ValueError, match="alignment"):
        client.compare_runs([MINMAX, UNSCALED], alignment="sideways")
    with pytest.raises(ValueError):
        client.compare_runs([MINMAX, UNSCALED], criterion="fastest")


def test_the_asyncio_client_gives_the_same_comparison(server):
    async def run():
        async with AsyncAnalyzerClient(server.target) as aio:
            return await aio.compare_runs([UNSCALED, MINMAX], criterion="final")

    assert _same(asyncio.run(run()), analyzer.compare([UNSCALED, MINMAX], criterion="final"))
