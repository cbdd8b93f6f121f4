"""TensorBoard event files: written by tensorboardX and by TensorBoard's own writer, read back by
:data:`analyzer.ingest.tfevents.TFEVENTS`, and cross-checked against tbparse."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tbparse import SummaryReader
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.compat.proto.types_pb2 import DT_DOUBLE, DT_FLOAT, DT_HALF, DT_INT64
from tensorboard.plugins.scalar.summary_v2 import scalar_pb
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.util.tensor_util import make_ndarray
from tensorboardX import SummaryWriter
from tensorboardX.record_writer import RecordWriter

from analyzer.errors import (
    EmptyLogError,
    FormatError,
    LimitExceededError,
    ParseError,
)
from analyzer.ingest.base import IngestLimits, RawRun, SourceFile
from analyzer.ingest.tfevents import PARSERS, TFEVENTS
from analyzer.model import Granularity, Split
from tests.ingest.fuzzing import parse_or_input_error

LIMITS = IngestLimits()
TRAIN_LOSS = [2.3, 1.7, 1.2, float("nan"), float("inf"), 0.9]
WALL0 = 1_700_000_000.0


def _only_file(directory: Path) -> Path:
    (path,) = [p for p in directory.iterdir() if "tfevents" in p.name]
    return path


def _source(path: Path, root: Path) -> SourceFile:
    return SourceFile(str(path), path.read_bytes(), path.relative_to(root).as_posix())


def _parse(path: Path, root: Path) -> RawRun:
    (run,) = TFEVENTS.parse(_source(path, root), LIMITS)
    return run


def _by_name(run: RawRun) -> dict:
    return {s.name: s for s in run.series}


def _frames(data: bytes) -> list[tuple[int, int]]:
    """(offset, length) of each TFRecord frame, walked independently of the parser."""
    out, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from("<Q", data, pos)
        out.append((pos, length))
        pos += 16 + length
    return out


@pytest.fixture
def tbx_logdir(tmp_path: Path) -> Path:
    """A Keras-shaped log directory written by tensorboardX (``simple_value`` scalars)."""
    train = SummaryWriter(str(tmp_path / "train"))
    for epoch, loss in enumerate(TRAIN_LOSS):
        train.add_scalar("epoch_loss", loss, epoch, walltime=WALL0 + epoch)
        train.add_scalar("epoch_accuracy", 0.5 + epoch / 20, epoch, walltime=WALL0 + epoch)
        for batch in range(3):
            step = epoch * 3 + batch
            train.add_scalar("batch_loss", loss + batch / 10, step, walltime=WALL0 + step / 3)
    train.add_text("notes", "not a scalar", 0)
    train.add_histogram("weights", np.arange(10.0), 0)
    train.close()
    validation = SummaryWriter(str(tmp_path / "validation"))
    for epoch in range(len(TRAIN_LOSS)):
        validation.add_scalar("epoch_loss", 1.5 + epoch / 10, epoch, walltime=WALL0 + epoch)
        validation.add_scalar(
            "evaluation_loss_vs_iterations", 1.5 + epoch / 10, (epoch + 1) * 3, walltime=WALL0
        )
    validation.close()
    return tmp_path


def _tensor_event(step: int, tag: str, tensor: TensorProto, first: bool) -> Event:
    value = Summary.Value(tag=tag, tensor=tensor)
    if first:  # TF2 writers attach the plugin only to the first value of a tag
        value.metadata.CopyFrom(
            SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
        )
    return Event(wall_time=WALL0 + step, step=step, summary=Summary(value=[value]))


@pytest.fixture
def tf2_logdir(tmp_path: Path) -> Path:
    """TF2-style tensor summaries written by TensorBoard's own EventFileWriter (no TensorFlow)."""
    writer = EventFileWriter(str(tmp_path / "validation"))
    for epoch in range(5):
        # float via float_val (tensorboard's scalar_pb), double via tensor_content and double_val
        summary = scalar_pb("epoch_loss", np.float32(1.0 / (epoch + 1)))
        writer.add_event(Event(wall_time=WALL0 + epoch, step=epoch, summary=summary))
        content = TensorProto(dtype=DT_DOUBLE, tensor_content=struct.pack("<d", epoch * 0.1))
        writer.add_event(_tensor_event(epoch, "epoch_accuracy", content, epoch == 0))
        vals = TensorProto(dtype=DT_DOUBLE, double_val=[math.pi * epoch])
        writer.add_event(_tensor_event(epoch, "epoch_learning_rate", vals, epoch == 0))
        half = TensorProto(dtype=DT_HALF, half_val=[int(np.float16(0.5 + epoch).view(np.uint16))])
        writer.add_event(_tensor_event(epoch, "epoch_half", half, epoch == 0))
        floats = TensorProto(dtype=DT_FLOAT, tensor_content=struct.pack("<f", -epoch))
        writer.add_event(_tensor_event(epoch, "epoch_f32", floats, epoch == 0))
        ints = TensorProto(dtype=DT_INT64, int64_val=[epoch * 7])
        writer.add_event(_tensor_event(epoch, "epoch_count", ints, epoch == 0))
        vector = TensorProto(dtype=DT_FLOAT, float_val=[1.0, 2.0])
        writer.add_event(_tensor_event(epoch, "not_a_scalar", vector, epoch == 0))
    writer.close()
    return tmp_path


