"""What the user may tell us about the run, to sharpen verdicts the log alone leaves open.

Everything is optional: without hints the analyzer falls back to the run's own initial loss as
the baseline and says so in its findings.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator


class LossKind(StrEnum):
    """The loss function family, which fixes the chance-level baseline."""

    MSE = "mse"
    MAE = "mae"
    BINARY_CROSSENTROPY = "binary_crossentropy"
    CATEGORICAL_CROSSENTROPY = "categorical_crossentropy"
    OTHER = "other"


_ALIASES = {
    "mean_squared_error": LossKind.MSE,
    "mse": LossKind.MSE,
    "l2": LossKind.MSE,
    "mean_absolute_error": LossKind.MAE,
    "mae": LossKind.MAE,
    "l1": LossKind.MAE,
    "bce": LossKind.BINARY_CROSSENTROPY,
    "binary_crossentropy": LossKind.BINARY_CROSSENTROPY,
    "binary_cross_entropy": LossKind.BINARY_CROSSENTROPY,
    "bcewithlogits": LossKind.BINARY_CROSSENTROPY,
    "ce": LossKind.CATEGORICAL_CROSSENTROPY,
    "crossentropy": LossKind.CATEGORICAL_CROSSENTROPY,
    "cross_entropy": LossKind.CATEGORICAL_CROSSENTROPY,
    "categorical_crossentropy": LossKind.CATEGORICAL_CROSSENTROPY,
    "sparse_categorical_crossentropy": LossKind.CATEGORICAL_CROSSENTROPY,
    "nll": LossKind.CATEGORICAL_CROSSENTROPY,
}


class Hints(BaseModel):
    """Optional facts about the run (all fields may be left unset)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    loss: LossKind | None = Field(None, description="loss function family")
    num_classes: PositiveInt | None = Field(
        None, description="classes of a classification task (ln K is the chance loss)"
    )
    baseline_loss: float | None = Field(
        None, gt=0, description="loss of a trivial predictor, overrides the computed baseline"
    )
    target_variance: float | None = Field(
        None, gt=0, description="Var(y) of a regression target: the MSE of predicting the mean"
    )
    train_size: PositiveInt | None = Field(None, description="training examples")
    val_size: PositiveInt | None = Field(None, description="validation examples")
    learning_rate: float | None = Field(None, gt=0, description="initial learning rate")
    optimizer: str | None = Field(None, description="optimizer name, e.g. adam or sgd")
    batch_size: PositiveInt | None = Field(None, description="examples per step")
    planned_epochs: PositiveInt | None = Field(None, description="epochs the run was set to do")
    early_stopping_patience: int | None = Field(
        None, ge=0, description="patience of an early-stopping callback, if one was used"
    )

    @field_validator("loss", mode="before")
    @classmethod
    def _loss_alias(cls, value: object) -> object:
        if isinstance(value, str):
            key = value.strip().lower().replace("-", "_").replace(" ", "_")
            return _ALIASES.get(key, key)
        return value

    def chance_baseline(self) -> tuple[float, str] | None:
        """The loss of an uninformed predictor and how it was derived, or None when unknown.

        Binary cross-entropy: ln 2 (balanced classes); K-class cross-entropy: ln K; MSE: Var(y).
        An explicit ``baseline_loss`` wins.
        """
        if self.baseline_loss is not None:
            return self.baseline_loss, "given baseline loss"
        if self.loss is LossKind.BINARY_CROSSENTROPY or (
            self.loss is None and self.num_classes == 2
        ):
            return math.log(2), "ln 2, binary cross-entropy of a balanced coin flip"
        if (
            self.num_classes is not None
            and self.num_classes > 2
            and self.loss
            in (
                None,
                LossKind.CATEGORICAL_CROSSENTROPY,
            )
        ):
            return math.log(self.num_classes), f"ln {self.num_classes}, chance-level cross-entropy"
        if self.loss is LossKind.MSE and self.target_variance is not None:
            return self.target_variance, "Var(y), the MSE of always predicting the mean"
        return None
