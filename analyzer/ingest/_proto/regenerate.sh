#!/usr/bin/env bash
# Regenerates tb_event_pb2.py (+ .pyi) from tb_event.proto.
#
# The generator is pinned to grpcio-tools 1.64.1 (protoc 26.1): its output carries no runtime
# version check and imports on any protobuf runtime >= 5.26 (the floor in pyproject.toml),
# including 6.x and 7.x. Newer generators stamp a minimum runtime into the file. The generator
# runs from a throwaway virtualenv so it never changes the project's protobuf.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
venv="${GRPC_TOOLS_VENV:-${TMPDIR:-/tmp}/analyzer-grpc-tools-1.64.1}"
if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "grpcio-tools==1.64.1"
fi
cd "$root"
# Paths relative to the repository root, so the descriptor is registered under a unique name.
"$venv/bin/python" -m grpc_tools.protoc -I. --python_out=. --pyi_out=. \
  analyzer/ingest/_proto/tb_event.proto
echo "regenerated $here/tb_event_pb2.py"
