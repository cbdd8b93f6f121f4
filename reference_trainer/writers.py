"""Every log format a run is saved in, besides what Keras' own callbacks write.

Keras runs get ``log.csv`` from ``CSVLogger`` and ``tb/`` from the ``TensorBoard`` callback;
scikit-learn runs get the same files from :func:`write_keras_csv` and :func:`write_summaries`,
which copy those callbacks' layout. Both kinds then get ``history.json`` and the TensorBoard
UI-style downloads, which :func:`write_downloads` reads back from the event files, as the UI does.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from pathlib import Path

History = Mapping[str, Sequence[float]]

#: The TensorBoard tag both writers use for the loss, and the two run subdirectories.
LOSS_TAG = "epoch_loss"
SPLIT_DIRS = ("train", "validation")


def write_keras_csv(path: Path, history: History) -> None:
    """Write ``history`` as Keras 3's ``CSVLogger`` does.

    Its rules, kept here: columns are ``epoch`` then the sorted metric names; when there is no
    ``val_`` metric at all, a ``val_<name>`` column filled with ``NA`` is added for each one;
    epochs count from 0; values are ``str(float)`` (``nan`` for NaN); rows end with ``\\r\\n``
    (the ``csv.excel`` dialect).
    """
    keys = sorted(history)
    if not any(key.startswith("val_") for key in keys):
        keys += [f"val_{key}" for key in keys]
    epochs = max(len(values) for values in history.values())
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["epoch", *keys], dialect=csv.excel)
        writer.writeheader()
        for epoch in range(epochs):
            row: dict[str, object] = {"epoch": epoch}
            for key in keys:
                values = history.get(key, ())
                row[key] = float(values[epoch]) if epoch < len(values) else "NA"
            writer.writerow(row)


def write_history_json(path: Path, history: History) -> None:
    """``json.dump(history.history)``: bare ``NaN``/``Infinity`` tokens stay, as users have them."""
    plain = {key: [float(v) for v in values] for key, values in history.items()}
    with path.open("w") as handle:
        json.dump(plain, handle)


def write_summaries(tb_dir: Path, history: History) -> None:
    """Write ``history`` as the Keras ``TensorBoard`` callback lays it out.

    ``tb/train`` holds ``epoch_<name>`` scalars and ``tb/validation`` the ``val_<name>`` ones
    under the same tags, step = epoch from 0, written with ``tf.summary.scalar`` (float32).
    """
    import tensorflow as tf

    for split in SPLIT_DIRS:
        prefix = "val_" if split == "validation" else ""
        series = {
            key[len(prefix) :]: values
            for key, values in history.items()
            if key.startswith(prefix) and (prefix or not key.startswith("val_"))
        }
        if not series:
            continue
        writer = tf.summary.create_file_writer(str(tb_dir / split))
        with writer.as_default():
            for name, values in series.items():
                for epoch, value in enumerate(values):
                    tf.summary.scalar(f"epoch_{name}", float(value), step=epoch)
        writer.close()


def read_scalar_events(run_dir: Path, tag: str) -> list[list[float]]:
    """``[[wall_time, step, value], ...]`` for ``tag`` in one TensorBoard run directory.

    Reads with TensorBoard's own ``EventAccumulator`` (keeping every point), so the downloads
    hold exactly what the UI would show: float32 values widened to Python floats.
    """
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.util import tensor_util

    accumulator = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={event_accumulator.TENSORS: 0}
    )
    accumulator.Reload()
    return [
        [event.wall_time, event.step, tensor_util.make_ndarray(event.tensor_proto).item()]
        for event in accumulator.Tensors(tag)
    ]


def download_stem(scenario: str, split: str, tag: str = LOSS_TAG) -> str:
    """The UI's download name: ``run-<run>-tag-<tag>``, ``/`` in the run name turned to ``_``."""
    return f"run-{scenario}_{split}-tag-{tag}"


def write_downloads(out_dir: Path, scenario: str, tb_dir: Path) -> list[str]:
    """Write the UI's CSV (``Wall time,Step,Value``) and JSON downloads for each split.

    Returns the file names written. The CSV uses Python's ``csv.writer`` as TensorBoard's
    scalars plugin does (hence ``\\r\\n`` line ends); the JSON is ``json.dumps`` of the rows.
    """
    written = []
    for split in SPLIT_DIRS:
        if not (tb_dir / split).is_dir():
            continue
        rows = read_scalar_events(tb_dir / split, LOSS_TAG)
        stem = download_stem(scenario, split)
        with (out_dir / f"{stem}.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["Wall time", "Step", "Value"])
            writer.writerows(rows)
        (out_dir / f"{stem}.json").write_text(json.dumps(rows))
        written += [f"{stem}.csv", f"{stem}.json"]
    return written
