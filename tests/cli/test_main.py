"""``analyzer-cli`` end to end through ``main(argv)``: every input kind, output format, exit code,
and the ways a user can get it wrong."""

from __future__ import annotations

import json
import sys
import types

import pytest

import analyzer.cli
from analyzer.cli import runner
from analyzer.cli.options import build_parser
from analyzer.detectors import SPECS
from analyzer.model.hints import Hints, LossKind
from tests.cli.conftest import EXAMPLE, REFERENCE, Terminal
from tests.render.test_json import _validate

OVERFITTING = REFERENCE / "var_overfitting"
DIVERGENCE = REFERENCE / "var_divergence_nan" / "log.csv"
SMALL_CSV = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8,0.9\n"


def _json(outcome) -> dict:
    doc = json.loads(outcome.out)
    _validate(doc)
    return doc


# --- inputs --------------------------------------------------------------------------------


def test_one_file_prints_the_verdict_first(cli):
    result = cli(EXAMPLE)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "Run keras_overfitting (keras-csv): NEEDS ATTENTION"
    assert result.err == ""


def test_two_tensorboard_downloads_form_one_run(cli):
    files = sorted(OVERFITTING.glob("run-*-tag-epoch_loss.csv"))
    assert len(files) == 2
    doc = _json(cli(*files, "-o", "json"))
    (run,) = doc["runs"]
    assert run["input"] == " ".join(map(str, files))
    assert run["diagnosis"]["source_format"] == "tensorboard-csv"
    assert run["diagnosis"]["summary"]["best_epoch"] is not None  # both splits were read


def test_a_tensorboard_log_directory(cli):
    doc = _json(cli(OVERFITTING / "tb", "-o", "json"))
    assert doc["runs"][0]["diagnosis"]["source_format"] == "tensorboard-events"


def test_standard_input(cli):
    result = cli("-", "-o", "json", stdin=SMALL_CSV)
    assert result.code == 0
    run = _json(result)["runs"][0]
    assert run["input"] == "<stdin>"
    assert run["diagnosis"]["verdict"] == "insufficient_data"
    assert run["diagnosis"]["summary"]["epochs"] == 3


def test_forced_format_that_does_not_fit_is_an_input_error(cli):
    result = cli(EXAMPLE, "--format", "tensorboard-events")
    assert result.code == 2
    assert result.err.startswith(f"analyzer-cli: error: {EXAMPLE}")
    assert result.out == ""


def test_each_analyzes_every_input_and_ends_with_a_table(cli, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("epoch,loss\n0,1.0\n1,abc\n")
    result = cli("--each", EXAMPLE, DIVERGENCE, bad)
    assert result.code == 2  # one input could not be read
    assert (
        result.err == f"analyzer-cli: error: {bad}: line 3: column 'loss': 'abc' is not a number\n"
    )
    table = result.out.split("\n\n")[-1].splitlines()
    assert table[0].split() == ["run", "verdict", "fix", "first", "findings"]
    assert [row.split()[1] for row in table[1:]] == ["needs_attention", "failing", "error"]
    assert result.out.startswith(f"== {EXAMPLE} ==\nRun keras_overfitting")


def test_each_as_json_is_one_document_with_errors_in_place(cli, tmp_path):
    result = cli("--each", EXAMPLE, tmp_path / "missing.csv", "-o", "json")
    runs = _json(result)["runs"]
    assert [("diagnosis" in r, "error" in r) for r in runs] == [(True, False), (False, True)]
    assert runs[1]["error"]["reason"] == "INVALID_INPUT"
    assert runs[1]["error"]["message"].endswith("missing.csv: no such file or directory")


def test_each_splits_a_directory_into_its_runs(cli):
    doc = _json(cli("--each", OVERFITTING, "-o", "json"))
    names = [r["run_name"] for r in doc["runs"]]
    assert len(names) >= 2 and "tb" in names


# --- errors --------------------------------------------------------------------------------


def test_bad_file_is_one_line_on_stderr_without_traceback(cli, tmp_path):
    bad = tmp_path / "metrics.csv"
    bad.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8,0.9\n3,0.7,0.8\n4,0.6,x\n")
    result = cli(bad)
    assert result.code == 2
    assert result.err == (
        f"analyzer-cli: error: {bad}: line 6: column 'val_loss': 'x' is not a number\n"
    )
    debug = cli(bad, "--debug")
    assert debug.code == 2
    assert "Traceback (most recent call last)" in debug.err
    assert debug.err.endswith(result.err)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "no input"),
        (("-", "-"), "standard input (-) can be read only once"),
        (("x.csv", "--output", "yaml"), "invalid choice: 'yaml'"),
        (("x.csv", "--num-classes", "0"), "--num-classes: Input should be greater than 0"),
        (("x.csv", "--loss", "hinge2"), "--loss: Input should be 'mse'"),
        (("x.csv", "--lr", "fast"), "--learning-rate: Input should be a valid number"),
    ],
)
def test_usage_errors_exit_2(cli, argv, message):
    result = cli(*argv)
    assert result.code == 2
    assert "analyzer-cli: error:" in result.err and message in result.err


