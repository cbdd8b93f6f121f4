"""The policies every format shares: merging files, appended runs, restarts, renames."""

import numpy as np
import pytest

from analyzer.errors import EmptyLogError, InputError, LimitExceededError
from analyzer.ingest.assemble import ParsedFile, assemble, run_key
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.model import Granularity, Split

LIMITS = IngestLimits()


def raw(name, steps, values, **kw):
    return RawSeries(name, np.asarray(steps, float), np.asarray(values, float), **kw)


def parsed(name, *runs, relative=None, fmt="test"):
    return ParsedFile(SourceFile(name, b"", relative), fmt, list(runs))


def test_resume_from_checkpoint_supersedes_earlier_points_at_the_same_steps():
    steps = [0, 1, 2, 3, 4, 2, 3, 4, 5]
    values = [9, 8, 7, 6, 5, 70, 60, 50, 40]
    [log] = assemble(
        [parsed("a", RawRun([raw("loss", steps, values)]))], by_directory=False, limits=LIMITS
    )
    loss = log.get("loss")
    np.testing.assert_array_equal(loss.steps, [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(loss.values, [9, 8, 70, 60, 50, 40])
    assert any("went back 1 time" in w and "3 earlier points" in w for w in log.warnings)


def test_reset_to_the_start_keeps_only_the_new_run():
    [log] = assemble(
        [parsed("a", RawRun([raw("loss", [0, 1, 2, 3, 0, 1], [4, 3, 2, 1, 40, 30])]))],
        by_directory=False,
        limits=LIMITS,
    )
    np.testing.assert_array_equal(log.get("loss").values, [40, 30])


def test_purge_matches_a_quadratic_reference_on_random_steps():
    rng = np.random.default_rng(3)
    for _ in range(50):
        steps = rng.integers(0, 20, size=30).astype(float)
        keep_ref = [
            all(steps[i] < steps[j] for j in range(i + 1, len(steps))) for i in range(len(steps))
        ]
        [log] = assemble(
            [parsed("a", RawRun([raw("loss", steps, np.arange(30.0))]))],
            by_directory=False,
            limits=LIMITS,
        )
        np.testing.assert_array_equal(log.get("loss").values, np.arange(30.0)[keep_ref])


def test_train_and_validation_files_merge_into_one_run():
    train = parsed(
        "t",
        RawRun([raw("epoch_loss", [0, 1], [1.0, 0.5], split_hint=Split.TRAIN)]),
        relative="run1/train/events.1",
    )
    val = parsed(
        "v",
        RawRun([raw("epoch_loss", [0, 1], [1.2, 0.9], split_hint=Split.VALIDATION)]),
        relative="run1/validation/ev",
    )
    [log] = assemble([train, val], by_directory=True, limits=LIMITS)
    assert log.run_name == "run1"
    assert set(log.names) == {"loss", "val_loss"}
    assert log.get("loss", "validation").original_name == "epoch_loss"
    assert log.get("loss").granularity is Granularity.EPOCH


def test_a_directory_with_two_runs_gives_two_logs():
    files = [
        parsed("a", RawRun([raw("loss", [0], [1.0])]), relative="r1/train/e"),
        parsed("b", RawRun([raw("loss", [0], [2.0])]), relative="r2/train/e"),
    ]
    logs = assemble(files, by_directory=True, limits=LIMITS)
    assert [log.run_name for log in logs] == ["r1", "r2"]


def test_appended_runs_last_kept_with_a_warning_or_all_returned():
    runs = [RawRun([raw("loss", [0, 1], [5.0, 4.0])]), RawRun([raw("loss", [0, 1], [3.0, 2.0])])]
    [log] = assemble([parsed("x.csv", *runs)], by_directory=False, limits=LIMITS)
    np.testing.assert_array_equal(log.get("loss").values, [3.0, 2.0])
    assert "holds 2 runs" in log.warnings[0]
    logs = assemble([parsed("x.csv", *runs)], by_directory=False, all_runs=True, limits=LIMITS)
    assert [lg.get("loss").values.tolist() for lg in logs] == [[5.0, 4.0], [3.0, 2.0]]
    assert [lg.run_name for lg in logs] == ["x#1", "x#2"]


def test_name_overrides_by_file_and_by_series():
    one = parsed("dl/data.csv", RawRun([raw("data", [0, 1], [1.0, 0.5])]))
    [log] = assemble([one], by_directory=False, names={"data.csv": "val_loss"}, limits=LIMITS)
    assert log.names == ("val_loss",)
    two = parsed("m.csv", RawRun([raw("a", [0], [1.0]), raw("b", [0], [2.0])]))
    [log] = assemble([two], by_directory=False, names={"b": "val_loss"}, limits=LIMITS)
    assert set(log.names) == {"a", "val_loss"}
    with pytest.raises(InputError, match="holds 2 series"):
        assemble([two], by_directory=False, names={"m.csv": "loss"}, limits=LIMITS)


def test_two_columns_meaning_the_same_are_both_kept():
    run = RawRun([raw("acc", [0], [0.5]), raw("accuracy", [0], [0.6])])
    [log] = assemble([parsed("k.csv", run)], by_directory=False, limits=LIMITS)
    assert log.get("accuracy").values[0] == 0.5
    assert log.get("accuracy").original_name == "acc"
    assert log.by_name("accuracy_2").values[0] == 0.6
    assert any("kept under its own name 'accuracy_2'" in w for w in log.warnings)
    assert len(log) == 2


def test_empty_and_oversized_runs_are_input_errors():
    with pytest.raises(EmptyLogError):
        assemble([parsed("e", RawRun([raw("loss", [], [])]))], by_directory=False, limits=LIMITS)
    big = parsed("b", RawRun([raw("loss", np.arange(11), np.ones(11))]))
    with pytest.raises(LimitExceededError, match="more than 10 points"):
        assemble([big], by_directory=False, limits=IngestLimits(max_points=10))


@pytest.mark.parametrize(
    ("relative", "key"),
    [
        ("run1/train/events.out.tfevents.1", "run1"),
        ("train/events.out.tfevents.1", ""),
        ("lightning_logs/version_0/metrics.csv", "lightning_logs/version_0"),
        ("a/b/validation/x", "a/b"),
        ("history.json", ""),
    ],
)
def test_run_key_strips_a_trailing_split_folder(relative, key):
    assert run_key(SourceFile("x", b"", relative)) == key
