"""TensorBoard event files (``events.out.tfevents.*``), read without TensorFlow.

An event file is a sequence of TFRecord frames::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

and each ``data`` is a serialized ``Event``. We keep the scalar series only: TF1, PyTorch and
tensorboardX write ``Summary.Value.simple_value``; TF2's ``tf.summary.scalar`` (and so Keras'
``TensorBoard`` callback) writes a one-value tensor whose ``metadata.plugin_data.plugin_name``
is ``"scalars"``. TF2 writers put that metadata only on the first value of a tag in a file, so
the plugin of a tag is remembered across records.

Why it is fast: the file is already in memory; the frames are walked once, every checksum is
computed by ``google_crc32c``'s C code and compared with numpy; records laid out exactly as
tensorboardX/PyTorch/TF1 write one scalar are decoded all at once with numpy (see the fast
path below), and every other record is parsed by the upb protobuf backend with a vendored
minimal copy of the Event proto (``_proto/tb_event.proto``, its own package name so it never
clashes with TensorFlow's).

Granularity follows the shared name rules (:func:`analyzer.model.normalize_name`): Keras'
``epoch_*`` tags are per epoch (their step *is* the 0-based epoch), ``batch_*`` and every tag
whose name says nothing are per step (the writer's global step). Keras'
``evaluation_<metric>_vs_iterations`` (validation loss at the iteration count) is renamed
``evaluation_<metric>`` with step granularity, so it normalizes to ``val_<metric>``.
The split of a run comes from its directory (``train/``, ``validation/``, ``eval/``...).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import PurePath
from typing import NoReturn

import google_crc32c
import numpy as np
from google.protobuf.message import DecodeError

from analyzer.errors import EmptyLogError, FormatError, ParseError
from analyzer.ingest._proto.tb_event_pb2 import DataType, Event, TensorProto
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.model import Granularity, Split, normalize_name
from analyzer.model.names import INDEX_COLUMNS, SPLIT_FOLDER_WORDS

__all__ = ["PARSERS", "TFEVENTS", "TensorBoardEventsParser", "masked_crc32c"]

_HEADER = 12  # uint64 length + uint32 masked CRC of it
_FOOTER = 4  # uint32 masked CRC of the data
_MASK_DELTA = 0xA282EAD8
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")

#: Run directories whose name says which data the run's summaries were computed on.
_SPLIT_DIRS = SPLIT_FOLDER_WORDS

#: Little-endian layout of ``tensor_content`` per numeric dtype.
_CONTENT_DTYPES: dict[int, np.dtype] = {
    DataType.DT_FLOAT: np.dtype("<f4"),
    DataType.DT_DOUBLE: np.dtype("<f8"),
    DataType.DT_HALF: np.dtype("<f2"),
    DataType.DT_INT8: np.dtype("i1"),
    DataType.DT_UINT8: np.dtype("u1"),
    DataType.DT_INT16: np.dtype("<i2"),
    DataType.DT_UINT16: np.dtype("<u2"),
    DataType.DT_INT32: np.dtype("<i4"),
    DataType.DT_UINT32: np.dtype("<u4"),
    DataType.DT_INT64: np.dtype("<i8"),
    DataType.DT_UINT64: np.dtype("<u8"),
}

#: The typed repeated field that holds a dtype's values when ``tensor_content`` is empty.
_VALUE_FIELDS: dict[int, str] = {
    DataType.DT_FLOAT: "float_val",
    DataType.DT_DOUBLE: "double_val",
    DataType.DT_HALF: "half_val",
    DataType.DT_BFLOAT16: "half_val",
    DataType.DT_INT8: "int_val",
    DataType.DT_UINT8: "int_val",
    DataType.DT_INT16: "int_val",
    DataType.DT_UINT16: "int_val",
    DataType.DT_INT32: "int_val",
    DataType.DT_UINT32: "uint32_val",
    DataType.DT_INT64: "int64_val",
    DataType.DT_UINT64: "uint64_val",
}

_KERAS_EVALUATION = re.compile(r"(?P<head>.*evaluation_.+)_vs_iterations")


def masked_crc32c(data: bytes) -> int:
    """TFRecord's masked CRC32C: the CRC rotated right by 15 bits plus a constant, so that a
    CRC stored inside CRC-checked data does not checksum to a fixed pattern."""
    crc = google_crc32c.value(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


def _frames(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Where each record's data starts and how long it is, checksums verified, and warnings
    (a truncated last record).

    The frames are walked first, then every checksum is computed (C code, one call per
    record) and compared at once with numpy; the earliest record with a bad checksum is
    reported. A bad length checksum is corruption (``ParseError``), or, on the first record,
    a sign that the content is no event file at all (``FormatError``); a bad data checksum is
    corruption. A file that ends inside its last record is a run still being written: the
    records before it are kept and a warning says what was dropped.
    """
    size = len(data)
    headers: list[int] = []
    lengths: list[int] = []
    unpack = _U64.unpack_from
    pos = 0
    while pos + _HEADER <= size:
        (length,) = unpack(data, pos)
        if pos + _HEADER + length + _FOOTER > size:
            break
        headers.append(pos)
        lengths.append(length)
        pos += _HEADER + length + _FOOTER
    # ``pos`` is now the end of the file or a record cut short, whose length may be the
    # corrupt part: its header is checked too when it is complete.
    checked = [*headers, pos] if pos + _HEADER <= size else headers
    crc = google_crc32c.value
    buf = np.frombuffer(data, dtype=np.uint8)
    offsets = np.array(checked, dtype=np.int64)
    computed = [crc(data[h : h + 8]) for h in checked]
    bad_length = _mismatches(computed, _gather(buf, offsets + 8, 4).view("<u4").ravel())
    starts = np.array(headers, dtype=np.int64) + _HEADER
    ends = starts + np.array(lengths, dtype=np.int64)
    computed = [
        crc(data[h + _HEADER : h + _HEADER + n]) for h, n in zip(headers, lengths, strict=True)
    ]
    bad_data = _mismatches(computed, _gather(buf, ends, 4).view("<u4").ravel())
    if bad_length.size and (not bad_data.size or bad_length[0] <= bad_data[0]):
        index = int(bad_length[0])
        _bad_length(source, index, checked[index])
    if bad_data.size:
        index = int(bad_data[0])
        raise ParseError(
            f"at byte {headers[index]}: the data checksum does not match; the file is corrupt "
            f"(expected {lengths[index]} data bytes followed by their masked CRC32C)",
            source=source,
            record=index,
        )
    warnings = []
    if pos < size:
        have = (
            f"{size - pos} of 12 header bytes"
            if pos + _HEADER > size
            else f"{size - pos - _HEADER} of {unpack(data, pos)[0] + 4} data bytes"
        )
        warnings.append(_truncated(source, len(headers), pos, have))
    return starts, ends - starts, warnings


