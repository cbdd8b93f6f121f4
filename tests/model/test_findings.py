"""Evidence says whether its criterion held, so a finding resting on one of several
alternative criteria does not read as if an unmet one were required."""

import math

import pytest

from analyzer.model.findings import Evidence


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        (Evidence("rise", 0.4, threshold=0.1, comparison=">="), "value >= 0.1: met"),
        (Evidence("giveback", 0.18, threshold=0.5, comparison=">="), "value >= 0.5: not met"),
        (
            Evidence(
                "z", 4.3, p_value=7e-6, threshold=0.05, comparison="<", threshold_on="p_value"
            ),
            "p < 0.05: met",
        ),
        (Evidence("z", math.nan, threshold=0.05, comparison="<"), "value < 0.05"),
        (Evidence("plain", 3.0), None),
    ],
)
def test_criterion_states_the_threshold_and_whether_it_held(evidence, expected):
    assert evidence.criterion() == expected
