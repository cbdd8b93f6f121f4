"""The same numbers written as a Keras CSV, a Keras history JSON, TensorBoard event files and
TensorBoard downloads must load as the same TrainingLog."""

import json

import numpy as np
import pytest

from analyzer.ingest import load

tensorboardX = pytest.importorskip("tensorboardX")

EPOCHS = 12
RNG = np.random.default_rng(11)
# float32-exact values, so event files (which store float32) carry the very same numbers.
LOSS = np.sort(RNG.uniform(0.1, 2.0, EPOCHS).astype(np.float32))[::-1].astype(np.float64)
VAL = (LOSS + RNG.uniform(0.0, 0.3, EPOCHS)).astype(np.float32).astype(np.float64)
VAL[5] = np.nan  # non-finite values survive every format


def keras_csv(path):
    rows = ["epoch,loss,val_loss"]
    rows += [f"{e},{LOSS[e]!r},{VAL[e]!r}" for e in range(EPOCHS)]
    path.write_text("\n".join(rows) + "\n")
    return path


def keras_json(path):
    # json.dump writes NaN as a bare token, as Keras users' files have it.
    path.write_text(json.dumps({"loss": LOSS.tolist(), "val_loss": VAL.tolist()}))
    return path


def event_dir(root):
    for split, values in (("train", LOSS), ("validation", VAL)):
        writer = tensorboardX.SummaryWriter(str(root / split))
        for epoch, value in enumerate(values):
            writer.add_scalar("epoch_loss", float(value), epoch)
        writer.close()
    return root


def tb_downloads(root):
    files = []
    for split, values in (("train", LOSS), ("validation", VAL)):
        path = root / f"run-demo_{split}-tag-epoch_loss.csv"
        rows = ["Wall time,Step,Value"]
        rows += [f"{1.7e9 + e},{e},{values[e]!r}" for e in range(EPOCHS)]
        path.write_text("\n".join(rows) + "\n")
        files.append(path)
    return files


def _core(log):
    out = {}
    for name in ("loss", "val_loss"):
        s = log.by_name(name)
        assert s is not None, f"{log.source_format}: no {name}"
        out[name] = (s.steps, s.values, s.metric, s.split, s.granularity)
    return out


def test_every_format_gives_the_same_log(tmp_path):
    loaded = {
        "csv": load(keras_csv(tmp_path / "log.csv")),
        "json": load(keras_json(tmp_path / "history.json")),
        "events": load(event_dir(tmp_path / "tb")),
        "downloads": load(tb_downloads(tmp_path)),
    }
    reference = _core(loaded["csv"])
    np.testing.assert_array_equal(reference["loss"][1], LOSS)
    np.testing.assert_array_equal(reference["val_loss"][1], VAL)
    np.testing.assert_array_equal(reference["loss"][0], np.arange(EPOCHS))
    for kind, log in loaded.items():
        core = _core(log)
        for name in ("loss", "val_loss"):
            steps, values, metric, split, granularity = core[name]
            ref = reference[name]
            np.testing.assert_array_equal(steps, ref[0], err_msg=f"{kind} {name} steps")
            np.testing.assert_array_equal(values, ref[1], err_msg=f"{kind} {name} values")
            assert (metric, split, granularity) == ref[2:], kind