def test_tensorboardx_scalars_match_tbparse(tbx_logdir: Path) -> None:
    for run_dir, split in (("train", Split.TRAIN), ("validation", Split.VALIDATION)):
        path = _only_file(tbx_logdir / run_dir)
        run = _parse(path, tbx_logdir)
        expected = SummaryReader(str(path), extra_columns={"wall_time"}).scalars
        got = _by_name(run)
        assert sum(len(s.values) for s in run.series) == len(expected)
        for tag, frame in expected.groupby("tag", sort=False):
            name = tag.replace("_vs_iterations", "")
            series = got[name]
            assert series.split_hint is split
            assert series.source == str(path)
            np.testing.assert_array_equal(series.steps, frame["step"].to_numpy(float))
            np.testing.assert_allclose(series.values, frame["value"].to_numpy(float), rtol=1e-7)
            np.testing.assert_allclose(series.wall_times, frame["wall_time"].to_numpy(float))
        assert run.label == run_dir
        assert run.warnings == []


def test_tensorboardx_values_granularity_and_non_finite(tbx_logdir: Path) -> None:
    train = _by_name(_parse(_only_file(tbx_logdir / "train"), tbx_logdir))
    assert set(train) == {"epoch_loss", "epoch_accuracy", "batch_loss"}  # text, histogram skipped
    loss = train["epoch_loss"]
    assert loss.granularity is Granularity.EPOCH
    np.testing.assert_array_equal(loss.steps, np.arange(len(TRAIN_LOSS)))  # 0-based epochs
    # simple_value is a float32: compare at float32 precision; NaN and inf survive.
    np.testing.assert_array_equal(loss.values, np.float32(TRAIN_LOSS).astype(np.float64))
    assert np.isnan(loss.values[3]) and np.isposinf(loss.values[4])
    np.testing.assert_allclose(loss.wall_times, WALL0 + np.arange(len(TRAIN_LOSS)))
    assert train["batch_loss"].granularity is Granularity.STEP
    assert train["batch_loss"].steps.tolist() == list(range(3 * len(TRAIN_LOSS)))

    validation = _by_name(_parse(_only_file(tbx_logdir / "validation"), tbx_logdir))
    evaluation = validation["evaluation_loss"]  # Keras' evaluation_loss_vs_iterations
    assert evaluation.granularity is Granularity.STEP
    assert evaluation.split_hint is Split.VALIDATION
    assert evaluation.steps.tolist() == [3, 6, 9, 12, 15, 18]


