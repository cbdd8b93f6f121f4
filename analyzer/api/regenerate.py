"""Regenerate the Python code of the API from ``proto/`` with the pinned grpcio-tools.

    python -m analyzer.api.regenerate            # rewrite analyzer/api/v1/*_pb2*.py(i)
    python -m analyzer.api.regenerate --out DIR  # write elsewhere (the drift test does)

grpcio-tools bundles its own protoc, so the output depends only on its version, which
pyproject.toml pins; a test regenerates into a temporary directory and fails on any difference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROTO_ROOT = ROOT / "proto"
PROTO_DIR = PROTO_ROOT / "analyzer" / "api" / "v1"
#: Where the generated modules land, relative to the output root.
PACKAGE_DIR = Path("analyzer") / "api" / "v1"


def proto_files() -> list[Path]:
    return sorted(PROTO_DIR.glob("*.proto"))


def generate(out: Path) -> list[Path]:
    """Run protoc (from grpcio-tools) over every API proto; return the files written."""
    from grpc_tools import protoc  # a dev dependency: only needed to regenerate

    out.mkdir(parents=True, exist_ok=True)
    args = [
        "grpc_tools.protoc",
        f"-I{PROTO_ROOT}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *(str(p.relative_to(PROTO_ROOT)) for p in proto_files()),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))
    return sorted(p for p in (out / PACKAGE_DIR).iterdir() if "_pb2" in p.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="output root (default: the repo)")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
