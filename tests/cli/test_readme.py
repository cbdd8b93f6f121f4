"""The README shows what the CLI really does."""

from __future__ import annotations

import re

from analyzer.cli.options import build_parser
from tests.cli.conftest import EXAMPLE, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_shows_the_real_verdict_and_primary_finding(cli):
    block = README.split("`make run` is `analyzer-cli examples/keras_overfitting.csv`")[1]
    shown = block.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    real = cli(EXAMPLE).out.splitlines()
    # The verdict and the finding to fix first; evidence wording may be tuned between releases.
    assert shown[:5] == real[:5]


def test_every_option_in_the_readme_exists():
    known = {s for a in build_parser()._actions for s in a.option_strings}
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    mentioned = set(re.findall(r"`(--[a-z-]+)", section))
    assert mentioned and mentioned <= known


def test_the_plot_picture_is_there():
    assert "![" in README and "(docs/images/overfitting.png)" in README
    assert (ROOT / "docs/images/overfitting.png").read_bytes()[:4] == b"\x89PNG"
