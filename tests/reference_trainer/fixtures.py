"""Readers for the committed reference fixtures that share no code with the trainer or the
analyzer: ``json``, ``pandas`` and TensorBoard's own ``EventAccumulator``."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "reference"


@cache
def manifest() -> dict:
    return json.loads((FIXTURES / "manifest.json").read_text())


def entries() -> list[dict]:
    return manifest()["scenarios"]


def read_history(path: Path) -> dict[str, np.ndarray]:
    """history.json as arrays (``json`` accepts the bare NaN/Infinity tokens)."""
    return {k: np.asarray(v, dtype=float) for k, v in json.loads(path.read_text()).items()}


def read_log_csv(path: Path) -> dict[str, np.ndarray]:
    """log.csv with pandas; ``NA`` columns (no validation data) are dropped."""
    frame = pd.read_csv(path)
    assert list(frame["epoch"]) == list(range(len(frame)))
    return {
        c: frame[c].to_numpy(dtype=float)
        for c in frame.columns
        if c != "epoch" and not frame[c].isna().all()
    }


def read_download_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(path)
    assert list(frame.columns) == ["Wall time", "Step", "Value"]
    return frame["Step"].to_numpy(), frame["Value"].to_numpy(dtype=float)


def read_download_json(path: Path) -> tuple[np.ndarray, np.ndarray]:
    rows = np.asarray(json.loads(path.read_text()), dtype=float).reshape(-1, 3)
    return rows[:, 1], rows[:, 2]


def split_series(entry: dict) -> dict[str, str]:
    """``{"train": "loss", "validation": "val_loss"}`` for the splits the run has."""
    history = read_history(FIXTURES / entry["name"] / "history.json")
    return {"train": "loss", **({"validation": "val_loss"} if "val_loss" in history else {})}