def test_empty_stdin_is_an_input_error(cli):
    result = cli("-", stdin=b"")
    assert result.code == 2
    assert result.err.startswith("analyzer-cli: error: <stdin>")


# --- exit codes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        ((EXAMPLE,), 0),  # a warning, below the default --fail-on critical
        ((EXAMPLE, "--fail-on", "warning"), 1),
        ((EXAMPLE, "--fail-on", "info"), 1),
        ((DIVERGENCE,), 1),  # NaN loss: critical
        ((DIVERGENCE, "--fail-on", "never"), 0),
    ],
)
def test_exit_status_follows_fail_on(cli, argv, code):
    assert cli(*argv).code == code


def test_interrupt_exits_130(cli, monkeypatch):
    def interrupted(request):
        raise KeyboardInterrupt

    monkeypatch.setattr(analyzer.cli, "analyze_locally", interrupted)
    result = cli(EXAMPLE)
    assert result.code == 130
    assert result.err.strip() == "analyzer-cli: interrupted"


def test_a_bug_exits_3_with_a_hint_and_no_traceback(cli, monkeypatch):
    def broken(request):
        raise ZeroDivisionError("oops")

    monkeypatch.setattr(analyzer.cli, "analyze_locally", broken)
    result = cli(EXAMPLE)
    assert result.code == 3
    assert "internal error: ZeroDivisionError: oops" in result.err
    assert "Traceback" not in result.err
    assert "Traceback" in cli(EXAMPLE, "--debug").err


def test_help_and_version_exit_0(cli):
    assert cli("--help").code == 0
    version = cli("--version")
    assert version.code == 0 and version.out.startswith("analyzer-cli ")


# --- output --------------------------------------------------------------------------------


def test_json_output_is_the_documented_document(cli):
    doc = _json(cli(EXAMPLE, "--output", "json"))
    assert doc["schema_version"] == 1
    assert doc["generator"].startswith("analyzer-cli ")
    assert doc["runs"][0]["diagnosis"]["primary"]["code"] == "OVERFITTING"


def test_markdown_output(cli):
    result = cli(EXAMPLE, "-o", "markdown")
    assert result.out.startswith("### 🟡 Needs attention: `keras_overfitting` (keras-csv)")
    assert "| ▶ | `OVERFITTING` |" in result.out


def test_series_table(cli):
    result = cli(EXAMPLE, "--series")
    assert "\nrun: keras_overfitting   format: keras-csv" in result.out
    assert "\nval_loss " in result.out


