"""Metric-name normalization: ``val_loss``, ``validation_loss``, ``Loss/valid`` and
``val_loss_epoch`` all mean the validation loss.

The rules cover the names Keras, Lightning, Hugging Face, TensorBoard and hand-written loops
write. The original name is always kept next to the normalized one, so nothing is lost when a
guess is wrong; a name we do not understand becomes a ``Metric.OTHER`` series on the split its
prefix says (train by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analyzer.model.series import Direction, Granularity, Metric, Split

SPLIT_WORDS: dict[str, Split] = {
    "train": Split.TRAIN,
    "training": Split.TRAIN,
    "trn": Split.TRAIN,
    "tr": Split.TRAIN,
    "val": Split.VALIDATION,
    "valid": Split.VALIDATION,
    "validation": Split.VALIDATION,
    "eval": Split.VALIDATION,
    "evaluation": Split.VALIDATION,
    "dev": Split.VALIDATION,
    "test": Split.TEST,
    "testing": Split.TEST,
}

#: Folder and file-name words that name a split (TensorBoard run directories, download names).
SPLIT_FOLDER_WORDS: dict[str, Split] = {
    word: split
    for word, split in SPLIT_WORDS.items()
    if word in ("train", "training", "validation", "val", "valid", "eval", "evaluation", "test")
}

_LOSS_WORDS = {"loss", "losses", "cost", "objective"}
_ACCURACY_WORDS = {
    "acc",
    "accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "binary_accuracy",
    "top1",
    "top1_accuracy",
    "top_1_accuracy",
}
_LR_WORDS = {"lr", "learning_rate", "learningrate"}

_HIGHER_IS_BETTER = re.compile(
    r"acc|auc|f1|precision|recall|iou|dice|bleu|rouge|r2|map|score|correct|top\d"
)
_LOWER_IS_BETTER = re.compile(r"loss|error|mse|mae|rmse|mape|perplexity|ppl|nll|wer|cer|cost")

#: Names that label the x axis or bookkeeping, never a metric of the run.
INDEX_COLUMNS = frozenset(
    {"epoch", "epochs", "step", "steps", "global_step", "iteration", "iter", "it", "batch"}
)
WALL_TIME_COLUMNS = frozenset({"wall time", "wall_time", "walltime", "time", "timestamp"})


@dataclass(frozen=True)
class NormalizedName:
    """What a raw metric name tells us."""

    name: str
    metric: Metric
    metric_name: str
    split: Split
    direction: Direction
    granularity: Granularity | None
    original_name: str


def _tokens(raw: str) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", raw.strip())  # trainLoss -> train_Loss
    text = text.lower().replace("-", "_").replace(" ", "_").replace(".", "_")
    return [t for t in re.split(r"[/_:]+", text) if t]


def _metric_of(metric_name: str) -> tuple[Metric, str, Direction]:
    if metric_name in _LOSS_WORDS:
        return Metric.LOSS, "loss", Direction.LOWER
    if metric_name in _ACCURACY_WORDS:
        return Metric.ACCURACY, "accuracy", Direction.HIGHER
    if metric_name in _LR_WORDS or metric_name.startswith("lr_"):
        return Metric.LEARNING_RATE, "lr", Direction.NONE
    if _LOWER_IS_BETTER.search(metric_name):
        return Metric.OTHER, metric_name, Direction.LOWER
    if _HIGHER_IS_BETTER.search(metric_name):
        return Metric.OTHER, metric_name, Direction.HIGHER
    return Metric.OTHER, metric_name, Direction.NONE


def series_name(split: Split, metric_name: str) -> str:
    """The normalized name: ``loss``, ``val_loss``, ``test_accuracy``, ``lr``."""
    prefix = {Split.TRAIN: "", Split.VALIDATION: "val_", Split.TEST: "test_"}[split]
    return prefix + metric_name


def normalize_name(raw: str, *, split_hint: Split | None = None) -> NormalizedName:
    """Normalize a raw metric name.

    ``split_hint`` is the split the surrounding context implies (a TensorBoard ``validation/``
    run directory, a download named ``run-x_validation-tag-epoch_loss.csv``); a split written in
    the name itself wins over it.
    """
    tokens = _tokens(raw) or ["value"]
    granularity: Granularity | None = None

    # Lightning's ``*_step`` / ``*_epoch`` variants and Keras' ``epoch_*`` / ``batch_*`` tags.
    if len(tokens) > 1 and tokens[-1] in ("epoch", "step"):
        granularity = Granularity(tokens.pop())
    elif len(tokens) > 1 and tokens[0] in ("epoch", "batch"):
        granularity = Granularity.EPOCH if tokens.pop(0) == "epoch" else Granularity.STEP

    split: Split | None = None
    # A split word at either end (``val_loss``, ``loss_val``, ``Loss/train``).
    if len(tokens) > 1 and tokens[0] in SPLIT_WORDS:
        split = SPLIT_WORDS[tokens.pop(0)]
    elif len(tokens) > 1 and tokens[-1] in SPLIT_WORDS:
        split = SPLIT_WORDS[tokens.pop()]
    if len(tokens) > 1 and tokens[0] in ("epoch", "batch") and granularity is None:
        granularity = Granularity.EPOCH if tokens.pop(0) == "epoch" else Granularity.STEP

    split = split or split_hint or Split.TRAIN
    joined = "_".join(tokens)
    metric, metric_name, direction = _metric_of(joined)
    if metric is Metric.LEARNING_RATE:
        split = Split.TRAIN  # a rate belongs to the optimizer, not to a data split
    return NormalizedName(
        name=series_name(split, metric_name),
        metric=metric,
        metric_name=metric_name,
        split=split,
        direction=direction,
        granularity=granularity,
        original_name=raw,
    )
