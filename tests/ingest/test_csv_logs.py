"""The CSV family: files written the way each tool writes them (the writers below copy the
tools' own ``csv`` calls), each messy-reality policy, error messages, limits and sniffing."""

from __future__ import annotations

import collections
import csv
import io
import math

import numpy as np
import pytest

from analyzer.errors import EmptyLogError, FormatError, LimitExceededError, ParseError
from analyzer.ingest.base import IngestLimits, SourceFile
from analyzer.ingest.csv_logs import GENERIC_CSV, KERAS_CSV, LIGHTNING_CSV, PARSERS, TB_CSV
from analyzer.model import Granularity, Split

LIMITS = IngestLimits()


def parse(parser, data: bytes | str, name: str = "log.csv"):
    if isinstance(data, str):
        data = data.encode()
    return parser.parse(SourceFile(name, data), LIMITS)


def by_name(run):
    return {s.name: s for s in run.series}


# --------------------------------------------------------------------------- writers


def keras_csvlogger(epochs: list[dict], separator: str = ",", newline: str = "") -> bytes:
    """What ``keras.callbacks.CSVLogger.on_epoch_end`` writes: ``epoch`` then sorted keys, a
    missing key as ``NA``, ``csv.excel`` line ends; ``newline="\\n"`` imitates a Windows file
    opened without ``newline=''`` (every ``\\r\\n`` becomes ``\\r\\r\\n``)."""

    class Dialect(csv.excel):
        delimiter = separator

    out = io.StringIO()
    keys = sorted(epochs[0])
    writer = csv.DictWriter(out, fieldnames=["epoch", *keys], dialect=Dialect)
    writer.writeheader()
    for epoch, logs in enumerate(epochs):
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, logs.get(key, "NA")) for key in keys)
        writer.writerow(row)
    text = out.getvalue()
    if newline == "\n":
        text = text.replace("\r\n", "\r\r\n")
    return text.encode()


def lightning_metrics_csv(records: list[dict]) -> bytes:
    """What Lightning 2.x ``_ExperimentWriter.save`` writes: every key ever logged, sorted,
    one ``csv.DictWriter`` row per ``log_metrics`` call (missing keys are empty cells)."""
    keys = sorted(set().union(*records))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=keys, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue().encode()


def lightning_records(epochs: int = 3, steps_per_epoch: int = 125, every: int = 50):
    """A Trainer with ``self.log("train_loss", on_step=True, on_epoch=True)``, validation at
    epoch end and a ``LearningRateMonitor`` (which logs without an epoch)."""
    rng = np.random.default_rng(0)
    records, step_loss, epoch_loss, val = [], {}, {}, {}
    for epoch in range(epochs):
        records.append({"lr-Adam": 0.001 / (epoch + 1), "step": epoch * steps_per_epoch})
        for batch in range(steps_per_epoch):
            step = epoch * steps_per_epoch + batch
            if (step + 1) % every == 0:
                loss = round(float(rng.random()), 6)
                step_loss[step] = loss
                records.append({"train_loss_step": loss, "epoch": epoch, "step": step})
        end = (epoch + 1) * steps_per_epoch - 1
        val[epoch] = (round(float(rng.random()), 4), round(float(rng.random()), 6))
        records.append(
            {"val_acc": val[epoch][0], "val_loss": val[epoch][1], "epoch": epoch, "step": end}
        )
        epoch_loss[epoch] = round(float(rng.random()), 6)
        records.append({"train_loss_epoch": epoch_loss[epoch], "epoch": epoch, "step": end})
    return records, step_loss, epoch_loss, val


# --------------------------------------------------------------------------- Keras


KERAS_EPOCHS = [
    {"accuracy": 0.61, "loss": 1.2034, "val_accuracy": 0.58, "val_loss": 1.3101},
    {"accuracy": 0.72, "loss": 0.8123, "val_accuracy": 0.69, "val_loss": 0.9542},
    {"accuracy": 0.78, "loss": float("nan"), "val_accuracy": 0.70, "val_loss": 0.9},
]


@pytest.mark.parametrize("separator", [",", ";", "\t", "|", " "])
@pytest.mark.parametrize("newline", ["", "\n"])
def test_keras_csvlogger_any_separator_and_windows_line_ends(separator, newline):
    data = keras_csvlogger(KERAS_EPOCHS, separator, newline)
    (run,) = parse(KERAS_CSV, data, "training.log")
    series = by_name(run)
    assert set(series) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    for key in series:
        assert series[key].granularity is Granularity.EPOCH
        np.testing.assert_array_equal(series[key].steps, [0, 1, 2])
        np.testing.assert_array_equal(series[key].values, [e[key] for e in KERAS_EPOCHS])
    assert math.isnan(series["loss"].values[2])  # nan kept: evidence of divergence
    assert run.warnings == []


