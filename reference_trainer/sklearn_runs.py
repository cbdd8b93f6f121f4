"""scikit-learn fits, and the per-epoch curves a closed-form or ``fit()`` call does not give.

A learning curve needs a loss after every epoch on both splits. ``LinearRegression`` solves least
squares in one step, so the same linear model is also fitted by ``SGDRegressor.partial_fit``, one
pass over the training data per call. ``MLPRegressor.fit`` records only ``loss_curve_`` (training
loss, and it is *half* the MSE plus the L2 penalty); one ``partial_fit`` call per epoch is the
same Adam update over the same shuffled mini-batches, so measuring both splits after each call
gives the validation curve. Losses here are plain MSE from ``mean_squared_error`` on the
predictions at the end of each epoch (Keras instead averages the training loss over the epoch's
batches while the weights move).
"""

from __future__ import annotations

import warnings

import numpy as np


def _mse(model, x: np.ndarray, y: np.ndarray) -> float:
    from sklearn.metrics import mean_squared_error

    return float(mean_squared_error(y, model.predict(x)))


def linear_regression(x_train, y_train, x_test, y_test) -> dict[str, float]:
    """The article's closed-form fit: its train and test MSE."""
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(x_train, y_train)
    return {"train_mse": _mse(model, x_train, y_train), "test_mse": _mse(model, x_test, y_test)}


def sgd_linear_curve(x_train, y_train, x_val, y_val, *, epochs: int, seed: int) -> dict:
    """The same linear model fitted by SGD, one ``partial_fit`` pass per epoch."""
    from sklearn.linear_model import SGDRegressor

    model = SGDRegressor(random_state=seed)
    history: dict[str, list[float]] = {"loss": [], "val_loss": []}
    for _ in range(epochs):
        model.partial_fit(x_train, y_train)
        history["loss"].append(_mse(model, x_train, y_train))
        history["val_loss"].append(_mse(model, x_val, y_val))
    return history


def mlp_fit(x_train, y_train, x_test, y_test, *, seed: int, **params) -> tuple[dict, dict]:
    """The article's ``MLPRegressor(...).fit``: ``loss_curve_`` is the only curve it keeps."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPRegressor

    model = MLPRegressor(random_state=seed, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    results = {
        "n_iter": int(model.n_iter_),
        "train_mse": _mse(model, x_train, y_train),
        "test_mse": _mse(model, x_test, y_test),
    }
    return {"loss": [float(v) for v in model.loss_curve_]}, results


def mlp_partial_fit_curve(
    x_train, y_train, x_val, y_val, *, epochs: int, seed: int, **params
) -> tuple[dict, list[float]]:
    """One ``partial_fit`` per epoch, with MSE on both splits after each.

    Also returns the model's own ``loss_curve_``, so the trajectory can be compared with the
    faithful ``fit()`` run (``partial_fit`` skips only ``fit``'s tolerance-based stopping).
    """
    from sklearn.neural_network import MLPRegressor

    params = {k: v for k, v in params.items() if k != "max_iter"}
    model = MLPRegressor(random_state=seed, **params)
    history: dict[str, list[float]] = {"loss": [], "val_loss": []}
    for _ in range(epochs):
        model.partial_fit(x_train, y_train)
        history["loss"].append(_mse(model, x_train, y_train))
        history["val_loss"].append(_mse(model, x_val, y_val))
    return history, [float(v) for v in model.loss_curve_]
