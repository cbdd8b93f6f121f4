"""``analyzer-cli --server``: the same answers as the local analysis, from a real server."""

from __future__ import annotations

import json
import shutil

import pytest

from analyzer.cli import EXIT_INPUT, EXIT_SERVICE
from analyzer.service import ServerOptions, TlsConfig
from analyzer.service.auth import TokenSet
from tests.cli.conftest import cli  # noqa: F401  (the fixture)
from tests.clients.conftest import KERAS_CSV, ROOT
from tests.service.certs import issue, make_ca
from tests.service.conftest import ServerThread

REFERENCE = ROOT / "tests" / "fixtures" / "reference"
BAD_CSV = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,abc\n"


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory):
    """A directory of two runs (``a/`` and ``b/``), as the library groups them by folder."""
    root = tmp_path_factory.mktemp("runs")
    for name, source in (("a", "var_overfitting"), ("b", "var_healthy")):
        (root / name).mkdir()
        shutil.copy(REFERENCE / source / "log.csv", root / name / "metrics.csv")
    return root


@pytest.fixture(scope="module")
def bad_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("bad") / "bad.csv"
    path.write_bytes(BAD_CSV)
    return path


def _both(cli, server, *argv):  # noqa: F811
    local = cli(*argv, "-o", "json")
    remote = cli(*argv, "-o", "json", "--server", server.target)
    return local, remote


@pytest.mark.parametrize(
    "inputs",
    [
        [KERAS_CSV],
        [REFERENCE / "var_divergence_nan" / "log.csv"],
        [
            REFERENCE / "var_overfitting" / "run-var_overfitting_train-tag-epoch_loss.csv",
            REFERENCE / "var_overfitting" / "run-var_overfitting_validation-tag-epoch_loss.csv",
        ],
        [REFERENCE / "var_overfitting" / "tb"],
    ],
    ids=["csv", "divergence", "tensorboard-downloads", "event-directory"],
)
def test_local_and_server_json_are_identical(cli, server, inputs):  # noqa: F811
    local, remote = _both(cli, server, *inputs, "--num-classes", "10")
    assert local.code == remote.code
    assert json.loads(remote.out) == json.loads(local.out)
    assert json.loads(local.out)["runs"][0]["diagnosis"]["findings"]


def test_each_is_identical_too_with_bad_inputs_and_a_directory_of_runs(
    cli,  # noqa: F811
    server,
    runs_dir,
    bad_csv,
):
    inputs = [KERAS_CSV, bad_csv, ROOT / "no-such.csv", runs_dir, REFERENCE / "var_low_lr"]
    local, remote = _both(cli, server, "--each", *inputs)
    assert local.code == remote.code == EXIT_INPUT  # some inputs could not be read
    document = json.loads(local.out)
    assert json.loads(remote.out) == document
    assert [r["run_name"] for r in document["runs"]][3:5] == ["a", "b"]
    assert [("error" in r) for r in document["runs"]] == [False, True, True] + [False] * 4
    assert remote.err == local.err  # the same error lines
    # The text report (table of runs included) is the same as well.
    assert cli("--each", *inputs, "--server", server.target).out == cli("--each", *inputs).out


def test_server_input_errors_read_like_local_ones(cli, server, bad_csv):  # noqa: F811
    remote = cli(bad_csv, "--server", server.target)
    assert remote.code == EXIT_INPUT
    assert (
        remote.err
        == f"analyzer-cli: error: {bad_csv}: line 3: column 'val_loss': 'abc' is not a number\n"
    )
    assert remote.err == cli(bad_csv).err


def test_standard_input_goes_to_the_server(cli, server):  # noqa: F811
    local = cli("-", "-o", "json", stdin=KERAS_CSV.read_bytes())
    remote = cli("-", "-o", "json", "--server", server.target, stdin=KERAS_CSV.read_bytes())
    assert json.loads(remote.out) == json.loads(local.out)


def test_an_unreachable_server_is_a_clear_error(cli):  # noqa: F811
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        target = f"127.0.0.1:{probe.getsockname()[1]}"
    outcome = cli(KERAS_CSV, "--server", target)
    assert outcome.code == EXIT_SERVICE
    assert outcome.err.startswith(f"analyzer-cli: error: UNAVAILABLE ({target}): ")
    assert "is analyzer-server running there" in outcome.err
    assert "Traceback" not in outcome.err and outcome.out == ""


def test_token_from_the_flag_or_the_environment(cli, monkeypatch):  # noqa: F811
    monkeypatch.delenv("ANALYZER_TOKEN", raising=False)
    with ServerThread(ServerOptions(tokens=TokenSet(["t0ken"]))) as server:
        refused = cli(KERAS_CSV, "--server", server.target)
        assert refused.code == EXIT_SERVICE
        assert "UNAUTHENTICATED" in refused.err and "--token or ANALYZER_TOKEN" in refused.err
        assert cli(KERAS_CSV, "--server", server.target, "--token", "t0ken").code == 0
        monkeypatch.setenv("ANALYZER_TOKEN", "t0ken")
        monkeypatch.setenv("ANALYZER_TARGET", server.target)
        assert cli(KERAS_CSV, "--server").code == 0  # the target from the environment too


def test_tls_with_a_ca_file(cli, tmp_path):  # noqa: F811
    ca, ca_key, ca_cert = make_ca()
    cert = issue(ca_key, ca_cert, "analyzer-server", server=True)
    (tmp_path / "ca.pem").write_bytes(ca.cert)
    with ServerThread(ServerOptions(tls=TlsConfig(cert.cert, cert.key))) as server:
        ok = cli(
            KERAS_CSV, "-o", "json", "--server", server.target, "--tls-ca", tmp_path / "ca.pem"
        )
        assert ok.code == 0 and json.loads(ok.out)["runs"][0]["diagnosis"]["findings"]
        plain = cli(KERAS_CSV, "--server", server.target)
        assert plain.code == EXIT_SERVICE and "UNAVAILABLE" in plain.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--server", "h:1", "--plot", "out.png"], "--plot and --series need the parsed log"),
        (["--token", "x"], "--tls, --tls-ca and --token go with --server"),
        (["--server", "h:1", "--tls-ca", "/no/such.pem"], "cannot read the CA bundle"),
    ],
)
def test_usage_errors(cli, argv, message):  # noqa: F811
    outcome = cli(KERAS_CSV, *argv)
    assert outcome.code in (EXIT_INPUT, EXIT_SERVICE)
    assert message in outcome.err