def _mismatches(crcs: list[int], stored: np.ndarray) -> np.ndarray:
    """Indices where the masked CRC32C of ``crcs`` differs from the ``stored`` one."""
    c = np.array(crcs, dtype=np.uint64)
    masked = (((c >> np.uint64(15)) | (c << np.uint64(17))) + np.uint64(_MASK_DELTA)) & np.uint64(
        0xFFFFFFFF
    )
    return np.flatnonzero(masked != stored)


def _bad_length(source: str, index: int, pos: int) -> NoReturn:
    if index == 0:
        raise FormatError(
            "not a TensorBoard event file: the first record's length checksum does not match "
            "(expected a TFRecord frame: uint64 length, masked CRC32C)",
            source=source,
            record=0,
        )
    raise ParseError(
        f"at byte {pos}: the length checksum does not match; the file is corrupt "
        "(expected uint64 length followed by its masked CRC32C)",
        source=source,
        record=index,
    )


def _truncated(source: str, index: int, pos: int, what: str) -> str:
    return (
        f"{source}: record {index} at byte {pos} is cut short ({what}), as when a run is "
        "still writing; it was dropped and the records before it were read."
    )


def _tensor_scalar(tensor: TensorProto) -> float | None:
    """The value of a tensor holding exactly one number, or ``None`` (strings, histograms,
    images and any tensor of more or fewer values)."""
    dtype = tensor.dtype
    content = tensor.tensor_content
    if content:
        layout = _CONTENT_DTYPES.get(dtype)
        if layout is None or len(content) != layout.itemsize:
            return None
        return float(np.frombuffer(content, dtype=layout)[0])
    field = _VALUE_FIELDS.get(dtype)
    if field is None:
        return None
    values = getattr(tensor, field)
    if len(values) != 1:
        return None
    if dtype == DataType.DT_HALF:
        return float(np.uint16(values[0] & 0xFFFF).view(np.float16))
    if dtype == DataType.DT_BFLOAT16:
        return float(np.uint32((values[0] & 0xFFFF) << 16).view(np.float32))
    return float(values[0])


