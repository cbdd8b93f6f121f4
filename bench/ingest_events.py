"""Benchmark: scalar events per second from a TensorBoard event file, ours vs tbparse.

Writes one file of ``n_events`` scalar events (four tags, tensorboardX's layout: one
``simple_value`` per event) into a temporary directory, then times
:data:`analyzer.ingest.tfevents.TFEVENTS` (median of 3) and tbparse's ``SummaryReader``
(median of ``baseline_repeats``; it is slow) on the same file in the same process, so the
ratio holds on a noisy machine.

The file is framed by :func:`write_events` rather than by tensorboardX's ``SummaryWriter``
(which takes minutes for 10^6 events); that framing is first checked byte for byte against
tensorboardX's own ``RecordWriter`` on a small sample.

Run: ``.venv/bin/python bench/ingest_events.py [n_events]``.
"""

from __future__ import annotations

import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import google_crc32c
import numpy as np
from tensorboardX.proto.event_pb2 import Event
from tensorboardX.proto.summary_pb2 import Summary
from tensorboardX.record_writer import RecordWriter

from analyzer.ingest.base import IngestLimits, SourceFile
from analyzer.ingest.tfevents import TFEVENTS

TAGS = ("loss", "accuracy", "lr", "val_loss")


def _masked(data: bytes) -> int:
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _frame(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return b"".join(
        (header, struct.pack("<I", _masked(header)), data, struct.pack("<I", _masked(data)))
    )


def _events(n_events: int) -> list[bytes]:
    """``file_version`` then ``n_events`` scalar events cycling through :data:`TAGS`."""
    rng = np.random.default_rng(0)
    values = rng.normal(1.0, 0.1, n_events).astype(np.float32)
    out = [Event(wall_time=1.7e9, file_version="brain.Event:2").SerializeToString()]
    for i in range(n_events):
        value = Summary.Value(tag=TAGS[i % len(TAGS)], simple_value=float(values[i]))
        event = Event(
            wall_time=1.7e9 + i * 1e-3, step=i // len(TAGS), summary=Summary(value=[value])
        )
        out.append(event.SerializeToString())
    return out


def write_events(path: Path, n_events: int) -> None:
    """Write an event file of ``n_events`` scalars, framed like TFRecord."""
    with path.open("wb") as f:
        f.writelines(_frame(record) for record in _events(n_events))


def check_framing(directory: Path) -> None:
    """Our framing must equal tensorboardX's RecordWriter's, byte for byte."""
    records = _events(50)
    theirs = directory / "tensorboardx.tfevents"
    writer = RecordWriter(str(theirs))
    for record in records:
        writer.write(record)
    writer.close()
    ours = directory / "ours.tfevents"
    write_events(ours, 50)
    if ours.read_bytes() != theirs.read_bytes():
        raise AssertionError("bench framing differs from tensorboardX's RecordWriter")


def _median_seconds(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(n_events: int = 1_000_000, baseline_repeats: int = 1) -> list[dict]:
    """Time both readers on one file of ``n_events`` scalar events; one row per case."""
    from tbparse import SummaryReader

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        check_framing(directory)
        run_dir = directory / "run"
        run_dir.mkdir()
        path = run_dir / "events.out.tfevents.0.bench"
        write_events(path, n_events)
        data = path.read_bytes()
        limits = IngestLimits()

        def ours() -> int:
            runs = TFEVENTS.parse(SourceFile(path.name, data, path.name), limits)
            return sum(len(s.values) for r in runs for s in r.series)

        def baseline() -> int:
            return len(SummaryReader(str(path)).scalars)

        if ours() != n_events or baseline() != n_events:
            raise AssertionError("a reader did not return every scalar")
        ours_s = _median_seconds(ours, 3)
        base_s = _median_seconds(baseline, baseline_repeats)
    label = f"events {n_events / 1e6:g}M" if n_events >= 1_000_000 else f"events {n_events:,}"
    return [
        {
            "case": label,
            "ours_per_s": n_events / ours_s,
            "baseline": "tbparse",
            "baseline_per_s": n_events / base_s,
            "ratio": base_s / ours_s,
        }
    ]


def main(argv: list[str]) -> None:
    n_events = int(argv[1]) if len(argv) > 1 else 1_000_000
    rows = run(n_events)
    print(f"{'case':<14} {'ours/s':>12} {'baseline':>9} {'baseline/s':>12} {'ratio':>7}")
    for row in rows:
        print(
            f"{row['case']:<14} {row['ours_per_s']:>12,.0f} {row['baseline']:>9} "
            f"{row['baseline_per_s']:>12,.0f} {row['ratio']:>6.1f}x"
        )


if __name__ == "__main__":
    main(sys.argv)