def test_tf2_tensor_scalars(tf2_logdir: Path) -> None:
    path = _only_file(tf2_logdir / "validation")
    got = _by_name(_parse(path, tf2_logdir))
    assert "not_a_scalar" not in got
    epochs = np.arange(5.0)
    expectations = {
        "epoch_loss": np.float32(1 / (epochs + 1)).astype(float),
        "epoch_accuracy": epochs * 0.1,
        "epoch_learning_rate": math.pi * epochs,  # double precision kept
        "epoch_half": 0.5 + epochs,
        "epoch_f32": -epochs,
        "epoch_count": epochs * 7,
    }
    assert set(got) == set(expectations)
    for name, values in expectations.items():
        series = got[name]
        np.testing.assert_array_equal(series.values, values, err_msg=name)
        np.testing.assert_array_equal(series.steps, epochs)
        np.testing.assert_array_equal(series.wall_times, WALL0 + epochs)
        assert series.split_hint is Split.VALIDATION
        assert series.granularity is Granularity.EPOCH
    # TensorBoard's EventAccumulator reads the same tensors (and keeps all with size 0).
    accumulator = EventAccumulator(str(path), size_guidance={"tensors": 0}).Reload()
    for tag, series in got.items():
        events = accumulator.Tensors(tag)
        theirs = [float(make_ndarray(e.tensor_proto)) for e in events]
        np.testing.assert_array_equal(series.values, theirs, err_msg=tag)
        np.testing.assert_array_equal(series.steps, [e.step for e in events])
        np.testing.assert_array_equal(series.wall_times, [e.wall_time for e in events])


def test_split_from_run_directory() -> None:
    event = Event(wall_time=WALL0, step=1, summary=Summary(value=[Summary.Value(tag="loss")]))
    event.summary.value[0].simple_value = 0.5
    data = _record(event.SerializeToString())
    for path, split in (
        ("eval/events.out.tfevents.1", Split.VALIDATION),
        ("run1/val/events.out.tfevents.1", Split.VALIDATION),
        ("test/events.out.tfevents.1", Split.TEST),
        ("train/events.out.tfevents.1", Split.TRAIN),
        ("events.out.tfevents.1", None),
        ("version_0/events.out.tfevents.1", None),
    ):
        (run,) = TFEVENTS.parse(SourceFile("f", data, path), LIMITS)
        assert run.series[0].split_hint is split, path
        assert run.series[0].granularity is Granularity.STEP


def _masked_crc(data: bytes) -> int:
    # tensorboardX's pure-Python CRC32C, independent of ours.
    from tensorboardX.record_writer import masked_crc32c

    return masked_crc32c(data)


def _record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return (
        header
        + struct.pack("<I", _masked_crc(header))
        + data
        + struct.pack("<I", _masked_crc(data))
    )


def _scalar_file(tmp_path: Path, n: int) -> bytes:
    path = tmp_path / "events.out.tfevents.test"
    writer = RecordWriter(str(path))
    writer.write(Event(wall_time=WALL0, file_version="brain.Event:2").SerializeToString())
    for i in range(n):
        value = Summary.Value(tag="loss", simple_value=1.0 / (i + 1))
        writer.write(
            Event(wall_time=WALL0 + i, step=i, summary=Summary(value=[value])).SerializeToString()
        )
    writer.close()
    return path.read_bytes()