def test_keras_na_for_validation_every_other_epoch_is_left_out_silently():
    epochs = [{"loss": 1.0, "val_loss": 1.1}, {"loss": 0.9}, {"loss": 0.8, "val_loss": 0.95}]
    (run,) = parse(KERAS_CSV, keras_csvlogger(epochs))
    val = by_name(run)["val_loss"]
    np.testing.assert_array_equal(val.steps, [0, 2])
    np.testing.assert_array_equal(val.values, [1.1, 0.95])
    assert run.warnings == []


def test_keras_append_without_new_header_gives_two_runs_in_file_order():
    first = keras_csvlogger(KERAS_EPOCHS[:2])
    second = keras_csvlogger(KERAS_EPOCHS).split(b"\r\n", 1)[1]  # append=True: no header
    runs = parse(KERAS_CSV, first + second)
    assert [len(by_name(r)["loss"].steps) for r in runs] == [2, 3]
    np.testing.assert_array_equal(by_name(runs[1])["loss"].steps, [0, 1, 2])


def test_keras_resume_to_a_middle_epoch_stays_one_run():
    data = "epoch,loss\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n2,0.75\n3,0.65\n"
    (run,) = parse(KERAS_CSV, data)
    np.testing.assert_array_equal(run.series[0].steps, [0, 1, 2, 3, 2, 3])


def test_keras_header_repeated_with_a_reset_is_a_new_run_and_without_is_skipped():
    reset = "epoch,loss\n0,1.0\n1,0.9\nepoch,loss\n0,1.1\n1,0.8\n"
    assert len(parse(KERAS_CSV, reset)) == 2
    duplicated = "epoch,loss\n0,1.0\n1,0.9\nepoch,loss\n2,0.8\n3,0.7\n"
    (run,) = parse(KERAS_CSV, duplicated, "dup.csv")
    np.testing.assert_array_equal(run.series[0].steps, [0, 1, 2, 3])
    assert any("dup.csv: line 4:" in w and "header" in w for w in run.warnings)


def test_keras_empty_cell_is_left_out_with_a_warning_naming_the_line():
    (run,) = parse(KERAS_CSV, "epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,\n2,0.8,0.9\n", "k.csv")
    np.testing.assert_array_equal(by_name(run)["val_loss"].steps, [0, 2])
    assert any("'val_loss'" in w and "line 3" in w for w in run.warnings)


def test_keras_refuses_a_file_without_epoch_header():
    with pytest.raises(FormatError, match="'epoch'"):
        parse(KERAS_CSV, "loss,val_loss\n1,2\n")


def test_keras_empty_epoch_is_an_error_with_line_and_column():
    with pytest.raises(ParseError) as info:
        parse(KERAS_CSV, "epoch,loss\n0,1.0\n,0.9\n", "k.csv")
    assert str(info.value).startswith("k.csv: line 3: column 'epoch':")


# --------------------------------------------------------------------------- Lightning


def test_lightning_metrics_csv_step_and_epoch_series():
    records, step_loss, epoch_loss, val = lightning_records()
    (run,) = parse(LIGHTNING_CSV, lightning_metrics_csv(records), "metrics.csv")
    series = by_name(run)
    step = series["train_loss_step"]
    assert step.granularity is Granularity.STEP
    np.testing.assert_array_equal(step.steps, list(step_loss))
    np.testing.assert_array_equal(step.values, list(step_loss.values()))
    for name, expected in [
        ("train_loss_epoch", epoch_loss),
        ("val_loss", {e: v[1] for e, v in val.items()}),
        ("val_acc", {e: v[0] for e, v in val.items()}),
    ]:
        assert series[name].granularity is Granularity.EPOCH, name
        np.testing.assert_array_equal(series[name].steps, list(expected))
        np.testing.assert_array_equal(series[name].values, list(expected.values()))
    lr = series["lr-Adam"]  # logged on rows without an epoch: step-level
    assert lr.granularity is Granularity.STEP
    np.testing.assert_array_equal(lr.steps, [0, 125, 250])
    assert run.warnings == []  # empty cells are normal here


