"""The reference trainer's pairs are compared as their curves show (read through the manifest,
whose facts are computed by the trainer with code the analyzer does not share)."""

from __future__ import annotations

import pytest

import analyzer
from analyzer.compare import Outcome, Verdict
from tests.reference_trainer.fixtures import FIXTURES, entries


def _scenario(name: str) -> dict:
    entry = next((e for e in entries() if e["name"] == name), None)
    if entry is None:
        pytest.skip(f"{name} is not in the manifest (being regenerated?)")
    return entry


def _run(name: str) -> tuple[str, str]:
    entry = _scenario(name)
    assert "log.csv" in entry["files"]
    return name, str(FIXTURES / name / "log.csv")


def _pair(a: str, b: str, **options):
    return analyzer.compare([_run(a), _run(b)], **options)


@pytest.mark.parametrize("suffix", ["", "_val"])
def test_normalized_inputs_beat_unnormalized(suffix):
    minmax, unscaled = f"ex4_minmax{suffix}", f"ex4_unscaled{suffix}"
    key = "val_loss_min" if suffix else "loss_min"
    assert _scenario(minmax)["facts"][key] < _scenario(unscaled)["facts"][key]
    c = _pair(unscaled, minmax)
    assert c.verdict is Verdict.CLEAR_WINNER and c.winner == minmax
    assert c.metric == ("val_loss" if suffix else "loss")
    d = c.difference(minmax, unscaled)
    assert d.outcome is Outcome.A_BETTER and d.p_adjusted < 1e-6 and d.ratio < 1e-3


@pytest.mark.parametrize("suffix", ["", "_val"])
def test_the_low_learning_rate_is_slower(suffix):
    fast, slow = f"ex6_lr_0.1{suffix}", f"ex6_lr_1e-4{suffix}"
    facts = _scenario(slow)["facts"]
    # Independent reason: the slow run is still at its minimum at the last epoch (still falling).
    assert facts["loss_argmin"] == facts["epochs"] - 1
    c = _pair(slow, fast)
    assert c.winner == fast
    f, s = c.run(fast).measures, c.run(slow).measures
    assert f.target_reached_at.value + 20 < s.target_reached_at.value
    assert f.time_constant.high < s.time_constant.low  # intervals apart
    assert any(f"{slow} is slower" in n for n in c.notes)


def test_sigmoid_and_relu_on_random_labels_show_no_meaningful_difference():
    sigmoid, relu = "ex5_sigmoid_val", "ex5_relu_val"
    baseline = _scenario(sigmoid)["baseline"]["validation"]
    for name in (sigmoid, relu):  # both never beat predicting the label frequency by > 1%
        assert _scenario(name)["facts"]["val_loss_min"] > 0.99 * baseline
    c = _pair(sigmoid, relu)
    assert c.verdict in (Verdict.EQUIVALENT, Verdict.NO_SIGNIFICANT_DIFFERENCE)
    assert c.winner is None and {r.rank for r in c.runs} == {1}
    assert c.difference(sigmoid, relu).outcome in (
        Outcome.EQUIVALENT, Outcome.NO_SIGNIFICANT_DIFFERENCE,
    )  # fmt: skip
    # Each run's own diagnosis is part of the answer: relu memorizes after its minimum.
    assert c.run(relu).measures.final.value > c.run(sigmoid).measures.final.value
