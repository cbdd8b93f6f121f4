"""Random and mutated bytes: every CSV parser either parses or raises an InputError, and
every sniffer returns a score in [0, 1] without raising."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.ingest.base import IngestLimits
from analyzer.ingest.csv_logs import PARSERS
from analyzer.ingest.tb_download_names import parse_tensorboard_download_name
from tests.ingest.fuzzing import parse_or_input_error

SAMPLES = [
    b"epoch,accuracy,loss,val_accuracy,val_loss\r\n0,0.5,1.2,NA,NA\r\n1,0.6,1.0,0.55,1.1\r\n",
    b"epoch,lr-Adam,step,train_loss_epoch,train_loss_step,val_loss\n,0.001,0,,,\n"
    b"0,,49,,0.69,\n0,,99,,,0.45\n0,,99,0.55,,\n",
    b"epoch;train_loss;val_loss\n0;tensor(0.14);0.2\n1;nan;inf\n",
    b"Wall time,Step,Value\n1700000000.5,0,0.9\n1700000001.5,1,0.8\n",
    b"0 2.3 2.4\n1 1.5 1.6\n",
]
MUTATION_BYTES = st.sampled_from([b",", b";", b"\t", b'"', b"\n", b"\r", b" ", b"\x00", b"\xff"])
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes) -> None:
    parse_or_input_error(PARSERS, data, "x.csv", IngestLimits(max_points=10_000))


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes(data):
    _check(data)


@st.composite
def mutated(draw):
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(MUTATION_BYTES)
        elif data:
            del data[at]
    return bytes(data)


@SETTINGS
@given(mutated())
def test_mutated_valid_files(data):
    _check(data)


@SETTINGS
@given(st.text(max_size=80))
def test_download_name_parser_never_raises(name):
    parsed = parse_tensorboard_download_name(name)
    assert isinstance(parsed.tag, str) and parsed.tag
    assert parsed.split is None or parsed.run is not None
