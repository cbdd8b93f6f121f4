"""A hand-made run and diagnosis for renderer tests: fixed findings that no detector tuning can
change, with the awkward values renderers must survive (NaN p-values, infinities, pipes)."""

from __future__ import annotations

import math

import numpy as np

from analyzer.model import Direction, Granularity, Metric, Series, Split, TrainingLog
from analyzer.model.findings import (
    Code,
    DetectorFailure,
    Diagnosis,
    Evidence,
    Finding,
    Severity,
    Summary,
    Verdict,
)

EPOCHS = 40
BEST, ONSET = 24.0, 20.0
SPIKES = (6.0, 15.0)
PLATEAU = (8.0, 13.0)


def _series(name: str, split: Split, values: np.ndarray) -> Series:
    return Series(
        name=name,
        metric=Metric.LOSS,
        metric_name="loss",
        split=split,
        direction=Direction.LOWER,
        granularity=Granularity.EPOCH,
        steps=np.arange(EPOCHS, dtype=float),
        values=values,
        original_name=name,
    )


def sample_log() -> TrainingLog:
    x = np.arange(EPOCHS, dtype=float)
    train = 2.0 * np.exp(-x / 8) + 0.2
    for spike in SPIKES:
        train[int(spike)] *= 3
    val = 2.0 * np.exp(-x / 8) + 0.45 + 0.004 * np.maximum(x - ONSET, 0) ** 2
    return TrainingLog(
        series=(_series("loss", Split.TRAIN, train), _series("val_loss", Split.VALIDATION, val)),
        run_name="sample",
        source_format="keras-csv",
        sources=("sample.csv",),
    )


def sample_diagnosis() -> Diagnosis:
    overfitting = Finding(
        code=Code.OVERFITTING,
        title="Overfitting",
        severity=Severity.WARNING,
        confidence=0.9,
        summary="Validation loss is lowest at epoch 24 and rises 30% from epoch 20 on.",
        explanation="The validation loss turns upward while the training loss keeps falling.",
        recommendations=("Keep the weights from epoch 24.", "Add regularization."),
        evidence=(
            Evidence("onset_step", ONSET, "where the smoothed validation loss is lowest"),
            Evidence(
                "val_mk_z",
                4.2,
                "Mann-Kendall z | after the onset",
                test="mann_kendall[hamed_rao_ar1]",
                p_value=2.5e-05,
                threshold=0.05,
                comparison="<",
                threshold_on="p_value",
            ),
            Evidence(
                "val_rise_relative", 0.3, "rise over the minimum", threshold=0.1, comparison=">="
            ),
        ),
        series=("val_loss", "loss"),
        start=ONSET,
        end=float(EPOCHS - 1),
    )
    spikes = Finding(
        code=Code.LOSS_SPIKES,
        title="Loss spikes",
        severity=Severity.WARNING,
        confidence=0.7,
        summary="loss spikes 2 time(s) (epoch 6, epoch 15).",
        explanation="Jumps far beyond the curve's noise.",
        recommendations=("Clip gradients.",),
        evidence=(
            Evidence("spike_count", 2.0, "points flagged as spikes"),
            Evidence("max_spike_sigmas", math.inf, "largest jump in noise units", test="hampel"),
        ),
        series=("loss",),
        start=SPIKES[0],
        end=SPIKES[1],
    )
    plateau = Finding(
        code=Code.PLATEAU,
        title="Training stalled on a plateau",
        severity=Severity.WARNING,
        confidence=0.65,
        summary="loss stalled from epoch 8 to epoch 13.",
        explanation="A flat stretch followed by renewed progress.",
        recommendations=("Use ReLU.",),
        evidence=(
            Evidence("plateau_share", 0.15, "share of the run", threshold=0.1, comparison=">="),
        ),
        series=("loss",),
        start=PLATEAU[0],
        end=PLATEAU[1],
    )
    below = Finding(
        code=Code.VAL_BELOW_TRAIN,
        title="Validation loss below training loss",
        severity=Severity.INFO,
        confidence=0.5,
        summary="Nothing here; no span.",
        explanation="Benign.",
        recommendations=(),
    )
    findings = (overfitting, spikes, plateau, below)
    return Diagnosis(
        verdict=Verdict.NEEDS_ATTENTION,
        primary=overfitting,
        findings=findings,
        summary=Summary(
            epochs=EPOCHS,
            best_epoch=BEST,
            best_val_loss=0.62,
            best_train_loss=0.3,
            final_train_loss=0.21,
            final_val_loss=0.9,
            gap_at_best=0.32,
            relative_gap_at_best=1.0667,
            final_gap=0.69,
            relative_final_gap=3.2857,
            total_relative_improvement=0.9,
        ),
        run_name="sample",
        source_format="keras-csv",
        warnings=("a note from ingestion",),
        failures=(DetectorFailure("plateau_v2", "ValueError: boom"),),
    )


def healthy_diagnosis() -> Diagnosis:
    """No findings at all, no validation curve: every optional number unknown."""
    return Diagnosis(
        verdict=Verdict.HEALTHY,
        primary=None,
        findings=(),
        summary=Summary(epochs=12, final_train_loss=0.1),
        run_name=None,
        source_format="csv",
    )
