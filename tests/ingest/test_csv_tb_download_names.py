"""File names of TensorBoard UI downloads: run, split hint and tag."""

from __future__ import annotations

import pytest

from analyzer.ingest.tb_download_names import parse_tensorboard_download_name
from analyzer.model import Split


@pytest.mark.parametrize(
    "filename, expected",
    [
        (
            "run-20240101-120000_train-tag-epoch_loss.csv",
            ("20240101-120000_train", Split.TRAIN, "epoch_loss"),
        ),
        ("run-validation-tag-epoch_loss.csv", ("validation", Split.VALIDATION, "epoch_loss")),
        ("run-.-tag-Loss_train.csv", (".", None, "Loss_train")),
        ("run-train-tag-loss.csv", ("train", Split.TRAIN, "loss")),
        (
            "logs/run-lr-0.1_eval-tag-epoch_accuracy.json",
            ("lr-0.1_eval", Split.VALIDATION, "epoch_accuracy"),
        ),
        ("run-my-tag-run_test-tag-loss (1).csv", ("my-tag-run_test", Split.TEST, "loss")),
        ("data.csv", (None, None, "data")),
        ("", (None, None, "value")),
    ],
)
def test_download_names(filename, expected):
    assert tuple(parse_tensorboard_download_name(filename)) == expected
