"""The data sets: the articles' (mostly random, so nothing to learn) and learnable ones for the
phenomenon variants. Every function draws from its own ``default_rng(seed)``."""

from __future__ import annotations

import math

import numpy as np


def keras_validation_split(n: int, validation_split: float) -> int:
    """Where Keras' ``validation_split`` cuts: rows ``[split_at:]`` are validation data."""
    return math.floor(n * (1.0 - validation_split))


def article_parabola(seed: int, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Example 1: ``X = linspace(-5, 5, 100)``, ``y = X**2 + normal(0, 5)`` per sample."""
    rng = np.random.default_rng(seed)
    x = np.linspace(-5, 5, n).reshape(-1, 1)
    return x, x.ravel() ** 2 + rng.normal(0, 5, n)


def uniform_noise(seed: int, n: int, features: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``rand(n, features)`` inputs with ``rand(n)`` targets, independent of them."""
    rng = np.random.default_rng(seed)
    return rng.random((n, features)), rng.random(n)


def random_labels(seed: int, n: int, features: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``rand(n, features)`` inputs with fair-coin 0/1 labels, independent of them."""
    rng = np.random.default_rng(seed)
    return rng.random((n, features)), rng.integers(0, 2, n).astype(np.float64)


def learnable_regression(
    seed: int, n: int, noise: float, features: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Standard-normal inputs; target = a fixed linear part plus a smooth non-linear one,
    plus Gaussian noise of standard deviation ``noise`` (so the best possible MSE is
    ``noise**2``). The signal has variance about 1.3."""
    rng = np.random.default_rng(seed)
    weights = np.random.default_rng(12345).normal(0, 1, features) / math.sqrt(features)
    x = rng.normal(0, 1, (n, features))
    signal = x @ weights + 0.5 * np.sin(2 * x[:, 0]) + 0.3 * x[:, 1] * x[:, 2]
    return x, signal + rng.normal(0, noise, n)


def learnable_labels(seed: int, n: int, features: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Balanced 0/1 labels given by the sign of a fixed linear function of normal inputs."""
    rng = np.random.default_rng(seed)
    weights = np.random.default_rng(12345).normal(0, 1, features)
    x = rng.normal(0, 1, (n, features))
    return x, (x @ weights > 0).astype(np.float64)


def mse_baseline(y_train: np.ndarray, y_val: np.ndarray | None) -> dict:
    """MSE of the best constant prediction (the training mean) on each split: the loss a model
    that learned nothing from the inputs reaches. On the training split it is ``Var(y)``."""
    mean = float(np.mean(y_train))
    return {
        "kind": "mse_constant_predictor",
        "train": float(np.var(y_train)),
        "validation": None if y_val is None else float(np.mean((y_val - mean) ** 2)),
    }


def bce_baseline(y_train: np.ndarray, y_val: np.ndarray | None) -> dict:
    """Binary cross-entropy of always predicting the training positive rate ``p`` (about
    ln 2 = 0.693 for balanced labels)."""
    p = float(np.clip(np.mean(y_train), 1e-7, 1 - 1e-7))

    def bce(y: np.ndarray) -> float:
        return float(-np.mean(y * math.log(p) + (1 - y) * math.log(1 - p)))

    return {
        "kind": "bce_constant_predictor",
        "train": bce(y_train),
        "validation": None if y_val is None else bce(y_val),
    }