def test_lightning_metric_without_suffix_logged_every_step_is_step_level():
    data = "epoch,step,train_loss\n0,0,1.0\n0,1,0.9\n1,2,0.8\n1,3,0.7\n"
    (run,) = parse(LIGHTNING_CSV, data)
    assert run.series[0].granularity is Granularity.STEP
    np.testing.assert_array_equal(run.series[0].steps, [0, 1, 2, 3])


def test_lightning_step_reset_starts_a_new_run():
    data = "epoch,step,train_loss_step\n0,49,1.0\n0,99,0.9\n0,49,1.1\n0,99,0.8\n"
    assert len(parse(LIGHTNING_CSV, data)) == 2


def test_lightning_bad_cell_error_names_file_line_and_column():
    data = "epoch,step,val_loss\n0,9,0.5\n1,19,\n1,19,0.4\n2,29,0.3\n2,29,\n3,39,abc\n"
    with pytest.raises(ParseError) as info:
        parse(LIGHTNING_CSV, data, "metrics.csv")
    assert str(info.value) == "metrics.csv: line 7: column 'val_loss': 'abc' is not a number"
    assert (info.value.line, info.value.field) == (7, "val_loss")


# --------------------------------------------------------------------------- generic


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("tensor(0.14)", 0.14),
        ("tensor(0.1400, device='cuda:0')", 0.14),
        ("tensor(0.14, grad_fn=<AddBackward0>)", 0.14),
        ("tf.Tensor(0.14, shape=(), dtype=float32)", 0.14),
        ("np.float32(0.14)", 0.14),
        ("0.14 ", 0.14),
        ('"0.14"', 0.14),
        ("nan", math.nan),
        ("NaN", math.nan),
        ("inf", math.inf),
        ("-inf", -math.inf),
        ("Infinity", math.inf),
        ("1e400", math.inf),
    ],
)
def test_generic_cells_written_as_text(cell, expected):
    # unquoted on purpose: f"{epoch},{loss}" leaves the comma inside the tensor repr bare
    (run,) = parse(GENERIC_CSV, f"epoch,loss\n0,1.0\n1,{cell}\n")
    value = by_name(run)["loss"].values[1]
    assert value == expected or (math.isnan(value) and math.isnan(expected))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", " ", "   "])
def test_generic_header_names_and_delimiters(delimiter):
    lines = ["epoch", "train_loss", "validation_loss", "learning_rate"]
    rows = [[0, 2.3, 2.4, 0.1], [1, 1.9, 2.0, 0.1], [2, 1.5, 1.7, 0.01]]
    text = "\n".join(delimiter.join(map(str, r)) for r in [lines, *rows]) + "\n"
    (run,) = parse(GENERIC_CSV, text)
    series = by_name(run)
    assert set(series) == {"train_loss", "validation_loss", "learning_rate"}
    np.testing.assert_array_equal(series["validation_loss"].values, [2.4, 2.0, 1.7])
    assert series["train_loss"].granularity is Granularity.EPOCH


def test_generic_without_x_column_uses_the_row_index_as_epoch_when_few_rows():
    (run,) = parse(GENERIC_CSV, "loss,val_loss\n1.0,1.1\n0.9,1.0\n")
    assert run.series[0].granularity is Granularity.EPOCH
    np.testing.assert_array_equal(run.series[0].steps, [0, 1])
    many = "loss\n" + "\n".join(str(1 / (i + 1)) for i in range(1001)) + "\n"
    (run,) = parse(GENERIC_CSV, many)
    assert run.series[0].granularity is Granularity.STEP


def test_generic_step_column_and_wall_time():
    data = "iteration,loss,time\n100,2.0,1700000000\n200,1.8,1700000010\n300,1.7,1700000020\n"
    (run,) = parse(GENERIC_CSV, data)
    (loss,) = run.series
    assert loss.granularity is Granularity.STEP
    np.testing.assert_array_equal(loss.steps, [100, 200, 300])
    np.testing.assert_array_equal(loss.wall_times, [1700000000, 1700000010, 1700000020])


def test_generic_epoch_with_batch_column_is_step_level_by_position():
    data = "epoch,batch,loss\n0,0,2.0\n0,1,1.9\n1,0,1.8\n1,1,1.7\n"
    (run,) = parse(GENERIC_CSV, data)  # batch restarts each epoch: not a run reset
    (loss,) = run.series
    assert loss.granularity is Granularity.STEP
    np.testing.assert_array_equal(loss.values, [2.0, 1.9, 1.8, 1.7])


