"""TensorBoard event files (``events.out.tfevents.*``), read without TensorFlow.

An event file is a sequence of TFRecord frames::

    uint64 length | uint32 masked_crc32c(length) | data[length] | uint32 masked_crc32c(data)

and each ``data`` is a serialized ``Event``. We keep the scalar series only: TF1, PyTorch and
tensorboardX write ``Summary.Value.simple_value``; TF2's ``tf.summary.scalar`` (and so Keras'
``TensorBoard`` callback) writes a one-value tensor whose ``metadata.plugin_data.plugin_name``
is ``"scalars"``. TF2 writers put that metadata only on the first value of a tag in a file, so
the plugin of a tag is remembered across records.

Why it is fast: the file is already in memory, each frame is cut with one slice (a small
copy: the C CRC wants ``bytes``), both checksums are computed by ``google_crc32c``'s C code,
and each record is parsed by the upb protobuf backend with a vendored minimal copy of the
Event proto (``_proto/tb_event.proto``, its own package name so it never clashes with
TensorFlow's).

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
from pathlib import PurePath

import google_crc32c
import numpy as np
from google.protobuf.message import DecodeError

from analyzer.errors import EmptyLogError, FormatError, ParseError
from analyzer.ingest._proto.tb_event_pb2 import DataType, Event, TensorProto
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.model import Granularity, Split, normalize_name
from analyzer.model.names import INDEX_COLUMNS

__all__ = ["PARSERS", "TFEVENTS", "TensorBoardEventsParser", "masked_crc32c"]

_HEADER = 12  # uint64 length + uint32 masked CRC of it
_FOOTER = 4  # uint32 masked CRC of the data
_MASK_DELTA = 0xA282EAD8
_U64 = struct.Struct("<Q")
_U32 = struct.Struct("<I")
_F32 = struct.Struct("<f")

#: Run directories whose name says which data the run's summaries were computed on.
_SPLIT_DIRS: dict[str, Split] = {
    "train": Split.TRAIN,
    "training": Split.TRAIN,
    "validation": Split.VALIDATION,
    "val": Split.VALIDATION,
    "valid": Split.VALIDATION,
    "eval": Split.VALIDATION,
    "evaluation": Split.VALIDATION,
    "test": Split.TEST,
}

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


def _frames(data: bytes, source: str) -> tuple[list[bytes], list[str]]:
    """The data of every record, checksums verified, and warnings (a truncated last record).

    A bad checksum with more data after it is corruption (``ParseError``); the first record
    failing its length checksum means the content is no event file at all (``FormatError``).
    A file that ends inside its last record is a run still being written: the records before
    it are kept and a warning says what was dropped.
    """
    size = len(data)
    records: list[bytes] = []
    pos = 0
    crc = google_crc32c.value
    while pos < size:
        index = len(records)
        if size - pos < _HEADER:
            return records, [_truncated(source, index, pos, f"{size - pos} of 12 header bytes")]
        (length,) = _U64.unpack_from(data, pos)
        c = crc(data[pos : pos + 8])
        if (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF != _U32.unpack_from(data, pos + 8)[
            0
        ]:
            if index == 0:
                raise FormatError(
                    "not a TensorBoard event file: the first record's length checksum "
                    "does not match (expected a TFRecord frame: uint64 length, masked CRC32C)",
                    source=source,
                    record=0,
                )
            raise ParseError(
                f"at byte {pos}: the length checksum does not match; the file is corrupt "
                "(expected uint64 length followed by its masked CRC32C)",
                source=source,
                record=index,
            )
        start = pos + _HEADER
        end = start + length
        if end + _FOOTER > size:
            have = max(size - start, 0)
            return records, [_truncated(source, index, pos, f"{have} of {length + 4} data bytes")]
        body = data[start:end]
        c = crc(body)
        if (((c >> 15) | (c << 17)) + _MASK_DELTA) & 0xFFFFFFFF != _U32.unpack_from(data, end)[0]:
            raise ParseError(
                f"at byte {pos}: the data checksum does not match; the file is corrupt "
                f"(expected {length} data bytes followed by their masked CRC32C)",
                source=source,
                record=index,
            )
        records.append(body)
        pos = end + _FOOTER
    return records, []


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
        limits.check_bytes(len(source.data), name)
        records, warnings = _frames(source.data, name)
        columns: dict[str, tuple[list[float], list[float], list[float]]] = {}
        plugins: dict[str, str] = {}
        total = 0
        for index, body in enumerate(records):
            try:
                event = Event.FromString(body)
            except DecodeError as exc:
                raise ParseError(
                    f"at byte {_record_offset(source.data, index)}: the checksums match but "
                    f"the data is no valid Event protobuf ({exc})",
                    source=name,
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
                column = columns.get(tag)
                if column is None:
                    column = columns[tag] = ([], [], [])
                column[0].append(step)
                column[1].append(number)
                column[2].append(wall)
            if index & 0xFFFF == 0xFFFF:
                total = sum(len(c[0]) for c in columns.values())
                limits.check_points(total, name)
        total = sum(len(c[0]) for c in columns.values())
        limits.check_points(total, name)
        return [self._run(source, columns, warnings)]

    def _run(
        self,
        source: SourceFile,
        columns: dict[str, tuple[list[float], list[float], list[float]]],
        warnings: list[str],
    ) -> RawRun:
        path = source.relative_path or source.name
        split = _split_of(path)
        series = []
        for tag, (steps, values, walls) in columns.items():
            if tag.lower() in INDEX_COLUMNS:
                continue  # Lightning's "epoch" tag counts epochs; it is no metric
            name = _series_name(tag)
            granularity = normalize_name(name).granularity or Granularity.STEP
            series.append(
                RawSeries(
                    name=name,
                    steps=np.asarray(steps, dtype=np.float64),
                    values=np.asarray(values, dtype=np.float64),
                    granularity=granularity,
                    wall_times=np.asarray(walls, dtype=np.float64),
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


def _record_offset(data: bytes, index: int) -> int:
    """Byte offset of record ``index`` (already framed without error), for error messages."""
    pos = 0
    for _ in range(index):
        pos += _HEADER + _U64.unpack_from(data, pos)[0] + _FOOTER
    return pos


TFEVENTS = TensorBoardEventsParser()
PARSERS = (TFEVENTS,)