def test_corrupt_data_checksum_names_record_and_byte(tmp_path: Path) -> None:
    data = bytearray(_scalar_file(tmp_path, 10))
    offset, length = _frames(bytes(data))[4]
    data[offset + 12 + length // 2] ^= 0x01
    with pytest.raises(ParseError) as info:
        TFEVENTS.parse(SourceFile("run.tfevents", bytes(data)), LIMITS)
    assert info.value.record == 4
    assert info.value.source == "run.tfevents"
    assert f"byte {offset}" in str(info.value) and "checksum" in str(info.value)
    assert str(info.value).startswith("run.tfevents: record 4: ")


def test_corrupt_length_checksum_mid_file(tmp_path: Path) -> None:
    data = bytearray(_scalar_file(tmp_path, 10))
    offset, _ = _frames(bytes(data))[7]
    data[offset + 9] ^= 0xFF
    with pytest.raises(ParseError) as info:
        TFEVENTS.parse(SourceFile("run.tfevents", bytes(data)), LIMITS)
    assert info.value.record == 7 and "length checksum" in str(info.value)


@pytest.mark.parametrize("cut", [1, 4, 5, 13, 20])
def test_truncated_last_record_keeps_points_before_it(tmp_path: Path, cut: int) -> None:
    data = _scalar_file(tmp_path, 10)
    (run,) = TFEVENTS.parse(SourceFile("live.tfevents", data[:-cut]), LIMITS)
    (loss,) = run.series
    assert loss.steps.tolist() == list(range(9))
    np.testing.assert_allclose(loss.values, 1.0 / np.arange(1, 10), rtol=1e-7)
    (warning,) = run.warnings
    assert "live.tfevents" in warning and "record 10" in warning


def test_empty_and_version_only_files_are_empty_logs(tmp_path: Path) -> None:
    version_only = _scalar_file(tmp_path, 0)
    for data in (b"", version_only):
        with pytest.raises(EmptyLogError) as info:
            TFEVENTS.parse(SourceFile("e.tfevents", data), LIMITS)
        assert info.value.source == "e.tfevents"


def test_garbage_is_a_format_error() -> None:
    with pytest.raises(FormatError) as info:
        TFEVENTS.parse(SourceFile("x.csv", b"epoch,loss\n0,1.0\n1,0.5\n"), LIMITS)
    assert info.value.record == 0


def test_valid_frame_with_invalid_protobuf_is_a_parse_error() -> None:
    with pytest.raises(ParseError) as info:
        TFEVENTS.parse(SourceFile("p.tfevents", _record(b"\xff\xff\xff")), LIMITS)
    assert info.value.record == 0 and "Event" in str(info.value)


def test_point_limit(tmp_path: Path) -> None:
    data = _scalar_file(tmp_path, 50)
    TFEVENTS.parse(SourceFile("l.tfevents", data), IngestLimits(max_points=50))
    with pytest.raises(LimitExceededError):
        TFEVENTS.parse(SourceFile("l.tfevents", data), IngestLimits(max_points=49))


def test_sniff(tmp_path: Path, tbx_logdir: Path) -> None:
    data = _only_file(tbx_logdir / "train").read_bytes()
    assert TFEVENTS.sniff(data[:65536], "") >= 0.99
    assert TFEVENTS.sniff(data[:12], "events.out.tfevents.1.host") >= 0.99
    assert TFEVENTS.sniff(b"epoch,loss\n0,1.0\n", "log.csv") == 0.0
    assert TFEVENTS.sniff(b'{"loss": [1.0, 0.5]}', "history.json") == 0.0
    assert TFEVENTS.sniff(b"", "") == 0.0
    assert 0 < TFEVENTS.sniff(b"", "events.out.tfevents.1") < 0.5  # the name is a hint only
    assert PARSERS == (TFEVENTS,) and TFEVENTS.name == "tensorboard-events"


# Property tests: any bytes either parse or raise an InputError, quickly.

_VALID: bytes | None = None


def _valid_file() -> bytes:
    global _VALID
    if _VALID is None:
        events = [Event(wall_time=WALL0, file_version="brain.Event:2")]
        for i in range(6):
            value = Summary.Value(tag=f"t{i % 2}", simple_value=i / 3)
            events.append(Event(wall_time=WALL0 + i, step=i, summary=Summary(value=[value])))
            tensor = TensorProto(dtype=DT_DOUBLE, double_val=[i])
            events.append(_tensor_event(i, "epoch_loss", tensor, i == 0))
        _VALID = b"".join(_record(e.SerializeToString()) for e in events)
    return _VALID


def _parse_or_input_error(data: bytes) -> None:
    for run in parse_or_input_error((TFEVENTS,), data, "h.tfevents", LIMITS):
        for series in run.series:
            assert series.steps.shape == series.wall_times.shape


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_random_bytes_raise_only_input_errors(data: bytes) -> None:
    _parse_or_input_error(data)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["flip", "cut", "insert"]),
            st.integers(0, 10**6),
            st.binary(min_size=1, max_size=8),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_mutated_files_raise_only_input_errors(mutations: list) -> None:
    data = bytearray(_valid_file())
    for kind, where, blob in mutations:
        at = where % (len(data) + 1)
        if kind == "flip" and data:
            data[at % len(data)] ^= blob[0] or 1
        elif kind == "cut":
            del data[at:]
        else:
            data[at:at] = blob
    _parse_or_input_error(bytes(data))


