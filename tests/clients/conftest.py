"""Real servers on 127.0.0.1 port 0 for the client tests (the service suite's ServerThread)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.service.conftest import ServerThread

ROOT = Path(__file__).resolve().parents[2]
KERAS_CSV = ROOT / "examples" / "keras_overfitting.csv"


@pytest.fixture(scope="module")
def server():
    with ServerThread() as running:
        yield running


def epochs(path: Path = KERAS_CSV) -> list[tuple[float, dict[str, float]]]:
    """The rows of a Keras CSVLogger file as (epoch, {metric: value}), as a callback sees them."""
    with path.open(newline="") as handle:
        return [
            (float(row.pop("epoch")), {name: float(value) for name, value in row.items()})
            for row in csv.DictReader(handle)
        ]
