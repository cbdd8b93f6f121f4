"""``analyzer-cli explain CODE`` and ``--list-detectors``: the detectors' own documentation
(:data:`analyzer.detectors.SPECS`), so the CLI never restates what a finding means."""

from __future__ import annotations

import argparse
import difflib
import textwrap
from collections.abc import Sequence

from analyzer.detectors import SPECS
from analyzer.detectors.base import DetectorSpec
from analyzer.errors import InputError
from analyzer.model.findings import Code
from analyzer.render.text import WIDTH


def find_code(text: str) -> Code:
    """The code ``text`` names, in any case and with ``-`` or spaces for ``_``; a typo is an
    error that suggests the nearest codes."""
    key = text.strip().upper().replace("-", "_").replace(" ", "_")
    if key in Code.__members__:
        return Code(key)
    near = difflib.get_close_matches(key, list(Code.__members__), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    raise InputError(
        f"unknown finding code '{text}'{hint} (analyzer-cli --list-detectors lists them)"
    )


def describe(spec: DetectorSpec) -> str:
    """A finding's documentation as text."""

    def para(title: str, body: str) -> list[str]:
        return [f"{title}:", textwrap.indent(textwrap.fill(body, WIDTH - 2), "  ")]

    lines = [f"{spec.code}: {spec.title} (usually {spec.severity.label})", ""]
    for title, body in (
        ("What it detects", spec.what),
        ("Why it matters", spec.why),
        ("Evidence", spec.evidence),
        ("What to do", spec.remedy),
    ):
        lines += [*para(title, body), ""]
    if spec.superseded_by:
        lines.append(f"Not reported when {', '.join(spec.superseded_by)} is.")
    return "\n".join(lines).rstrip()


def list_detectors() -> str:
    """One line per finding code: code, usual severity, title."""
    width = max(len(c) for c in SPECS) + 2
    return "\n".join(
        f"{spec.code:<{width}}{spec.severity.label:<10}{spec.title}" for spec in SPECS.values()
    )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="analyzer-cli explain",
        description="Print what a finding means, why it matters, its evidence and what to do.",
    )
    parser.add_argument("code", metavar="CODE", help="a finding code, e.g. OVERFITTING")
    args = parser.parse_args(argv)
    print(describe(SPECS[find_code(args.code)]))
    return 0