@pytest.mark.parametrize(
    "text, names, granularity",
    [
        ("2.30\n1.50\n1.10\n", ["loss"], Granularity.EPOCH),
        ("0,2.30\n1,1.50\n2,1.10\n", ["loss"], Granularity.EPOCH),
        ("2.30,2.40\n1.50,1.60\n1.10,1.30\n", ["loss", "val_loss"], Granularity.EPOCH),
        ("0 2.3 2.4\n1 1.5 1.6\n2 1.1 1.3\n", ["loss", "val_loss"], Granularity.EPOCH),
        ("100,2.3\n200,1.5\n300,1.1\n", ["loss"], Granularity.STEP),
        ("0,1,2,3\n1,4,5,6\n", ["col_2", "col_3", "col_4"], Granularity.EPOCH),
        ("0.5,1,2,3\n0.4,4,5,6\n", ["col_1", "col_2", "col_3", "col_4"], Granularity.EPOCH),
    ],
)
def test_generic_headerless_convention(text, names, granularity):
    (run,) = parse(GENERIC_CSV, text, "h.csv")
    assert [s.name for s in run.series] == names
    assert all(s.granularity is granularity for s in run.series)
    assert any("h.csv: the file has no header line" in w for w in run.warnings)


def test_generic_headerless_counter_steps():
    (run,) = parse(GENERIC_CSV, "100,2.3\n200,1.5\n300,1.1\n")
    np.testing.assert_array_equal(run.series[0].steps, [100, 200, 300])


# --------------------------------------------------------------------------- TensorBoard


def test_tensorboard_download_epoch_tag_split_from_run_name():
    data = "Wall time,Step,Value\n1700000000.5,0,0.91\n1700000030.25,1,0.72\n"
    (run,) = parse(TB_CSV, data, "run-20240101-120000_validation-tag-epoch_loss.csv")
    (series,) = run.series
    assert (series.name, series.split_hint) == ("epoch_loss", Split.VALIDATION)
    assert series.granularity is Granularity.EPOCH
    np.testing.assert_array_equal(series.wall_times, [1700000000.5, 1700000030.25])
    assert run.label == "20240101-120000_validation"


def test_tensorboard_download_step_tag_and_uninformative_name():
    data = "Wall time,Step,Value\n1.5,100,0.9\n2.5,200,0.8\n"
    (run,) = parse(TB_CSV, data, "run-.-tag-Loss_train.csv")
    assert run.series[0].granularity is Granularity.STEP
    assert (run.series[0].name, run.series[0].split_hint) == ("Loss_train", None)
    (run,) = parse(TB_CSV, data, "data.csv")
    assert run.series[0].name == "data"


def test_tensorboard_download_wrong_header_is_format_error():
    with pytest.raises(FormatError, match="Wall time,Step,Value"):
        parse(TB_CSV, "epoch,loss\n0,1\n")


# --------------------------------------------------------------------------- messy reality


ALL = [KERAS_CSV, LIGHTNING_CSV, GENERIC_CSV]


def test_bom_blank_lines_and_truncated_last_line():
    data = b"\xef\xbb\xbfepoch,step,loss\n\n0,0,1.0\n\n\n1,10,0.9\n2,20,0."
    for parser in ALL:
        (run,) = parse(parser, data + b"8\n", "t.csv")
        np.testing.assert_array_equal(by_name(run)["loss"].values, [1.0, 0.9, 0.8])
        assert run.warnings == []
    for cut in (b"2,20", b"2,20,1e"):
        (run,) = parse(GENERIC_CSV, data.rsplit(b"\n", 1)[0] + b"\n" + cut, "t.csv")
        np.testing.assert_array_equal(by_name(run)["loss"].values, [1.0, 0.9])
        assert any("t.csv: line 7: the last line is incomplete" in w for w in run.warnings)


def test_complete_last_line_without_newline_is_kept():
    (run,) = parse(GENERIC_CSV, "epoch,loss\n0,1.0\n1,0.9")
    np.testing.assert_array_equal(run.series[0].values, [1.0, 0.9])


def test_latin1_header_is_read_with_a_warning_and_bad_bytes_in_numbers_fail_with_line():
    (run,) = parse(GENERIC_CSV, "epoch,précision\n0,0.5\n".encode("latin-1"), "l.csv")
    assert run.series[0].name == "précision"
    assert any("Latin-1" in w for w in run.warnings)
    with pytest.raises(ParseError, match=r"l\.csv: line 3: column 'loss'"):
        parse(GENERIC_CSV, b"epoch,loss\n0,0.5\n1,0.\xff4\n", "l.csv")


