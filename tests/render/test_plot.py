"""The picture: curves with the diagnosis marked where the findings say, at a known size."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from analyzer.errors import InputError
from analyzer.render import plot
from tests.render.samples import BEST, EPOCHS, ONSET, PLATEAU, SPIKES, sample_diagnosis, sample_log


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR), read without matplotlib."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def _artists(fig, gid: str) -> list:
    ax = fig.axes[0]
    return [a for a in [*ax.lines, *ax.patches, *ax.collections] if a.get_gid() == gid]


def _span(rectangle) -> tuple[float, float]:
    """The x range an ``axvspan`` rectangle covers."""
    return rectangle.get_x(), rectangle.get_x() + rectangle.get_width()


def test_markers_sit_where_the_findings_say():
    log, diagnosis = sample_log(), sample_diagnosis()
    fig = plot.figure(log, diagnosis)
    ax = fig.axes[0]
    curves = {a.get_gid(): a for a in ax.lines if (a.get_gid() or "").startswith("curve:")}
    assert set(curves) == {"curve:loss", "curve:val_loss"}
    np.testing.assert_array_equal(curves["curve:loss"].get_ydata(), log.by_name("loss").values)

    best_line, best_star = _artists(fig, "best")
    assert list(best_line.get_xdata()) == [BEST, BEST]
    assert list(best_star.get_xdata()) == [BEST]
    assert list(best_star.get_ydata()) == [diagnosis.summary.best_val_loss]

    (onset,) = _artists(fig, "onset")
    assert list(onset.get_xdata()) == [ONSET, ONSET]
    (after,) = _artists(fig, "overfit")
    assert _span(after) == (ONSET, EPOCHS - 1)

    (spikes,) = _artists(fig, "spike")
    assert list(spikes.get_xdata()) == list(SPIKES)
    train = log.by_name("loss").values
    assert list(spikes.get_ydata()) == [train[int(s)] for s in SPIKES]

    (plateau,) = _artists(fig, "plateau")
    assert _span(plateau) == PLATEAU

    labels = ax.get_legend_handles_labels()[1]
    assert "best epoch 24" in labels and "overfitting from epoch 20" in labels
    assert fig.texts[0].get_text() == "sample: NEEDS ATTENTION"


def test_saved_png_has_the_documented_size(tmp_path):
    path = plot.save(sample_log(), sample_diagnosis(), tmp_path / "run.png")
    width, height = _png_size(path)
    assert (width, height) == (round(plot.FIGSIZE[0] * plot.DPI), round(plot.FIGSIZE[1] * plot.DPI))
    assert path.stat().st_size > 20_000  # curves and markers, not an empty canvas


def test_unknown_extension_is_refused_before_drawing(tmp_path):
    with pytest.raises(InputError, match=r"run\.pgn: cannot tell the picture format"):
        plot.check_path(tmp_path / "run.pgn")


def test_unwritable_target_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot write the plot"):
        plot.save(sample_log(), sample_diagnosis(), tmp_path / "missing" / "run.png")
