"""Runners: turn a scenario's parameters into data, a model and a finished run.

Each runner takes ``(params, seed, out_dir)`` and returns an :class:`Outcome`; the parameters
are recorded verbatim in the manifest, so they say everything that differs between scenarios.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from reference_trainer import data, keras_runs, sklearn_runs
from reference_trainer.runtime import seed_everything
from reference_trainer.scenario import Outcome


def _split(x, y, seed: int, test_size: float = 0.2):
    from sklearn.model_selection import train_test_split

    return train_test_split(x, y, test_size=test_size, random_state=seed)


def linear_sgd(params: Mapping[str, Any], seed: int, out_dir: Path) -> Outcome:
    """Example 1: closed-form ``LinearRegression`` scores, plus the SGD curve of that model."""
    x, y = data.article_parabola(seed)
    x_train, x_test, y_train, y_test = _split(x, y, seed)
    results = {
        "linear_regression": sklearn_runs.linear_regression(x_train, y_train, x_test, y_test)
    }
    history = sklearn_runs.sgd_linear_curve(
        x_train, y_train, x_test, y_test, epochs=params["epochs"], seed=seed
    )
    return Outcome(history, "sklearn", data.mse_baseline(y_train, y_test), results)


def mlp_fit(params: Mapping[str, Any], seed: int, out_dir: Path) -> Outcome:
    """Example 2 as written: ``fit()``, whose ``loss_curve_`` has no validation counterpart."""
    x_train, x_test, y_train, y_test = _split(*data.uniform_noise(seed, params["n"]), seed)
    history, results = sklearn_runs.mlp_fit(
        x_train, y_train, x_test, y_test, seed=seed, **params["mlp"]
    )
    return Outcome(history, "sklearn", data.mse_baseline(y_train, None), results)


def mlp_curve(params: Mapping[str, Any], seed: int, out_dir: Path) -> Outcome:
    """Example 2 with a validation curve: ``partial_fit`` per epoch, for as many epochs as the
    faithful ``fit()`` ran before its tolerance stopped it."""
    x_train, x_test, y_train, y_test = _split(*data.uniform_noise(seed, params["n"]), seed)
    fit_curve, faithful = sklearn_runs.mlp_fit(
        x_train, y_train, x_test, y_test, seed=seed, **params["mlp"]
    )
    history, loss_curve = sklearn_runs.mlp_partial_fit_curve(
        x_train, y_train, x_test, y_test, epochs=faithful["n_iter"], seed=seed, **params["mlp"]
    )
    same = np.allclose(loss_curve, fit_curve["loss"], rtol=1e-12, atol=0)
    results = {"fit": faithful, "partial_fit_follows_fit_trajectory": bool(same)}
    return Outcome(history, "sklearn", data.mse_baseline(y_train, y_test), results)


def _keras_data(spec: Mapping[str, Any], seed: int):
    """``(x, y, validation_data)`` for a data spec; see the scenario table for the kinds."""
    kind = spec["kind"]
    if kind == "article_ex2_train":
        x_train, _, y_train, _ = _split(*data.uniform_noise(seed, spec["n"]), seed)
        return x_train, y_train, None
    if kind == "uniform_noise":
        return (*data.uniform_noise(seed, spec["n"]), None)
    if kind == "random_labels":
        return (*data.random_labels(seed, spec["n"]), None)
    if kind == "article_ex4":
        x = np.array([[1000.0], [2000.0], [3000.0], [4000.0]])
        y = np.array([1.0, 2.0, 3.0, 4.0])
        if spec.get("scaler") == "minmax":
            from sklearn.preprocessing import MinMaxScaler

            # As in the article: the scaler is fitted on all rows, validation row included.
            x = MinMaxScaler().fit_transform(x)
        return x, y, None
    if kind == "learnable_regression":
        x, y = data.learnable_regression(seed, spec["n"], spec["noise"])
        val = data.learnable_regression(seed + 1, spec["val_n"], spec["noise"])
        return x, y, val
    if kind == "learnable_labels":
        x, y = data.learnable_labels(seed, spec["n"])
        return x, y, data.learnable_labels(seed + 1, spec["val_n"])
    raise ValueError(f"unknown data kind {kind!r}")


def _optimizer(spec: Mapping[str, Any]):
    import keras

    if spec["name"] == "adam":
        return keras.optimizers.Adam(learning_rate=spec.get("learning_rate", 0.001))
    if spec["name"] == "sgd":
        return keras.optimizers.SGD(
            learning_rate=spec["learning_rate"], momentum=spec.get("momentum", 0.0)
        )
    raise ValueError(f"unknown optimizer {spec['name']!r}")


def _fit_keras(params: Mapping[str, Any], seed: int, out_dir: Path, callbacks=()) -> Outcome:
    seed_everything(seed)
    x, y, val = _keras_data(params["data"], seed)
    split = params.get("validation_split")
    if split:
        cut = data.keras_validation_split(len(x), split)
        y_fit, y_val = y[:cut], y[cut:]
    else:
        y_fit, y_val = y, (val[1] if val is not None else None)
    baseline_of = (
        data.bce_baseline if params["loss"] == "binary_crossentropy" else data.mse_baseline
    )
    model = keras_runs.dense_model(
        x.shape[1], [tuple(h) for h in params["hidden"]], params.get("output_activation")
    )
    history = keras_runs.fit(
        out_dir,
        model,
        x,
        y,
        optimizer=_optimizer(params["optimizer"]),
        loss=params["loss"],
        epochs=params["epochs"],
        batch_size=params.get("batch_size"),
        metrics=params.get("metrics", ()),
        validation_split=split,
        validation_data=val,
        callbacks=callbacks,
        seed=seed,
    )
    return Outcome(history, "keras", baseline_of(y_fit, y_val))


def keras(params: Mapping[str, Any], seed: int, out_dir: Path) -> Outcome:
    """A Keras ``Dense`` stack as described by ``params`` (data, hidden layers, optimizer...)."""
    early = params.get("early_stopping")
    if not early:
        return _fit_keras(params, seed, out_dir)
    import keras as keras_lib

    stopper = keras_lib.callbacks.EarlyStopping(**early)
    outcome = _fit_keras(params, seed, out_dir, callbacks=[stopper])
    # The same seeded run without the callback: what stopping gave up. Identical up to the
    # stopping epoch (checked), so the comparison is fair.
    with tempfile.TemporaryDirectory() as tmp:
        full = _fit_keras(params, seed, Path(tmp)).history
    stopped = len(outcome.history["val_loss"])
    val = np.asarray(full["val_loss"])
    outcome.results["without_early_stopping"] = {
        "identical_until_stop": bool(
            np.allclose(full["val_loss"][:stopped], outcome.history["val_loss"], rtol=1e-6)
        ),
        "val_loss_min": float(val.min()),
        "val_loss_argmin": int(val.argmin()),
        "val_loss_last": float(val[-1]),
        "epochs": len(val),
    }
    return outcome