def test_row_with_too_many_fields_names_the_line():
    with pytest.raises(ParseError) as info:
        parse(GENERIC_CSV, "epoch,loss\n0,1\n\n1,2,3\n", "x.csv")
    assert str(info.value) == "x.csv: line 4: expected 2 fields (as in the header), found 3"


def test_header_only_and_empty_files_are_empty_log_errors():
    for parser in (*ALL, TB_CSV):
        with pytest.raises(EmptyLogError):
            parse(parser, "")
    for data in ("epoch,loss\n", "epoch,step,loss\n\n\n"):
        with pytest.raises(EmptyLogError):
            parse(GENERIC_CSV, data)


def test_long_lines_and_many_columns():
    names = [f"metric_{k}" for k in range(3000)]
    row = ",".join("0.5" for _ in names)
    (run,) = parse(GENERIC_CSV, "epoch," + ",".join(names) + f"\n0,{row}\n1,{row}\n")
    assert len(run.series) == 3000
    padded = "epoch,loss\n0," + " " * 2_000_000 + "0.5\n1,0.25\n"
    (run,) = parse(GENERIC_CSV, padded)
    np.testing.assert_array_equal(run.series[0].values, [0.5, 0.25])
    with pytest.raises(ParseError, match="line 3: column 'loss'"):
        parse(GENERIC_CSV, "epoch,loss\n0,0.5\n1," + "x" * 2_000_000 + "\n")


def test_max_points_limit():
    data = "epoch,step,loss,val_loss\n" + "".join(f"{i},{i},1.0,1.1\n" for i in range(60))
    small = IngestLimits(max_points=100)
    for parser in ALL:
        with pytest.raises(LimitExceededError):
            parser.parse(SourceFile("big.csv", data.encode()), small)
        parser.parse(SourceFile("ok.csv", data.encode()), IngestLimits(max_points=200))


def test_one_million_rows_match_an_independent_reader():
    rng = np.random.default_rng(3)
    loss = rng.random(1_000_000).round(6)
    text = "epoch,loss\r\n" + "".join(f"{i},{v}\r\n" for i, v in enumerate(loss[:200_000]))
    (run,) = parse(KERAS_CSV, text)
    np.testing.assert_array_equal(run.series[0].values, loss[:200_000])


# --------------------------------------------------------------------------- sniffing


def _winner(data: bytes, filename: str):
    return max(PARSERS, key=lambda p: p.sniff(data[: 64 * 1024], filename))


def test_sniff_picks_the_right_format_on_realistic_samples():
    records = lightning_records()[0]
    assert _winner(keras_csvlogger(KERAS_EPOCHS), "training.log") is KERAS_CSV
    assert _winner(keras_csvlogger(KERAS_EPOCHS, ";", "\n"), "history.csv") is KERAS_CSV
    assert _winner(lightning_metrics_csv(records), "metrics.csv") is LIGHTNING_CSV
    assert _winner(lightning_metrics_csv(records), "") is LIGHTNING_CSV
    tb = b"Wall time,Step,Value\n1700000000.5,0,0.9\n"
    assert _winner(tb, "run-train-tag-epoch_loss.csv") is TB_CSV
    assert TB_CSV.sniff(tb, "") >= 0.9
    generic = b"step,train_loss,valid_loss\n10,2.3,2.4\n20,2.1,2.2\n"
    assert _winner(generic, "losses.csv") is GENERIC_CSV
    assert _winner(b"2.3\n2.1\n1.9\n", "loss.txt") is GENERIC_CSV


@pytest.mark.parametrize(
    "head",
    [
        b'{"loss": [1.0, 0.9]}',
        b"Epoch 1/10\n100/100 [====] - 1s 5ms/step - loss: 0.5 - val_loss: 0.6\n",
        b"\x00\x01\x02binary",
        b"",
        b"<html><body>hello</body></html>",
    ],
)
def test_sniff_says_no_to_other_content(head):
    for parser in PARSERS:
        assert parser.sniff(head, "x.csv") < 0.2, parser.name


def test_sniff_still_recognises_a_file_with_a_malformed_cell_so_parse_can_name_it():
    data = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,abc\n2,0.8,0.9\n"
    assert _winner(data, "metrics.csv") is KERAS_CSV
    with pytest.raises(ParseError, match="line 3: column 'val_loss': 'abc' is not a number"):
        parse(KERAS_CSV, data)