def test_colour_only_on_a_terminal_and_never_with_no_color(cli, monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert "\x1b[" not in cli(EXAMPLE).out  # captured: not a terminal

    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert cli(EXAMPLE).code == 0
    assert "\x1b[1;33mNEEDS ATTENTION\x1b[0m" in terminal.getvalue()

    monkeypatch.setenv("NO_COLOR", "1")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    cli(EXAMPLE)
    assert "NEEDS ATTENTION" in terminal.getvalue() and "\x1b[" not in terminal.getvalue()


def test_color_always_and_never_override_the_terminal_check(cli, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" in cli(EXAMPLE, "--color", "always").out
    monkeypatch.delenv("NO_COLOR")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    cli(EXAMPLE, "--color", "never")
    assert "\x1b[" not in terminal.getvalue()


# --- progress ------------------------------------------------------------------------------


def test_progress_on_a_terminal_for_each(cli, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cli("--each", EXAMPLE, DIVERGENCE)
    shown = terminal.getvalue()
    assert f"\r\x1b[K[1/2] reading {EXAMPLE} ..." in shown
    assert f"\r\x1b[K[2/2] diagnosing {DIVERGENCE} ..." in shown
    assert shown.endswith("\r\x1b[K")  # the status line is cleared before the report


def test_progress_for_large_inputs_only(cli, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    cli(EXAMPLE)
    assert terminal.getvalue() == ""  # small: nothing to wait for
    monkeypatch.setattr(runner, "LARGE_INPUT_BYTES", 100)
    cli(EXAMPLE)
    assert f"reading {EXAMPLE} ..." in terminal.getvalue()


def test_no_progress_when_stderr_is_not_a_terminal(cli, monkeypatch):
    monkeypatch.setattr(runner, "LARGE_INPUT_BYTES", 1)
    result = cli("--each", EXAMPLE, DIVERGENCE)
    assert result.err == ""


# --- hints ---------------------------------------------------------------------------------


def test_every_hint_has_a_flag_with_its_description():
    parser = build_parser()
    actions = {a.dest: a for a in parser._actions}
    for name, info in Hints.model_fields.items():
        action = actions[f"hint_{name}"]
        assert "--" + name.replace("_", "-") in action.option_strings
        assert action.help.startswith(info.description)
    assert "--lr" in actions["hint_learning_rate"].option_strings
    assert "--baseline" in actions["hint_baseline_loss"].option_strings
    assert "binary_crossentropy" in actions["hint_loss"].help


def test_hint_flags_reach_the_analysis(cli, fixed_backend):
    result = cli("x.csv", "--loss", "BCE", "--num-classes", "2", "--lr", "3e-4",
                 "--batch-size", "16", "--patience", "0")  # fmt: skip
    assert result.code == 0
    assert fixed_backend[0].hints == Hints(
        loss=LossKind.BINARY_CROSSENTROPY,
        num_classes=2,
        learning_rate=3e-4,
        batch_size=16,
        early_stopping_patience=0,
    )


def test_hints_change_the_diagnosis(cli):
    plain = _json(cli(REFERENCE / "var_oscillation" / "log.csv", "-o", "json"))
    hinted = _json(cli(REFERENCE / "var_oscillation" / "log.csv", "-o", "json", "--lr", "0.5"))
    advice = [r for f in hinted["runs"][0]["diagnosis"]["findings"] for r in f["recommendations"]]
    assert any("0.5" in r for r in advice)
    assert hinted != plain


# --- explain, list, compare ----------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["OVERFITTING", "overfitting", "Overfitting", " overfitting"])
def test_explain_accepts_any_case(cli, spelling):
    result = cli("explain", spelling)
    assert result.code == 0
    spec = SPECS["OVERFITTING"]
    assert result.out.startswith(f"OVERFITTING: {spec.title} (usually warning)")
    assert "What it detects:" in result.out and "What to do:" in result.out
    assert " ".join(result.out.split()).count(" ".join(spec.remedy.split())) == 1


def test_explain_accepts_dashes(cli):
    assert cli("explain", "loss-spikes").out.startswith("LOSS_SPIKES: ")


def test_explain_suggests_the_nearest_code(cli):
    result = cli("explain", "OVERFITING")
    assert result.code == 2
    assert "unknown finding code 'OVERFITING'; did you mean OVERFITTING" in result.err
    nothing = cli("explain", "banana")
    assert nothing.code == 2 and "did you mean" not in nothing.err
    assert cli("explain").code == 2


def test_list_detectors_lists_every_code(cli):
    result = cli("--list-detectors")
    assert result.code == 0
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == [str(code) for code in SPECS]
    assert lines[0].split()[1] == SPECS[next(iter(SPECS))].severity.label


def test_compare_dispatches_to_the_compare_module(cli, monkeypatch):
    seen = {}
    module = types.ModuleType("analyzer.compare.cli")

    def configure_parser(parser):
        parser.add_argument("runs", nargs="+")
        parser.add_argument("--metric", default="val_loss")

    def run(args):
        seen["args"] = args
        return 1

    module.configure_parser, module.run = configure_parser, run
    monkeypatch.setitem(sys.modules, "analyzer.compare.cli", module)
    result = cli("compare", "a.csv", "b.csv", "--metric", "loss")
    assert result.code == 1
    assert seen["args"].runs == ["a.csv", "b.csv"] and seen["args"].metric == "loss"
    assert cli("compare", "--help").out.startswith("usage: analyzer-cli compare")


def test_compare_without_the_module_says_so(cli, monkeypatch):
    real_import = analyzer.cli.importlib.import_module

    def missing(name, *args):
        if name == "analyzer.compare.cli":
            raise ModuleNotFoundError(name=name)
        return real_import(name, *args)

    monkeypatch.setattr(analyzer.cli.importlib, "import_module", missing)
    result = cli("compare", "a.csv", "b.csv")
    assert result.code == 2
    assert "'compare' is not available" in result.err and "./compare" in result.err


@pytest.mark.parametrize("name", ["compare", "explain"])
def test_a_file_named_like_a_command(cli, tmp_path, monkeypatch, name):
    (tmp_path / name).write_bytes(EXAMPLE.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = cli(f"./{name}")
    assert result.code == 0, result.err
    assert "NEEDS ATTENTION" in result.out.splitlines()[0]


# --- plot ----------------------------------------------------------------------------------


def test_plot_writes_a_png(cli, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "run.png"
    result = cli(EXAMPLE, "--plot", target)
    assert result.code == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert result.err == f"analyzer-cli: wrote {target}\n"


def test_plot_with_each_writes_one_picture_per_run(cli, tmp_path):
    pytest.importorskip("matplotlib")
    result = cli("--each", EXAMPLE, DIVERGENCE, "--plot", tmp_path / "runs.png", "-o", "json")
    assert result.code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "runs-keras_overfitting.png",
        "runs-log.png",
    ]


def test_plot_problems_are_found_before_the_analysis(cli, tmp_path, fixed_backend, monkeypatch):
    pytest.importorskip("matplotlib")
    result = cli(EXAMPLE, "--plot", tmp_path / "run.jpeg2")
    assert result.code == 2 and "cannot tell the picture format" in result.err
    from analyzer.render import plot

    monkeypatch.setattr(plot, "available", lambda: False)
    result = cli(EXAMPLE, "--plot", tmp_path / "run.png")
    assert result.code == 2
    assert "--plot needs matplotlib: pip install 'loss-analyzer[plot]'" in result.err
    assert fixed_backend == []  # nothing was analyzed
