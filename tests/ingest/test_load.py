"""``load`` end to end: format detection, directories, overrides, and hostile input."""

import contextlib
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import EmptyLogError, FormatError, InputError, ParseError
from analyzer.ingest import format_names, load, load_runs
from analyzer.model import Granularity, Split

tensorboardX = pytest.importorskip("tensorboardX")

SAMPLES = {
    "keras.csv": b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.8,0.9\n2,0.7,0.85\n",
    "history.json": json.dumps({"loss": [1.0, 0.8, 0.7], "val_loss": [1.1, 0.9, 0.85]}).encode(),
    "run-x_validation-tag-epoch_loss.csv": b"Wall time,Step,Value\n1.0,0,1.1\n2.0,1,0.9\n",
    "trainer_state.json": json.dumps(
        {
            "log_history": [
                {"loss": 2.0, "step": 10, "epoch": 0.1},
                {"eval_loss": 1.9, "step": 10, "epoch": 0.1},
                {"loss": 1.5, "step": 20, "epoch": 0.2},
            ]
        }
    ).encode(),
    "fit.txt": (
        b"Epoch 1/3\n32/32 [==============================] - 0s 2ms/step - loss: 0.9 - "
        b"val_loss: 1.0\nEpoch 2/3\n32/32 [==============================] - 0s 2ms/step - "
        b"loss: 0.7 - val_loss: 0.8\n"
    ),
}


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("keras.csv", "keras-csv"),
        ("history.json", "keras-history-json"),
        ("run-x_validation-tag-epoch_loss.csv", "tensorboard-csv"),
        ("trainer_state.json", "hf-trainer-state"),
        ("fit.txt", "keras-console"),
    ],
)
def test_content_decides_the_format_even_without_a_name(name, fmt):
    log = load(SAMPLES[name], filename=name)
    assert log.source_format == fmt
    if fmt != "tensorboard-csv":  # a download's split lives in its file name
        assert load(SAMPLES[name]).source_format == fmt


def test_every_format_name_can_be_forced_and_unknown_ones_are_listed():
    assert load(SAMPLES["keras.csv"], format="keras-csv").by_name("val_loss") is not None
    with pytest.raises(FormatError, match="unknown format 'nope'; expected one of: "):
        load(SAMPLES["keras.csv"], format="nope")
    assert "tensorboard-events" in format_names()


def test_bad_cell_error_names_file_line_and_column(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,abc\n2,0.8,0.9\n")
    with pytest.raises(ParseError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(str(path))
    assert "line 3" in message and "val_loss" in message and "'abc'" in message


def test_unrecognized_and_empty_inputs():
    with pytest.raises(FormatError, match="not a training log"):
        load(b"\x00\x01\x02 definitely not a log \xff" * 3, filename="blob.bin")
    with pytest.raises(EmptyLogError, match="empty"):
        load(b"   \n", filename="empty.csv")


def _tb_run(root, values):
    for split, offset in (("train", 0.0), ("validation", 0.1)):
        writer = tensorboardX.SummaryWriter(str(root / split))
        for epoch, value in enumerate(values):
            writer.add_scalar("epoch_loss", value + offset, epoch)
        writer.close()


def test_tensorboard_directory_with_one_run_and_with_two(tmp_path):
    _tb_run(tmp_path / "a", [1.0, 0.5, 0.25])
    log = load(tmp_path / "a")
    assert set(log.names) == {"loss", "val_loss"}
    assert log.get("loss", Split.VALIDATION).granularity is Granularity.EPOCH
    np.testing.assert_allclose(log.by_name("val_loss").values, [1.1, 0.6, 0.35], rtol=1e-6)

    _tb_run(tmp_path / "b", [2.0, 1.0, 0.5])
    with pytest.raises(InputError, match=r"holds 2 runs \('a', 'b'\)"):
        load(tmp_path)
    runs = load_runs(tmp_path)
    assert [r.run_name for r in runs] == ["a", "b"]


def test_a_directory_skips_unreadable_files_with_a_warning(tmp_path):
    (tmp_path / "log.csv").write_bytes(SAMPLES["keras.csv"])
    (tmp_path / "notes.txt").write_text("nothing to see here\n")
    log = load(tmp_path)
    assert log.by_name("val_loss") is not None
    assert any("notes.txt" in w and w.startswith("skipped") for w in log.warnings)


def test_names_override_a_download_without_a_telling_name():
    data = b"Wall time,Step,Value\n1.0,0,0.5\n2.0,1,0.4\n"
    log = load(data, filename="data.csv", names={"data.csv": "val_loss"})
    assert log.names == ("val_loss",)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=2000),
    name=st.sampled_from(["x.csv", "x.json", "x.txt", "events.out.tfevents.1", "", "x.gz"]),
)
def test_random_bytes_raise_only_input_errors(data, name):
    with contextlib.suppress(InputError):
        load(data, filename=name or None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    which=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(min_value=0, max_value=400),
    insert=st.binary(max_size=8),
    at=st.integers(min_value=0, max_value=400),
)
def test_mutated_valid_files_raise_only_input_errors(which, cut, insert, at):
    data = SAMPLES[which]
    mutated = data[:at] + insert + data[at:]
    mutated = mutated[: max(1, len(mutated) - cut % (len(mutated) + 1))]
    try:
        log = load(mutated, filename=which)
    except InputError:
        return
    assert log.total_points > 0
