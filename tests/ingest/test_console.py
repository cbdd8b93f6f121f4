"""Console parsers: Keras ``fit`` output and plain-text epoch/step logs.

The Keras samples are produced by small writers below that follow what the TF2 / Keras 3
progress bars print (backspaces, carriage returns, ANSI codes, the final update that adds the
validation metrics), so expected values come from the numbers we fed them.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import EmptyLogError, FormatError, InputError, LimitExceededError
from analyzer.ingest.base import IngestLimits, SourceFile
from analyzer.ingest.console import KERAS_CONSOLE, PARSERS, TEXT_LOG, parse_text_line
from analyzer.model import Granularity, normalize_name
from tests.ingest.fuzzing import mutations, parse_or_input_error

LIMITS = IngestLimits()

TRAIN = [
    {"loss": 0.6931, "accuracy": 0.5012, "val_loss": 0.6802, "val_accuracy": 0.5531},
    {"loss": 0.5123, "accuracy": 0.7410, "val_loss": 0.5501, "val_accuracy": 0.7203},
    {"loss": float("nan"), "accuracy": 0.5, "val_loss": float("nan"), "val_accuracy": 0.5},
]


def _fmt(metrics: dict[str, float]) -> str:
    return " - ".join(f"{k}: {v:.4f}" for k, v in metrics.items())


def _tf2_verbose1(epochs: list[dict[str, float]], batches: int = 32, first: int = 1) -> str:
    """TF2 Progbar on a terminal: backspaces + \\r between updates, ETA while running."""
    out = []
    for number, metrics in enumerate(epochs, first):
        out.append(f"Epoch {number}/{first + len(epochs) - 1}\n")
        train = {k: v for k, v in metrics.items() if not k.startswith("val_")}
        width = 0
        for done in (1, 5, 17, batches):
            bar = "=" * (30 * done // batches - 1) + (">" if done < batches else "=")
            if done < batches:
                text = f"{done:>2}/{batches} [{bar:.<30}] - ETA: 0s - {_fmt(train)}"
            else:
                text = f"{done}/{batches} [{bar:.<30}] - 0s 2ms/step - {_fmt(train)}"
            out.append("\b" * width + "\r" + text)
            width = len(text)
        final = f"{batches}/{batches} [{'=' * 30}] - 1s 3ms/step - {_fmt(metrics)}"
        out.append("\b" * width + "\r" + final + "\n")
    return "".join(out)


def _tf2_verbose2(epochs: list[dict[str, float]]) -> str:
    return "".join(
        f"Epoch {n}/{len(epochs)}\n32/32 - 0s - {_fmt(m)} - 112ms/epoch - 3ms/step\n"
        for n, m in enumerate(epochs, 1)
    )


def _keras3(epochs: list[dict[str, float]]) -> str:
    """Keras 3 on a terminal: bold/colour codes, ━ bars, metrics in alphabetical order."""
    out = []
    for n, metrics in enumerate(epochs, 1):
        out.append(f"Epoch {n}/{len(epochs)}\n")
        train = {k: metrics[k] for k in sorted(metrics) if not k.startswith("val_")}
        for done in (1, 16):
            out.append(
                f"\r\x1b[1m{done:>2}/32\x1b[0m \x1b[32m{'━' * done}\x1b[0m\x1b[37m"
                f"{'━' * (20 - done)}\x1b[0m \x1b[1m0s\x1b[0m 3ms/step - {_fmt(train)}"
            )
        ordered = {k: metrics[k] for k in sorted(metrics)}
        out.append(
            f"\r\x1b[1m32/32\x1b[0m \x1b[32m{'━' * 20}\x1b[0m\x1b[37m\x1b[0m "
            f"\x1b[1m1s\x1b[0m 4ms/step - {_fmt(ordered)}\n"
        )
    return "".join(out)


def _parse(parser, text: str | bytes, name: str = "train.log", limits=LIMITS):
    data = text.encode() if isinstance(text, str) else text
    return parser.parse(SourceFile(name, data), limits)


def _by_name(run):
    return {s.name: s for s in run.series}


def _check_epochs(run, epochs, first_epoch=0):
    series = _by_name(run)
    assert set(series) == set(epochs[0])
    for name in epochs[0]:
        expected = [round(m[name], 4) for m in epochs]
        np.testing.assert_allclose(series[name].values, expected, rtol=0, atol=1e-12)
        np.testing.assert_array_equal(
            series[name].steps, np.arange(first_epoch, first_epoch + len(epochs))
        )
        assert series[name].granularity is Granularity.EPOCH


# --------------------------------------------------------------------------- Keras console


@pytest.mark.parametrize("writer", [_tf2_verbose1, _tf2_verbose2, _keras3])
def test_keras_console_formats(writer):
    text = "2024-05-01 12:00:00.123: I tensorflow/core/platform: CPU features\n" + writer(TRAIN)
    (run,) = _parse(KERAS_CONSOLE, text)
    _check_epochs(run, TRAIN)
    assert np.isnan(_by_name(run)["loss"].values[2])
    assert run.warnings == []


@pytest.mark.parametrize("writer", [_tf2_verbose1, _keras3])
def test_keras_console_crlf(writer):
    (run,) = _parse(KERAS_CONSOLE, writer(TRAIN).replace("\n", "\r\n"))
    _check_epochs(run, TRAIN)


def test_keras_console_non_terminal_lines_and_evaluate_after_fit():
    """Redirected to a file, each update is its own line; evaluate() prints after the epochs."""
    text = (
        "Epoch 1/2\n"
        " 1/32 [>.............................] - ETA: 3s - loss: 0.9000\n"
        "32/32 [==============================] - 0s 2ms/step - loss: 0.7000\n"
        "32/32 [==============================] - 1s 3ms/step - loss: 0.7000 - val_loss: 0.8000\n"
        "Epoch 2: val_loss improved from 0.80000 to 0.60000, saving model to best.h5\n"
        "Epoch 2/2\n"
        "32/32 [==============================] - 1s 3ms/step - loss: 0.5000 - val_loss: 0.6000\n"
        "Epoch 00002: ReduceLROnPlateau reducing learning rate to 0.0001.\n"
        "32/32 [==============================] - 0s 1ms/step - loss: 9.9000\n"
    )
    (run,) = _parse(KERAS_CONSOLE, text)
    series = _by_name(run)
    np.testing.assert_array_equal(series["loss"].values, [0.7, 0.5])
    np.testing.assert_array_equal(series["val_loss"].values, [0.8, 0.6])


def test_keras_console_restart_is_a_new_run():
    text = _tf2_verbose2(TRAIN[:2]) + "Restarting...\n" + _tf2_verbose2(TRAIN)
    first, second = _parse(KERAS_CONSOLE, text)
    _check_epochs(first, TRAIN[:2])
    _check_epochs(second, TRAIN)


def test_keras_console_resume_with_initial_epoch_keeps_numbers():
    (run,) = _parse(KERAS_CONSOLE, _tf2_verbose1(TRAIN[:2], first=6))
    _check_epochs(run, TRAIN[:2], first_epoch=5)


def test_keras_console_interrupted_epoch_is_skipped_with_a_warning():
    text = _tf2_verbose1(TRAIN[:2]) + "Epoch 3/3\n\r 4/32 [===>....] - ETA: 1s - loss: 0.4\n^C"
    (run,) = _parse(KERAS_CONSOLE, text)
    _check_epochs(run, TRAIN[:2])
    assert any("epoch 3" in w and "line" in w for w in run.warnings)


def test_keras_console_unknown_total():
    text = (
        "Epoch 1/5\n     10/Unknown - 1s 10ms/step - loss: 0.9\r     20/Unknown - 1s - loss: 0.8\n"
    )
    (run,) = _parse(KERAS_CONSOLE, text)
    np.testing.assert_array_equal(run.series[0].values, [0.8])


def test_keras_console_tf1_verbose2():
    text = (
        "Epoch 1/2\n - 0s - loss: 0.6931 - acc: 0.5000 - val_loss: 0.6900\n"
        "Epoch 2/2\n - 0s - loss: 0.6000 - acc: 0.6000 - val_loss: 0.6500\n"
    )
    (run,) = _parse(KERAS_CONSOLE, text)
    np.testing.assert_array_equal(_by_name(run)["val_loss"].values, [0.69, 0.65])


def test_keras_console_errors_and_limits():
    with pytest.raises(FormatError, match=r"train\.log: no 'Epoch 1/10' header"):
        _parse(KERAS_CONSOLE, "loss: 0.5\n")
    with pytest.raises(EmptyLogError, match="no epoch has a complete progress line"):
        _parse(KERAS_CONSOLE, "Epoch 1/3\nEpoch 2/3\n")
    with pytest.raises(LimitExceededError):
        _parse(KERAS_CONSOLE, _tf2_verbose1(TRAIN), limits=IngestLimits(max_points=11))
    assert _parse(KERAS_CONSOLE, _tf2_verbose1(TRAIN), limits=IngestLimits(max_points=12))


# --------------------------------------------------------------------------- text logs


@pytest.mark.parametrize(
    ("line", "markers", "pairs"),
    [
        ("Epoch 3/200 | Loss: 0.5894", {"epoch": 3}, [("Loss", 0.5894)]),
        (
            "epoch 3, train loss 0.59, val loss 0.61",
            {"epoch": 3},
            [("train_loss", 0.59), ("val_loss", 0.61)],
        ),
        (
            "Epoch [3/200], Loss: 0.5894, Val Loss: 0.61",
            {"epoch": 3},
            [("Loss", 0.5894), ("Val_Loss", 0.61)],
        ),
        (
            "[epoch 3] loss=0.59 val_loss=0.61 acc=0.8",
            {"epoch": 3},
            [("loss", 0.59), ("val_loss", 0.61), ("acc", 0.8)],
        ),
        ("Step 100: loss = 0.45", {"step": 100}, [("loss", 0.45)]),
        ("it 5 global_step=7 lr 1e-3 loss -inf", {"step": 7}, [("lr", 0.001), ("loss", -np.inf)]),
        ("Epoch 3 took 12.3s, acc: 81.2%, time=4", {"epoch": 3}, [("acc", 81.2)]),
        ("Saving at epoch 3 with val loss 0.5", {"epoch": 3}, [("val_loss", 0.5)]),
        ("2024-01-01 12:00:01 INFO no numbers named", {}, []),
    ],
)
def test_text_line_grammar(line, markers, pairs):
    parsed = parse_text_line(line)
    assert parsed.markers == markers
    assert parsed.pairs == pairs


TEXT_LOG_SAMPLE = """Using device: cuda
Epoch 1/3 | Loss: 0.9000 | Val Loss: 1.0000
Epoch 2/3 | Loss: 0.7000 | Val Loss: nan
Epoch 3/3 | Loss: 0.5000 | Val Loss: 0.8000
Training done in 12.3s
"""


def test_text_log_one_based_epochs():
    (run,) = _parse(TEXT_LOG, TEXT_LOG_SAMPLE)
    series = _by_name(run)
    assert {normalize_name(n).name for n in series} == {"loss", "val_loss"}
    np.testing.assert_array_equal(series["Loss"].steps, [0, 1, 2])
    np.testing.assert_array_equal(series["Loss"].values, [0.9, 0.7, 0.5])
    np.testing.assert_array_equal(series["Val_Loss"].values, [1.0, np.nan, 0.8])


def test_text_log_zero_based_epochs_and_crlf():
    text = "[epoch 0] loss=0.9 val_loss=1.0\r\n[epoch 1] loss=0.8 val_loss=0.9\r\n"
    (run,) = _parse(TEXT_LOG, text)
    np.testing.assert_array_equal(_by_name(run)["loss"].steps, [0, 1])
    (crlf,) = _parse(TEXT_LOG, TEXT_LOG_SAMPLE.replace("\n", "\r\n"))
    np.testing.assert_array_equal(_by_name(crlf)["Loss"].values, [0.9, 0.7, 0.5])


def test_text_log_steps():
    text = "".join(f"Step {s}: loss = {1 / s:.4f}\n" for s in range(100, 600, 100))
    (run,) = _parse(TEXT_LOG, text)
    (series,) = run.series
    assert series.granularity is Granularity.STEP
    np.testing.assert_array_equal(series.steps, [100, 200, 300, 400, 500])


def test_text_log_marker_line_carries_to_pair_lines():
    text = (
        "Epoch 1/2\nTrain Loss: 0.5 | Val Loss: 0.6\nEpoch 2/2\nTrain Loss: 0.4 | Val Loss: 0.55\n"
    )
    (run,) = _parse(TEXT_LOG, text)
    series = _by_name(run)
    np.testing.assert_array_equal(series["Val_Loss"].values, [0.6, 0.55])
    np.testing.assert_array_equal(series["Train_Loss"].steps, [0, 1])


def test_text_log_restart_and_batch_lines():
    text = (
        "Epoch 1, Batch 10, loss 0.95\n"
        "epoch 1 loss 0.9\nepoch 2 loss 0.8\nepoch 3 loss 0.7\n"
        "epoch 1 loss 0.99\nepoch 2 loss 0.85\n"
    )
    first, second = _parse(TEXT_LOG, text)
    np.testing.assert_array_equal(first.series[0].values, [0.9, 0.8, 0.7])
    np.testing.assert_array_equal(second.series[0].values, [0.99, 0.85])
    assert any("batch within an epoch" in w for w in second.warnings)


def test_text_log_tqdm_updates_keep_the_last():
    bar = "Epoch 0: 100%|" + "█" * 10 + "| 32/32 [00:01<00:00, 30.0it/s, "
    text = f"{bar}loss=0.5, v_num=0]\r{bar}loss=0.45, v_num=0, val_loss=0.6]\n"
    (run,) = _parse(TEXT_LOG, text)
    series = _by_name(run)
    assert set(series) == {"loss", "val_loss"}
    np.testing.assert_array_equal(series["loss"].values, [0.45])


def test_text_log_nothing_matches():
    with pytest.raises(EmptyLogError) as err:
        _parse(TEXT_LOG, "hello\nworld 1 2 3\nEpoch 3/200\n")
    assert str(err.value).startswith(
        "train.log: no line looked like an epoch or step log; expected e.g. "
        "'Epoch 3/200 | Loss: 0.5894'"
    )


def test_text_log_limit():
    with pytest.raises(LimitExceededError):
        _parse(TEXT_LOG, TEXT_LOG_SAMPLE, limits=IngestLimits(max_points=5))


def test_hostile_long_lines_are_fast():
    hostile = ("epoch " + "9" * 200_000 + " loss: " + "1." * 100_000 + "-e" * 50_000 + "\n") * 5
    hostile += "\x1b[" + "1;" * 100_000 + "\n" + "- a: " * 100_000 + "\n"
    data = ("Epoch 1/2\n" + hostile).encode()
    start = time.perf_counter()
    for parser in PARSERS:
        parser.sniff(data[: 64 * 1024], "x.log")
        with contextlib.suppress(InputError):
            parser.parse(SourceFile("x.log", data), LIMITS)
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------------- sniffing


def _scores(data: bytes, filename: str = "") -> dict[str, float]:
    return {p.name: p.sniff(data[: 64 * 1024], filename) for p in PARSERS}


@pytest.mark.parametrize("writer", [_tf2_verbose1, _tf2_verbose2, _keras3])
def test_sniff_keras_console(writer):
    scores = _scores(writer(TRAIN).encode(), "fit.log")
    assert scores["keras-console"] >= 0.9 > scores["text-log"]


@pytest.mark.parametrize(
    "text",
    [
        TEXT_LOG_SAMPLE,
        "".join(f"Step {s}: loss = 0.5\n" for s in range(100, 600, 100)),
        "[epoch 0] loss=0.9 val_loss=1.0\n[epoch 1] loss=0.8 val_loss=0.9\n",
    ],
)
def test_sniff_text_log(text):
    scores = _scores(text.encode(), "train.log")
    assert scores["text-log"] >= 0.6 > scores["keras-console"]


@pytest.mark.parametrize(
    "data",
    [
        b"epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.55\n",
        b"Wall time,Step,Value\n1700000000.0,0,0.5\n",
        b"step,epoch,train_loss\n49,0,0.5\n",
        bytes(range(256)) * 10,
        b'{"epoch": 0, "loss": 0.5}\n{"epoch": 1, "loss": 0.4}\n',
        b'[{"epoch": 0, "loss": 0.5}]',
        b"",
    ],
)
def test_sniff_is_near_zero_on_other_content(data):
    for name, score in _scores(data, "x.csv").items():
        assert score < 0.2, name


# --------------------------------------------------------------------------- robustness

SAMPLES = [
    _tf2_verbose1(TRAIN).encode(),
    _keras3(TRAIN).encode(),
    TEXT_LOG_SAMPLE.encode(),
    b"Step 100: loss = 0.45\nStep 200: loss = 0.40\n",
]


CONSOLE_PIECES = [
    b"9",
    b"1.",
    b"-",
    b": ",
    b"=",
    b"/",
    b"\r",
    b"\b",
    b"\x1b[",
    b"epoch ",
    b"Epoch 1/3\n",
    b"nan",
    b"e",
    b"[",
    b"\xff",
]


def mutated():
    return mutations(SAMPLES, CONSOLE_PIECES, max_repeat=3000, max_delete=40)


def _only_input_errors(data: bytes) -> None:
    parse_or_input_error(PARSERS, data, "train.log", LIMITS)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_console_text_raises_only_input_errors(data):
    _only_input_errors(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_raise_only_input_errors(data):
    _only_input_errors(data)
