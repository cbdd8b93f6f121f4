"""``python -m reference_trainer``: regenerate the reference logs and their manifest."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reference_trainer.runtime import configure, quiet_tensorflow
from reference_trainer.scenarios import SCENARIOS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="reference-trainer",
        description="Train the reference scenarios (TensorFlow/Keras and scikit-learn, CPU, "
        "seeded) and write their logs in every format the analyzer reads, with manifest.json.",
    )
    parser.add_argument("--out", type=Path, help="output directory (one subdirectory per run)")
    parser.add_argument(
        "--scenario",
        action="append",
        metavar="NAME",
        help="run only this scenario (repeatable); default: all",
    )
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Exit status: 0 written and every check held, 1 a curve failed its checks, 2 usage."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        for s in SCENARIOS:
            print(f"{s.name:32} {s.example!s:8} {s.summary}")
        return 0
    if args.out is None:
        parser.error("--out is required (or use --list)")
    known = {s.name: s for s in SCENARIOS}
    unknown = [n for n in args.scenario or () if n not in known]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; see --list")
    chosen = [known[n] for n in args.scenario] if args.scenario else list(SCENARIOS)

    quiet_tensorflow()
    configure()
    from reference_trainer.generate import generate

    entries = generate(chosen, args.out)
    failed = [e["name"] for e in entries if e["failed_checks"]]
    if failed:
        print(
            f"curves that do not show what the manifest claims: {', '.join(failed)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