def _series_name(tag: str) -> str:
    """Keras' ``evaluation_loss_vs_iterations`` becomes ``evaluation_loss``; others as written."""
    match = _KERAS_EVALUATION.fullmatch(tag)
    return match["head"] if match else tag


def _split_of(path: str | None) -> Split | None:
    """The split a run directory names: ``train/events...`` or ``logs/validation/events...``."""
    if not path:
        return None
    parent = PurePath(path.replace("\\", "/")).parent.name.lower()
    return _SPLIT_DIRS.get(parent)


def _run_label(path: str | None) -> str | None:
    if not path:
        return None
    parent = PurePath(path.replace("\\", "/")).parent.as_posix()
    return None if parent in ("", ".") else parent


class TensorBoardEventsParser:
    """Scalar summaries from TensorBoard event files (TF1, TF2/Keras, PyTorch, tensorboardX)."""

    name = "tensorboard-events"
    description = "TensorBoard event file (events.out.tfevents.*): scalar summaries"

    def sniff(self, head: bytes, filename: str) -> float:
        """0.99 when the first record's length checksum verifies (1 in 2^32 by chance)."""
        named = "tfevents" in filename
        try:
            if len(head) < _HEADER:
                return 0.3 if named else 0.0
            (expected,) = _U32.unpack_from(head, 8)
            if masked_crc32c(head[:8]) == expected:
                return 0.99
        except Exception:  # sniffing must never raise
            return 0.0
        return 0.1 if named else 0.0

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        name = source.name
        data = source.data
        limits.check_bytes(len(data), name)
        starts, lengths, warnings = _frames(data, name)
        fast = _fast_scalars(data, starts, lengths)
        limits.check_points(len(fast.records), name)
        rest = np.flatnonzero(~fast.matched)
        slow = _decoded_scalars(data, starts, lengths, rest, name, limits, len(fast.records))
        return [self._run(source, _merge(fast.columns(), slow), warnings)]

    def _run(
        self,
        source: SourceFile,
        columns: dict[str, _Column],
        warnings: list[str],
    ) -> RawRun:
        path = source.relative_path or source.name
        split = _split_of(path)
        series = []
        for tag, column in columns.items():
            if tag.lower() in INDEX_COLUMNS:
                continue  # Lightning's "epoch" tag counts epochs; it is no metric
            name = _series_name(tag)
            granularity = normalize_name(name).granularity or Granularity.STEP
            series.append(
                RawSeries(
                    name=name,
                    steps=column.steps,
                    values=column.values,
                    granularity=granularity,
                    wall_times=column.wall_times,
                    split_hint=split,
                    source=source.name,
                )
            )
        if not series:
            raise EmptyLogError(
                "no scalar summaries in this event file (expected simple_value or "
                "'scalars' tensor summaries)",
                source=source.name,
            )
        return RawRun(series=series, label=_run_label(path), warnings=warnings)


@dataclass
class _Column:
    """The points of one tag, with the index of the record each came from (to merge paths)."""

    records: np.ndarray
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray


# The fast path. tensorboardX, torch.utils.tensorboard and TF1 write one scalar per event,
# which protobuf serializes (fields in number order, every length below 128) as
#
#   09 <wall_time: 8-byte double>
#   10 <step: varint>                  absent when the step is 0
#   2a <n1> 0a <n2> 0a <nt> <tag: nt bytes> 15 <simple_value: 4-byte float>
#
# with n2 = nt + 7 and n1 = n2 + 2 (Event.summary, Summary.value, Value.tag, Value.simple_value).
# Every record is tested against this layout at once with numpy, and the ones that match are
# decoded the same way; a record that differs in any byte goes to upb instead, so the result is
# the same as parsing everything with upb, several times faster.

_VARINT_MAX_BYTES = 10


@dataclass
class _FastScalars:
    """The records that matched the one-scalar layout, decoded."""

    matched: np.ndarray  # bool per record
    records: np.ndarray  # indices of the matched records
    tag_ids: np.ndarray  # index into ``tags`` per matched record
    tags: list[str]
    steps: np.ndarray
    values: np.ndarray
    wall_times: np.ndarray

    def columns(self) -> dict[str, _Column]:
        order = np.argsort(self.tag_ids, kind="stable")
        bounds = np.searchsorted(self.tag_ids[order], np.arange(len(self.tags) + 1))
        columns = {}
        for tag_id, tag in enumerate(self.tags):
            rows = order[bounds[tag_id] : bounds[tag_id + 1]]
            if rows.size:
                columns[tag] = _Column(
                    self.records[rows], self.steps[rows], self.values[rows], self.wall_times[rows]
                )
        return columns


