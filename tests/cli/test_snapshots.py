"""Snapshots of what a person reads: the text report, the Markdown comment, the --each table.

The findings come from a hand-made diagnosis (``tests.render.samples``, through a fixed
backend) or from an input too short to judge, so detector tuning cannot change them; a change
here is a change of presentation, to be reviewed. The files live in ``tests/cli/snapshots``;
``UPDATE_SNAPSHOTS=1 pytest tests/cli/test_snapshots.py`` rewrites them (then read the diff).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "snapshots"
SHORT_LOG = b"epoch,loss,val_loss\n0,1.0,1.1\n1,0.9,1.0\n2,0.8,0.9\n"


def _check(name: str, actual: str) -> None:
    path = SNAPSHOTS / name
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}; create it with UPDATE_SNAPSHOTS=1 and review it")
    assert actual == path.read_text(encoding="utf-8"), f"{name} changed (UPDATE_SNAPSHOTS=1)"


@pytest.mark.usefixtures("fixed_backend")
@pytest.mark.parametrize(
    ("name", "argv"),
    [
        ("sample.txt", ("sample.csv",)),
        ("sample.md", ("sample.csv", "-o", "markdown")),
        ("each.txt", ("--each", "sample.csv", "bad.csv")),
        ("each.md", ("--each", "sample.csv", "bad.csv", "-o", "markdown")),
    ],
)
def test_fixed_diagnosis(cli, name, argv):
    _check(name, cli(*argv).out)


def test_too_short_to_judge(cli):
    result = cli("-", stdin=SHORT_LOG)
    assert result.code == 0
    _check("insufficient.txt", result.out)
