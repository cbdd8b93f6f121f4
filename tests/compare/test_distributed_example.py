"""The Dask example runs locally and gives the same comparison as analyzer.compare."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from analyzer.compare import compare, comparison_to_dict
from analyzer.testing.synthetic import case

pytest.importorskip("dask")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "distributed" / "compare_sweep.py"


def _example():
    spec = importlib.util.spec_from_file_location("compare_sweep", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_sweep(root: Path, runs: int) -> list[str]:
    paths = []
    for i in range(runs):
        log = case("healthy", seed=i, length=50).log
        loss, val = log.by_name("loss"), log.by_name("val_loss")
        table = zip(loss.steps, loss.values, val.values, strict=True)
        rows = [f"{int(e)},{a!r},{b!r}" for e, a, b in table]
        path = root / f"run{i:02d}" / "log.csv"
        path.parent.mkdir()
        path.write_text("epoch,loss,val_loss\n" + "\n".join(rows) + "\n")
        paths.append(str(path))
    return paths


@pytest.mark.slow
def test_dask_map_over_runs_matches_compare(tmp_path, capsys):
    paths = _write_sweep(tmp_path, 12)
    example = _example()
    with_dask = example.compare_with_dask(paths, scheduler="processes", partitions=3)
    local = compare(paths, workers=1)
    assert comparison_to_dict(with_dask) == comparison_to_dict(local)
    assert with_dask.pairs == "best_and_adjacent" and len(with_dask.runs) == 12
    assert np.all(np.diff([r.rank for r in with_dask.runs]) >= 0)
    assert example.main([str(tmp_path / "run0*" / "log.csv")]) == 0
    assert "Compared 10 runs" in capsys.readouterr().out
