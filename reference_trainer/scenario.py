"""The shape of one scenario: what it runs, and what its curve must show."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The analyzer's finding codes (``analyzer.model.findings.Code``), as the manifest spells them.
CODES = (
    "INSUFFICIENT_DATA",
    "NON_FINITE_LOSS",
    "DIVERGENCE",
    "OSCILLATION",
    "LOSS_SPIKES",
    "SLOW_CONVERGENCE",
    "NOT_CONVERGED",
    "PLATEAU",
    "NO_LEARNING",
    "UNDERFITTING",
    "TRAIN_VAL_SIMILAR",
    "OVERFITTING",
    "GENERALIZATION_GAP",
    "NOISY_VALIDATION",
    "VAL_BELOW_TRAIN",
    "POSSIBLE_LEAKAGE",
    "STOPPED_WHILE_IMPROVING",
    "WASTED_EPOCHS",
    "LOSS_SCALE_ANOMALY",
    "ACCURACY_LOSS_DISAGREEMENT",
)


@dataclass(frozen=True)
class Expected:
    """What the analyzer should conclude, and the facts that justify it.

    ``checks`` are ``"<fact> <op> <number>"`` conditions (:mod:`reference_trainer.facts`) that
    make the claim true of this very curve; generation fails when one does not hold.
    ``reason`` is a ``str.format`` template over the facts, one line.
    """

    primary: str | None
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    reason: str = ""

    def __post_init__(self) -> None:
        unknown = {*self.must, *self.must_not, self.primary} - {*CODES, None}
        if unknown:
            raise ValueError(f"unknown finding codes: {sorted(unknown)}")
        if set(self.must) & set(self.must_not):
            raise ValueError("a code cannot be both required and forbidden")
        if self.primary is not None and self.primary not in self.must:
            raise ValueError("the expected primary finding must also be in 'must'")


@dataclass
class Outcome:
    """What a run produced: its history (``history.history`` shape), the constant-predictor
    baseline of its loss, and extra numbers (closed-form scores, counterfactual runs)."""

    history: dict[str, list[float]]
    framework: str  # "keras" or "sklearn"
    baseline: dict | None = None
    results: dict[str, Any] = field(default_factory=dict)


Runner = Callable[[Mapping[str, Any], int, Path], Outcome]


@dataclass(frozen=True)
class Scenario:
    """One seeded run. ``example`` is the article example (1-6) it reproduces, or
    ``"variant"``; ``quirks`` say where it keeps a flaw of the original on purpose."""

    name: str
    example: int | str
    summary: str
    seed: int
    params: Mapping[str, Any]
    run: Runner
    expected: Expected
    quirks: tuple[str, ...] = ()
