"""``analyzer-cli compare --server``: the same report as the local comparison, from a real
server (JSON identical, text and Markdown too), errors read like local ones."""

from __future__ import annotations

import json
import shutil

import pytest

from analyzer.cli import EXIT_INPUT, EXIT_SERVICE
from tests.cli.conftest import cli  # noqa: F401  (the fixture)
from tests.clients.conftest import ROOT

REFERENCE = ROOT / "tests" / "fixtures" / "reference"
FAST, SLOW, MINMAX, UNSCALED = (
    REFERENCE / name / "log.csv"
    for name in ("ex6_lr_0.1_val", "ex6_lr_1e-4_val", "ex4_minmax_val", "ex4_unscaled_val")
)


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    """A directory of two runs (``fast/`` and ``slow/``)."""
    root = tmp_path_factory.mktemp("runs")
    for name, source in (("fast", FAST), ("slow", SLOW)):
        (root / name).mkdir()
        shutil.copy(source, root / name / "metrics.csv")
    return root


@pytest.mark.parametrize(
    "argv",
    [
        [FAST, SLOW],
        [UNSCALED, MINMAX, SLOW, "--criterion", "final", "--align", "full", "--margin", "0.05"],
        [MINMAX, UNSCALED, "--metric", "loss", "--alpha", "0.01", "--loss", "mse"],
    ],
    ids=["pair", "three-final-full", "metric-alpha-hints"],
)
def test_local_and_server_json_are_identical(cli, server, argv):  # noqa: F811
    local = cli("compare", *argv, "-o", "json")
    remote = cli("compare", *argv, "-o", "json", "--server", server.target)
    assert local.code == remote.code == 0
    document = json.loads(local.out)
    assert json.loads(remote.out) == document
    paths = [a for a in argv if not isinstance(a, str)]
    assert document["winner"] and len(document["runs"]) == len(paths)


def test_a_directory_of_runs_and_the_text_and_markdown_reports(cli, server, runs_dir):  # noqa: F811
    local = cli("compare", runs_dir, "-o", "json")
    remote = cli("compare", runs_dir, "-o", "json", "--server", server.target)
    assert json.loads(remote.out) == json.loads(local.out)
    assert [r["name"] for r in json.loads(local.out)["runs"]] == ["fast", "slow"]
    for output in ("text", "markdown"):
        argv = ("compare", FAST, SLOW, "-o", output)
        assert cli(*argv, "--server", server.target).out == cli(*argv).out


def test_errors_read_like_local_ones(cli, server, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"epoch,loss\n0,1.0\n1,abc\n")
    local = cli("compare", FAST, bad)
    remote = cli("compare", FAST, bad, "--server", server.target)
    assert local.code == remote.code == EXIT_INPUT
    message = f"analyzer-cli: error: {bad}: line 3: column 'loss': 'abc' is not a number\n"
    assert remote.err == local.err == message
    one = cli("compare", FAST, "--server", server.target)
    assert one.code == EXIT_INPUT and "at least two runs, got 1" in one.err


def test_an_unreachable_server_exits_4(cli):  # noqa: F811
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{probe.getsockname()[1]}"
    outcome = cli("compare", FAST, SLOW, "--server", target)
    assert outcome.code == EXIT_SERVICE and "UNAVAILABLE" in outcome.err
    assert "Traceback" not in outcome.err and outcome.out == ""


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--server", "h:1", "--plot", "out.png"], "--plot and --workers need the runs"),
        (["--server", "h:1", "--workers", "2"], "--plot and --workers need the runs"),
        (["--token", "x"], "--tls, --tls-ca and --token go with --server"),
    ],
)
def test_usage_errors(cli, argv, message):  # noqa: F811
    outcome = cli("compare", FAST, SLOW, *argv)
    assert outcome.code == EXIT_INPUT and message in outcome.err
