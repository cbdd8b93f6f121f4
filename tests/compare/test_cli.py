"""analyzer-cli compare through main(argv): outputs, plot, exit statuses, error lines."""

from __future__ import annotations

import json

import pytest

from analyzer.cli import main
from tests.reference_trainer.fixtures import FIXTURES

FAST, SLOW = (str(FIXTURES / n / "log.csv") for n in ("ex6_lr_0.1_val", "ex6_lr_1e-4_val"))


def test_text_report(capsys):
    assert main(["compare", FAST, SLOW]) == 0
    out = capsys.readouterr().out
    assert out.startswith("CLEAR WINNER: ex6_lr_0.1_val/log is best")
    assert "Alignment: epochs 0-99" in out and "ex6_lr_1e-4_val/log is slower" in out


def test_json_and_markdown(capsys):
    assert main(["compare", FAST, SLOW, "-o", "json", "--criterion", "final"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["criterion"] == "final" and doc["winner"] == "ex6_lr_0.1_val/log"
    assert doc["runs"][0]["diagnosis"]["verdict"] in ("healthy", "needs_attention")
    assert main(["compare", FAST, SLOW, "--output", "markdown", "--loss", "mse"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("## Comparison: clear winner") and "| rank | run |" in md


def test_plot_overlays_the_runs(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "cmp.png"
    assert main(["compare", FAST, SLOW, "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {out}" in capsys.readouterr().err
    assert main(["compare", FAST, SLOW, "--plot", str(tmp_path / "x.nope")]) == 2


def test_errors_exit_2_with_the_file(tmp_path, capsys):
    missing = str(tmp_path / "missing.csv")
    assert main(["compare", FAST, missing]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"analyzer-cli: error: {missing}: ")
    assert main(["compare", FAST]) == 2
    assert "at least two runs" in capsys.readouterr().err
    assert main(["compare", FAST, SLOW, "--metric", "val_accuracy"]) == 2
    assert main(["compare", FAST, SLOW, "--criterion", "nope"]) == 2


@pytest.mark.parametrize("flag", [["--margin", "0"], ["--alpha", "2"], ["--alpha", "nan"]])
def test_an_out_of_range_option_exits_2_before_reading_the_runs(flag, tmp_path, capsys):
    missing = str(tmp_path / "missing.csv")  # not read: the option is checked first
    assert main(["compare", FAST, missing, *flag]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"analyzer-cli: error: field '{flag[0][2:]}': ")
    assert "Traceback" not in err
