import numpy as np
import pytest

from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog


def make(name="loss", split=Split.TRAIN, values=(1.0, 0.5), granularity=Granularity.EPOCH):
    return Series(
        name=name,
        metric=Metric.LOSS,
        metric_name="loss",
        split=split,
        direction=Direction.LOWER,
        granularity=granularity,
        steps=np.arange(len(values)),
        values=values,
    )


def test_series_keeps_non_finite_values_as_float64():
    s = make(values=[1.0, float("nan"), float("inf")])
    assert s.values.dtype == np.float64
    assert np.isnan(s.values[1]) and np.isinf(s.values[2])
    assert s.first_non_finite() == 1.0
    assert s.original_name == "loss"


def test_series_arrays_are_read_only():
    s = make()
    with pytest.raises(ValueError):
        s.values[0] = 3.0


def test_series_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 steps but 3 values"):
        Series(
            "loss",
            Metric.LOSS,
            "loss",
            Split.TRAIN,
            Direction.LOWER,
            Granularity.EPOCH,
            steps=[0, 1],
            values=[1, 2, 3],
        )


def test_log_lookup_prefers_epoch_granularity():
    step = make(granularity=Granularity.STEP, values=(3.0, 2.0, 1.0))
    epoch = make()
    val = make(name="val_loss", split=Split.VALIDATION)
    log = TrainingLog(series=(step, epoch, val))
    assert log.get("loss") is epoch
    assert log.get("loss", granularity="step") is step
    assert log.get("loss", Split.VALIDATION) is val
    assert log.get("accuracy") is None
    assert log.by_name("val_loss") is val
    assert log.total_points == 7


def test_log_rejects_two_series_with_the_same_key():
    with pytest.raises(ValueError, match="two series"):
        TrainingLog(series=(make(), make()))


def test_series_equality_treats_nan_as_equal():
    assert make(values=[1.0, float("nan")]) == make(values=[1.0, float("nan")])
    assert make(values=[1.0, 2.0]) != make(values=[1.0, 2.5])
