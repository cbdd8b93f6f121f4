import pytest

from analyzer.model import Direction, Granularity, Metric, Split, normalize_name


@pytest.mark.parametrize(
    ("raw", "name", "metric", "split"),
    [
        ("loss", "loss", Metric.LOSS, Split.TRAIN),
        ("train_loss", "loss", Metric.LOSS, Split.TRAIN),
        ("training_loss", "loss", Metric.LOSS, Split.TRAIN),
        ("val_loss", "val_loss", Metric.LOSS, Split.VALIDATION),
        ("validation_loss", "val_loss", Metric.LOSS, Split.VALIDATION),
        ("valid_loss", "val_loss", Metric.LOSS, Split.VALIDATION),
        ("eval_loss", "val_loss", Metric.LOSS, Split.VALIDATION),
        ("test_loss", "test_loss", Metric.LOSS, Split.TEST),
        ("acc", "accuracy", Metric.ACCURACY, Split.TRAIN),
        ("accuracy", "accuracy", Metric.ACCURACY, Split.TRAIN),
        ("val_accuracy", "val_accuracy", Metric.ACCURACY, Split.VALIDATION),
        ("val_acc", "val_accuracy", Metric.ACCURACY, Split.VALIDATION),
        ("lr", "lr", Metric.LEARNING_RATE, Split.TRAIN),
        ("learning_rate", "lr", Metric.LEARNING_RATE, Split.TRAIN),
        ("lr-Adam", "lr", Metric.LEARNING_RATE, Split.TRAIN),
        ("Loss/train", "loss", Metric.LOSS, Split.TRAIN),
        ("loss/val", "val_loss", Metric.LOSS, Split.VALIDATION),
        ("trainLoss", "loss", Metric.LOSS, Split.TRAIN),
        ("Val Loss", "val_loss", Metric.LOSS, Split.VALIDATION),
    ],
)
def test_common_names_normalize(raw, name, metric, split):
    norm = normalize_name(raw)
    assert (norm.name, norm.metric, norm.split) == (name, metric, split)
    assert norm.original_name == raw


def test_split_hint_applies_only_when_the_name_is_silent():
    assert normalize_name("epoch_loss", split_hint=Split.VALIDATION).name == "val_loss"
    assert normalize_name("epoch_loss", split_hint=Split.TRAIN).name == "loss"
    # A split written in the name wins over the context.
    assert normalize_name("train_loss", split_hint=Split.VALIDATION).split is Split.TRAIN


def test_granularity_suffixes_and_prefixes():
    assert normalize_name("train_loss_step").granularity is Granularity.STEP
    assert normalize_name("train_loss_epoch").granularity is Granularity.EPOCH
    assert normalize_name("epoch_accuracy").granularity is Granularity.EPOCH
    assert normalize_name("batch_loss").granularity is Granularity.STEP
    assert normalize_name("loss").granularity is None
    # "epoch" alone is a column name, not a granularity suffix.
    assert normalize_name("epoch").metric is Metric.OTHER


def test_learning_rate_is_never_a_validation_series():
    assert normalize_name("lr", split_hint=Split.VALIDATION).split is Split.TRAIN


@pytest.mark.parametrize(
    ("raw", "direction"),
    [
        ("val_mean_absolute_error", Direction.LOWER),
        ("mse", Direction.LOWER),
        ("perplexity", Direction.LOWER),
        ("val_auc", Direction.HIGHER),
        ("f1_score", Direction.HIGHER),
        ("grad_norm", Direction.NONE),
    ],
)
def test_direction_of_other_metrics(raw, direction):
    norm = normalize_name(raw)
    assert norm.metric is Metric.OTHER
    assert norm.direction is direction
