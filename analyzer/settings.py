"""Every threshold the detectors use, in one documented object.

Detectors never compare against literals: they read these fields, and each finding reports
the threshold it was held against, so a reader can see exactly why something fired. Defaults
were set on the seeded synthetic benchmark (``bench/diagnosis_eval.py``) and the reference
trainer's real runs; change them per call with ``analyze(..., settings=Settings(...))``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """Detector thresholds. Fractions are of the run's length unless said otherwise."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # --- general -----------------------------------------------------------------------------
    alpha: float = Field(0.05, gt=0, lt=0.5, description="significance level of every test")
    trend_method: str = Field(
        "hamed_rao_ar1",
        description="Mann-Kendall variant (autocorrelation-corrected by default; see stats.trend)",
    )
    min_points: int = Field(
        5, ge=3, description="fewest finite loss points for any verdict beyond INSUFFICIENT_DATA"
    )
    max_windows: int = Field(
        300, ge=20, description="step-level logs are aggregated into at most this many windows"
    )
    tail_fraction: float = Field(
        0.25, gt=0, le=0.5, description="share of the run treated as 'the end' for trend tests"
    )
    min_tail_points: int = Field(8, ge=3, description="fewest points in that tail")

    # --- divergence, instability ---------------------------------------------------------------
    divergence_min_rise: float = Field(
        0.25,
        gt=0,
        description="training loss must end this much (relative) above its minimum to diverge",
    )
    oscillation_relative_noise: float = Field(
        0.08,
        gt=0,
        description="robust noise scale of the training loss, relative to its level, beyond "
        "which it oscillates",
    )
    oscillation_vs_improvement: float = Field(
        0.02,
        gt=0,
        description="...and relative to the run's total improvement (so a converged, tiny "
        "loss with small absolute noise does not count)",
    )
    spike_sigmas: float = Field(
        8.0, gt=0, description="a spike is this many robust noise scales above the smooth curve"
    )
    spike_min_relative: float = Field(
        0.15, gt=0, description="...and at least this much (relative) above the smooth curve"
    )

    # --- speed of learning --------------------------------------------------------------------
    slow_front_loading: float = Field(
        0.62,
        gt=0.5,
        lt=1,
        description="share of the run's improvement made in its first half below which a "
        "steady decline counts as linear (slow) rather than converging",
    )
    slow_max_improvement: float = Field(
        0.5, gt=0, lt=1, description="slow convergence: total relative improvement below this"
    )
    not_converged_min_remaining: float = Field(
        0.05,
        gt=0,
        description="still improving: the tail's slope projects at least this relative "
        "improvement over another tail-length of training",
    )
    not_converged_min_assured: float = Field(
        0.05,
        ge=0,
        description="...and the least steep slope of its one-sided (1 - alpha) confidence bound "
        "at least this",
    )
    no_learning_max_improvement: float = Field(
        0.05, gt=0, description="no learning: training loss improved less than this (relative)"
    )
    baseline_tolerance: float = Field(
        0.05,
        gt=0,
        description="no learning: final loss within this (relative) of the chance baseline",
    )
    plateau_min_fraction: float = Field(
        0.3, gt=0, lt=1, description="a plateau lasts at least this share of the run"
    )
    plateau_escape: float = Field(
        0.15,
        gt=0,
        description="...and the loss later falls at least this much (relative) below it",
    )
    plateau_flatness: float = Field(
        0.25,
        gt=0,
        lt=1,
        description="a stretch is flat when it changes by less than this share of the drop "
        "that follows it",
    )
    underfit_ratio_unhinted: float = Field(
        0.8,
        gt=0,
        lt=1.5,
        description="...when the baseline is only the run's initial loss (no hints): without "
        "a chance level, only a run that barely moved is called underfitting",
    )
    underfit_ratio: float = Field(
        0.5,
        gt=0,
        lt=1.5,
        description="underfitting: final training loss at least this share of the baseline",
    )

    # --- train versus validation --------------------------------------------------------------
    equivalence_margin: float = Field(
        0.1, gt=0, description="train and validation are similar within ±this relative margin"
    )
    overfit_min_rise: float = Field(
        0.1,
        gt=0,
        description="validation loss must end this much (relative) above its minimum",
    )
    overfit_min_giveback: float = Field(
        0.5,
        gt=0,
        description="...or, when it rises less than that, it gives back at least this share "
        "of the improvement the smoothed validation loss made before its minimum, when that "
        "improvement exceeds the rise's noise threshold (a loss with "
        "a high floor, such as cross-entropy near ln 2, rises little relative to its level "
        "while undoing most of what was learned)",
    )
    overfit_min_rise_sigmas: float = Field(
        2.0,
        gt=0,
        description="...and at least this many point-to-point noise scales of the validation "
        "loss (choosing the minimum first makes any later rise look significant on noise)",
    )
    overfit_min_epochs: int = Field(
        4, ge=2, description="fewest points after the validation minimum to test a rise"
    )
    gap_relative: float = Field(
        0.3, gt=0, description="a generalization gap is (val - train) / train above this"
    )
    noisy_val_ratio: float = Field(
        3.0, gt=1, description="validation relative noise over training relative noise"
    )
    noisy_val_min_relative: float = Field(
        0.03, gt=0, description="...with the validation relative noise at least this"
    )
    leakage_ratio: float = Field(
        0.7, gt=0, lt=1, description="possible leakage: val / train below this"
    )
    leakage_persistence: float = Field(
        0.9, gt=0, le=1, description="...in at least this share of epochs, including the first"
    )
    wasted_tolerance: float = Field(
        0.01, gt=0, description="the floor is reached within this (relative) of the minimum"
    )
    wasted_min_epochs: int = Field(10, ge=1, description="wasted epochs: at least this many")
    wasted_min_fraction: float = Field(
        0.25, gt=0, lt=1, description="...and this share of the run after the best epoch"
    )
    scale_anomaly_ratio: float = Field(
        100.0, gt=1, description="first loss over the median of the run's second half"
    )


DEFAULT_SETTINGS = Settings()