def test_mutation_with_refreshed_checksums_still_only_input_errors() -> None:
    """Flips inside the data with valid checksums reach the protobuf decoder itself."""
    rng = np.random.default_rng(1)
    bodies = []
    data = _valid_file()
    for offset, length in _frames(data):
        bodies.append(bytearray(data[offset + 12 : offset + 12 + length]))
    for _ in range(300):
        mutated = [bytearray(b) for b in bodies]
        body = mutated[rng.integers(len(mutated))]
        if body:
            body[rng.integers(len(body))] ^= int(rng.integers(1, 256))
        _parse_or_input_error(b"".join(_record(bytes(b)) for b in mutated))


def test_fast_path_agrees_with_upb_on_varied_records() -> None:
    """The numpy fast path must decode exactly what upb decodes, and hand the rest to upb."""
    from analyzer.ingest import tfevents

    rng = np.random.default_rng(7)
    tags = ["loss", "é/ünïcode", "x" * 120, "y" * 121, "Loss/train"]
    steps = [0, 1, 127, 128, 2**40, -1, -(2**62)]
    events = [Event(wall_time=WALL0, file_version="brain.Event:2")]
    for i in range(400):
        value = Summary.Value(tag=tags[i % len(tags)], simple_value=float(rng.normal()))
        event = Event(
            wall_time=WALL0 + i, step=steps[i % len(steps)], summary=Summary(value=[value])
        )
        if i % 9 == 0:  # two values in one event: not the fast layout
            event.summary.value.add(tag="loss", simple_value=float(i))
        if i % 13 == 0:
            event.wall_time = 0.0  # omitted on the wire: not the fast layout
        events.append(event)
    data = b"".join(_record(e.SerializeToString()) for e in events)
    (run,) = TFEVENTS.parse(SourceFile("v.tfevents", data), LIMITS)
    got = _by_name(run)

    starts, lengths, _ = tfevents._frames(data, "v")
    fast = tfevents._fast_scalars(data, starts, lengths)
    assert 0 < fast.matched.sum() < len(events) - 1  # both paths were taken
    everything = np.arange(len(starts))
    reference = tfevents._decoded_scalars(data, starts, lengths, everything, "v", LIMITS, 0)
    assert list(got) == list(reference)
    for tag, column in reference.items():
        np.testing.assert_array_equal(got[tag].steps, column.steps, err_msg=tag)
        np.testing.assert_array_equal(got[tag].values, column.values, err_msg=tag)
        np.testing.assert_array_equal(got[tag].wall_times, column.wall_times, err_msg=tag)
    # and against the events as written
    loss = [
        (e.step, v.simple_value) for e in events[1:] for v in e.summary.value if v.tag == "loss"
    ]
    np.testing.assert_array_equal(got["loss"].steps, [s for s, _ in loss])
    np.testing.assert_array_equal(got["loss"].values, np.float32([v for _, v in loss]))
