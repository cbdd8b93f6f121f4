"""analyzer.api.codec for comparisons: the Comparison messages mirror analyzer.compare.model
field by field, round trips are exact (NaN, None and infinities included), the enum tables are
complete, and the proto dict holds the same content as the CLI's JSON document."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import replace

import pytest
from google.protobuf.json_format import MessageToDict

import analyzer
from analyzer.api import codec
from analyzer.api.v1 import analyzer_service_pb2 as service_pb
from analyzer.api.v1 import comparison_pb2 as pb
from analyzer.compare import model
from analyzer.compare.codec import comparison_to_dict
from tests.api.test_codec import _same
from tests.reference_trainer.fixtures import FIXTURES

NAN, INF = math.nan, math.inf


def _log(name: str) -> str:
    return str(FIXTURES / name / "log.csv")


@pytest.fixture(scope="module")
def comparisons() -> list[model.Comparison]:
    return [
        analyzer.compare([_log("ex4_minmax_val"), _log("ex4_unscaled_val")]),
        analyzer.compare([_log("ex6_lr_0.1"), _log("ex6_lr_1e-4"), _log("ex4_minmax")]),
        analyzer.compare(
            [_log("ex5_sigmoid_val"), _log("ex5_relu_val")], criterion="final", alignment="full"
        ),
    ]


def _edge_case(c: model.Comparison) -> model.Comparison:
    """Unknown numbers everywhere the domain allows them, infinities, no winner."""
    first = c.runs[0]
    unknown = replace(first.measures, best=model.Estimate(), noise=NAN, relative_final_gap=INF)
    d = c.differences[0]
    return replace(
        c,
        winner=None,
        verdict=model.Verdict.INSUFFICIENT_DATA,
        target=NAN,
        alignment=replace(c.alignment, window=NAN, start=-INF),
        runs=(replace(first, measures=unknown), *c.runs[1:]),
        differences=(replace(d, outcome=model.Outcome.NOT_TESTABLE, ratio=NAN, statistic=INF),),
        notes=(),
        warnings=("run: a warning",),
    )


def test_real_comparisons_round_trip_exactly(comparisons):
    for c in comparisons:
        message = codec.comparison_to_proto(c)
        assert _same(codec.comparison_from_proto(message), c)
        wire = pb.Comparison.FromString(message.SerializeToString())
        assert _same(codec.comparison_from_proto(wire), c)


def test_unknown_numbers_travel_as_absent_fields_and_come_back_as_nan(comparisons):
    c = _edge_case(comparisons[0])
    message = codec.comparison_to_proto(c)
    assert not message.HasField("winner") and not message.HasField("target")
    assert not message.alignment.HasField("window") and message.alignment.start == -INF
    best = message.runs[0].measures.best
    assert not any(best.HasField(n) for n in ("value", "se", "df", "low", "high", "at"))
    assert message.differences[0].outcome == pb.OUTCOME_NOT_TESTABLE
    assert message.differences[0].statistic == INF
    back = codec.comparison_from_proto(pb.Comparison.FromString(message.SerializeToString()))
    assert _same(back, c)
    assert back.winner is None and math.isnan(back.runs[0].measures.best.value)


def test_every_dataclass_field_has_a_message_field_of_the_same_name():
    for cls, message in codec._COMPARE_MESSAGES.items():
        assert [f.name for f in dataclasses.fields(cls)] == [
            f.name for f in message.DESCRIPTOR.fields
        ], cls.__name__


@pytest.mark.parametrize(
    ("domain", "message_enum"),
    [
        (model.Verdict, pb.ComparisonVerdict),
        (model.Criterion, pb.Criterion),
        (model.Outcome, pb.Outcome),
    ],
)
def test_enum_tables_cover_both_sides(domain, message_enum):
    table = codec._COMPARE_ENUMS_TO_PB[domain]
    assert set(table) == set(domain)
    assert sorted(table.values()) == sorted(v for v in message_enum.values() if v != 0)
    for member, value in table.items():  # same words on both sides
        assert message_enum.Name(value).endswith("_" + member.value.upper())


def test_request_options_decode_with_defaults():
    assert codec.criterion_from_proto(pb.CRITERION_UNSPECIFIED) is model.Criterion.BEST
    assert codec.criterion_from_proto(codec.criterion_to_proto("final")) is model.Criterion.FINAL
    assert codec.alignment_from_proto(service_pb.ALIGNMENT_MODE_UNSPECIFIED) == "common"
    assert codec.alignment_from_proto(codec.alignment_to_proto("full")) == "full"


_PREFIXES = ("COMPARISON_VERDICT_", "VERDICT_", "SEVERITY_", "CRITERION_", "OUTCOME_")


def _normalize(proto: object, json: object) -> object:
    """The proto dict value spelled as the JSON document spells it (enum names, int64)."""
    if isinstance(json, dict):
        proto = proto or {}
        return {k: _normalize(proto.get(k), v) for k, v in json.items()}
    if isinstance(json, list):
        return [_normalize(p, j) for p, j in zip(proto or [], json, strict=False)]
    if isinstance(proto, str) and proto.startswith(_PREFIXES):
        prefix = next(p for p in _PREFIXES if proto.startswith(p))
        return proto.removeprefix(prefix).lower()
    if isinstance(json, int) and isinstance(proto, str):  # proto JSON spells int64 as a string
        return int(proto)
    return proto


def test_proto_dict_and_cli_json_hold_the_same_content(comparisons):
    for c in [*comparisons, _edge_case(comparisons[1])]:
        as_json = comparison_to_dict(c)
        as_proto = MessageToDict(
            codec.comparison_to_proto(c),
            preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True,
        )
        assert set(as_proto) <= set(as_json)  # absent (no winner) is null in JSON
        assert _normalize(as_proto, as_json) == as_json
