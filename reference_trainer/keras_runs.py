"""Fitting a Keras model with the callbacks that write its logs.

``CSVLogger`` writes ``log.csv`` and ``TensorBoard`` writes ``tb/train`` and ``tb/validation``,
so those files are Keras' own output, not an imitation.

The articles call ``model.fit(X, y, batch_size=32, validation_split=0.2)`` on NumPy arrays. Here
the same data go through ``tf.data`` with the same semantics: the validation rows are the *last*
``validation_split`` share taken before shuffling (Keras' rule), the training rows are reshuffled
every epoch, batches have ``batch_size`` rows (32 when unset, as in Keras). Keras 3 rebuilds its
array pipeline every epoch, which made a 100-epoch run of four samples take 8-25 s on this
machine instead of about 1.5 s; the curves have the same meaning, not the same random draws.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from reference_trainer.data import keras_validation_split


def dense_model(
    n_inputs: int,
    hidden: Sequence[tuple[int, str]],
    output_activation: str | None = None,
):
    """``Sequential([Dense(units, activation), ..., Dense(1, output_activation)])``."""
    import keras

    layers = [keras.Input((n_inputs,))]
    layers += [keras.layers.Dense(units, activation=act) for units, act in hidden]
    layers.append(keras.layers.Dense(1, activation=output_activation))
    return keras.Sequential(layers)


def fit(
    out_dir: Path,
    model,
    x: np.ndarray,
    y: np.ndarray,
    *,
    optimizer,
    loss: str,
    epochs: int,
    batch_size: int | None = None,
    metrics: Sequence[str] = (),
    validation_split: float | None = None,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    callbacks: Sequence = (),
    seed: int = 0,
) -> dict[str, list[float]]:
    """Compile and fit ``model``, writing ``log.csv`` and ``tb/`` into ``out_dir``.

    Returns ``history.history`` with plain floats.
    """
    import keras
    import tensorflow as tf

    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics))
    logging = [
        keras.callbacks.CSVLogger(str(out_dir / "log.csv")),
        keras.callbacks.TensorBoard(log_dir=str(out_dir / "tb")),
        *callbacks,
    ]
    if validation_split:
        # Keras' own rule: the last rows, taken before any shuffling.
        cut = keras_validation_split(len(x), validation_split)
        x, y, validation_data = x[:cut], y[:cut], (x[cut:], y[cut:])
    train = (
        tf.data.Dataset.from_tensor_slices((x.astype("float32"), y.astype("float32")))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size or 32)
    )
    val = None
    if validation_data is not None:
        vx, vy = validation_data
        val = tf.data.Dataset.from_tensor_slices(
            (vx.astype("float32"), vy.astype("float32"))
        ).batch(batch_size or 32)
    history = model.fit(
        train, validation_data=val, epochs=epochs, callbacks=logging, verbose=0, shuffle=False
    )
    return {key: [float(v) for v in values] for key, values in history.history.items()}