def _fast_scalars(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> _FastScalars:
    """Decode every record laid out as one ``simple_value`` event (see above) at once."""
    buf = np.frombuffer(data, dtype=np.uint8)
    last = max(buf.size - 1, 0)

    def at(offsets: np.ndarray) -> np.ndarray:
        # Reads are clamped to the buffer; a read past a record is caught by the end check.
        return buf[np.minimum(offsets, last)] if buf.size else np.zeros(offsets.size, np.uint8)

    ok = (lengths >= 17) & (at(starts) == 0x09)
    # The step: a varint after the 0x10 key, or absent (0).
    has_step = at(starts + 9) == 0x10
    step = np.zeros(starts.size, dtype=np.uint64)
    step_bytes = np.zeros(starts.size, dtype=np.int64)
    active = has_step.copy()
    for k in range(_VARINT_MAX_BYTES):
        if not active.any():
            break
        byte = at(starts + 10 + k)
        step |= np.where(active, (byte & 0x7F).astype(np.uint64) << np.uint64(7 * k), 0)
        step_bytes += active
        active &= byte >= 0x80
    ok &= ~active  # a varint longer than 10 bytes is invalid
    summary = starts + 9 + np.where(has_step, 1 + step_bytes, 0)
    n1 = at(summary + 1).astype(np.int64)
    n2 = at(summary + 3).astype(np.int64)
    tag_len = at(summary + 5).astype(np.int64)
    value_at = summary + 6 + tag_len
    ok &= (at(summary) == 0x2A) & (at(summary + 2) == 0x0A) & (at(summary + 4) == 0x0A)
    ok &= (tag_len > 0) & (n2 == tag_len + 7) & (n1 == n2 + 2) & (n1 < 0x80)
    ok &= (at(value_at) == 0x15) & (value_at + 5 == starts + lengths)

    records = np.flatnonzero(ok)
    tag_ids, tags, valid = _tag_ids(data, buf, summary[records] + 6, tag_len[records])
    if not valid.all():  # tags that are no UTF-8: let upb report them
        ok[records[~valid]] = False
        records, tag_ids = records[valid], tag_ids[valid]
    return _FastScalars(
        matched=ok,
        records=records,
        tag_ids=tag_ids,
        tags=tags,
        steps=step[records].view(np.int64).astype(np.float64),
        values=_gather(buf, value_at[records] + 1, 4).view("<f4").ravel().astype(np.float64),
        wall_times=_gather(buf, starts[records] + 1, 8).view("<f8").ravel(),
    )


def _gather(buf: np.ndarray, offsets: np.ndarray, width: int) -> np.ndarray:
    """``width`` bytes at each offset, one row per offset."""
    out = np.empty((offsets.size, width), dtype=np.uint8)
    for k in range(width):
        out[:, k] = buf[offsets + k]
    return out


def _tag_ids(
    data: bytes, buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Group the tag strings at ``offsets`` without making one Python string per record:
    (tag index per record, the distinct tags, whether each record's tag is valid UTF-8)."""
    if offsets.size == 0:
        return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=bool)
    width = int(lengths.max())
    keys = np.zeros((offsets.size, width + 1), dtype=np.uint8)
    keys[:, 0] = lengths
    for k in range(width):
        longer = lengths > k
        keys[longer, k + 1] = buf[offsets[longer] + k]
    _, first, tag_ids = np.unique(
        keys.view(f"V{width + 1}").ravel(), return_index=True, return_inverse=True
    )
    tags, bad = [], []
    for tag_id, row in enumerate(first.tolist()):
        start = int(offsets[row])
        try:
            tags.append(data[start : start + int(lengths[row])].decode("utf-8"))
        except UnicodeDecodeError:
            tags.append("")
            bad.append(tag_id)
    return tag_ids.ravel(), tags, ~np.isin(tag_ids.ravel(), bad)


def _decoded_scalars(
    data: bytes,
    starts: np.ndarray,
    lengths: np.ndarray,
    indices: np.ndarray,
    source: str,
    limits: IngestLimits,
    already: int,
) -> dict[str, _Column]:
    """Scalars of the records ``indices``, each parsed by upb: every layout the fast path
    does not take (TF2 tensors, several values per event, ...)."""
    points: dict[str, list[tuple[int, float, float, float]]] = {}
    plugins: dict[str, str] = {}
    total = already
    for index in indices.tolist():
        start = int(starts[index])
        try:
            event = Event.FromString(data[start : start + int(lengths[index])])
        except DecodeError as exc:
            raise ParseError(
                f"at byte {start - _HEADER}: the checksums match but the data is no valid "
                f"Event protobuf ({exc})",
                source=source,
                record=index,
            ) from None
        if not event.HasField("summary"):
            continue  # file_version, graphs, session logs
        step = float(event.step)
        wall = event.wall_time
        for value in event.summary.value:
            kind = value.WhichOneof("value")
            tag = value.tag or value.node_name
            if kind == "simple_value":
                number = value.simple_value
            elif kind == "tensor":
                if value.HasField("metadata"):
                    plugins[tag] = value.metadata.plugin_data.plugin_name
                if plugins.get(tag, "scalars") not in ("scalars", ""):
                    continue
                number = _tensor_scalar(value.tensor)
                if number is None:
                    continue
            else:
                continue  # images, audio, histograms
            points.setdefault(tag, []).append((index, step, number, wall))
            total += 1
            if total > limits.max_points:
                limits.check_points(total, source)
    columns = {}
    for tag, rows in points.items():
        records, steps, values, walls = zip(*rows, strict=True)
        columns[tag] = _Column(
            np.array(records, dtype=np.int64),
            np.array(steps, dtype=np.float64),
            np.array(values, dtype=np.float64),
            np.array(walls, dtype=np.float64),
        )
    return columns


def _merge(*parts: dict[str, _Column]) -> dict[str, _Column]:
    """One column per tag, points in file order, tags in order of first appearance."""
    pieces: dict[str, list[_Column]] = {}
    for part in parts:
        for tag, column in part.items():
            pieces.setdefault(tag, []).append(column)
    merged = {}
    for tag, columns in pieces.items():
        if len(columns) == 1:
            merged[tag] = columns[0]
            continue
        records = np.concatenate([c.records for c in columns])
        order = np.argsort(records, kind="stable")
        merged[tag] = _Column(
            records[order],
            np.concatenate([c.steps for c in columns])[order],
            np.concatenate([c.values for c in columns])[order],
            np.concatenate([c.wall_times for c in columns])[order],
        )
    return dict(sorted(merged.items(), key=lambda item: item[1].records[0]))


TFEVENTS = TensorBoardEventsParser()
PARSERS = (TFEVENTS,)
