"""Our imitation of Keras' CSVLogger writes what the real one writes (checked against the
committed Keras fixtures, whose log.csv came from ``keras.callbacks.CSVLogger``)."""

import json
import math

import pytest

from reference_trainer.writers import download_stem, write_history_json, write_keras_csv
from tests.reference_trainer.fixtures import FIXTURES, entries, read_history


@pytest.mark.parametrize("entry", [e for e in entries() if e["framework"] == "keras"], ids=str)
def test_csv_writer_matches_keras_csvlogger_byte_for_byte(entry, tmp_path):
    history = read_history(FIXTURES / entry["name"] / "history.json")
    write_keras_csv(tmp_path / "log.csv", history)
    assert (tmp_path / "log.csv").read_bytes() == (
        FIXTURES / entry["name"] / "log.csv"
    ).read_bytes()


def test_csv_writer_adds_na_validation_columns_when_there_is_no_validation(tmp_path):
    write_keras_csv(tmp_path / "log.csv", {"loss": [0.5, 0.25], "accuracy": [0.5, 0.75]})
    assert (tmp_path / "log.csv").read_bytes() == (
        b"epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,0.5,NA,NA\r\n1,0.75,0.25,NA,NA\r\n"
    )


def test_history_json_keeps_bare_nan_and_infinity(tmp_path):
    write_history_json(tmp_path / "h.json", {"loss": [1.0, math.inf, math.nan]})
    text = (tmp_path / "h.json").read_text()
    assert text == '{"loss": [1.0, Infinity, NaN]}'
    assert math.isnan(json.loads(text)["loss"][2])


def test_download_stem_is_the_tensorboard_ui_name():
    assert download_stem("ex1", "validation") == "run-ex1_validation-tag-epoch_loss"
