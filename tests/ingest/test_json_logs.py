"""JSON-family parsers: Keras history JSON, TensorBoard JSON downloads, HF trainer_state.json.

Inputs are written the way the real tools write them (``json.dump`` of a history dict, which
emits bare NaN/Infinity; HF's ``json.dumps(..., indent=2, sort_keys=True)``), so expected values
come from the dicts we dumped, not from the parser.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.errors import EmptyLogError, FormatError, LimitExceededError, ParseError
from analyzer.ingest.base import IngestLimits, SourceFile
from analyzer.ingest.json_logs import HF_TRAINER_STATE, KERAS_JSON, PARSERS, TB_JSON
from analyzer.model import Granularity, Split, normalize_name
from tests.ingest.fuzzing import mutations, parse_or_input_error

LIMITS = IngestLimits()

HISTORY = {
    "loss": [0.9, 0.7, 0.55, float("nan"), float("inf")],
    "accuracy": [0.5, 0.6, 0.7, 0.72, 0.73],
    "val_loss": [1.0, 0.8, 0.75, 0.9, float("-inf")],
    "val_accuracy": [0.45, 0.55, 0.6, 0.58, 0.5],
}


def _parse(parser, data: bytes | str, name: str = "history.json", limits=LIMITS):
    if isinstance(data, str):
        data = data.encode()
    return parser.parse(SourceFile(name, data), limits)


def _by_name(run):
    return {s.name: s for s in run.series}


def _assert_values(actual: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_array_equal(actual, np.array(expected, dtype=np.float64))  # NaN == NaN here


def _trainer_state() -> dict:
    """A trainer_state.json as transformers writes it (abridged: 2 epochs, 40 steps)."""
    log = []
    for step in range(10, 41, 10):
        log.append(
            {
                "epoch": step / 20,
                "grad_norm": 3.0 / step,
                "learning_rate": 5e-5 * (1 - step / 40),
                "loss": 2.0 / step**0.5,
                "step": step,
            }
        )
        if step % 20 == 0:
            log.append(
                {
                    "epoch": step / 20,
                    "eval_accuracy": 0.5 + step / 100,
                    "eval_loss": 1.5 - step / 100,
                    "eval_runtime": 1.23,
                    "eval_samples_per_second": 800.0,
                    "eval_steps_per_second": 100.0,
                    "step": step,
                }
            )
    log.append(
        {
            "epoch": 2.0,
            "step": 40,
            "total_flos": 1.2e12,
            "train_loss": 0.5,
            "train_runtime": 12.3,
            "train_samples_per_second": 300.0,
            "train_steps_per_second": 3.2,
        }
    )
    return {
        "best_metric": 1.1,
        "best_model_checkpoint": "out/checkpoint-40",
        "epoch": 2.0,
        "eval_steps": 20,
        "global_step": 40,
        "is_hyper_param_search": False,
        "log_history": log,
        "logging_steps": 10,
        "max_steps": 40,
        "num_train_epochs": 2,
        "total_flos": 1.2e12,
        "train_batch_size": 8,
    }


# --------------------------------------------------------------------------- Keras history


def test_keras_history_keeps_nan_and_inf_tokens_written_by_json_dump():
    text = json.dumps(HISTORY)
    assert "NaN" in text and "-Infinity" in text  # what Keras users' json.dump writes
    (run,) = _parse(KERAS_JSON, text)
    series = _by_name(run)
    assert set(series) == set(HISTORY)
    for name, values in HISTORY.items():
        _assert_values(series[name].values, values)
        _assert_values(series[name].steps, list(range(len(values))))
        assert series[name].granularity is Granularity.EPOCH
    assert math.isnan(series["loss"].values[3]) and series["val_loss"].values[4] == -math.inf
    assert run.warnings == []


def test_keras_history_orjson_path_and_json_fallback_agree():
    finite = {k: [v if math.isfinite(v) else 1.0 for v in vs] for k, vs in HISTORY.items()}
    (fast,) = _parse(KERAS_JSON, json.dumps(finite))  # orjson reads it
    with_nan = dict(finite, extra=[float("nan")] * 5)  # orjson refuses NaN: json fallback
    (fallback,) = _parse(KERAS_JSON, json.dumps(with_nan))
    for name in finite:
        _assert_values(_by_name(fast)[name].values, finite[name])
        _assert_values(_by_name(fallback)[name].values, finite[name])
    _assert_values(_by_name(fallback)["extra"].values, [float("nan")] * 5)


def test_keras_history_pretty_printed_with_crlf_and_bom():
    text = json.dumps(HISTORY, indent=2).replace("\n", "\r\n")
    (run,) = _parse(KERAS_JSON, b"\xef\xbb\xbf" + text.encode())
    for name, values in HISTORY.items():
        _assert_values(_by_name(run)[name].values, values)


def test_wrapped_history_uses_the_epoch_list():
    doc = {
        "history": {"loss": [0.5, 0.4, 0.3], "val_loss": [0.6, 0.5, 0.45]},
        "params": {"verbose": 1, "epochs": 8, "steps": 32},
        "epoch": [5, 6, 7],  # fit(..., initial_epoch=5)
    }
    (run,) = _parse(KERAS_JSON, json.dumps(doc))
    series = _by_name(run)
    assert set(series) == {"loss", "val_loss"}
    _assert_values(series["loss"].steps, [5, 6, 7])
    _assert_values(series["val_loss"].values, [0.6, 0.5, 0.45])


def test_step_index_list_gives_step_granularity():
    doc = {"global_step": [100, 200, 300], "loss": [0.5, 0.4, 0.3]}
    (run,) = _parse(KERAS_JSON, json.dumps(doc))
    (series,) = run.series
    assert series.granularity is Granularity.STEP
    _assert_values(series.steps, [100, 200, 300])


def test_records_form_and_appended_runs():
    records = [
        {"epoch": 0, "loss": 0.9, "val_loss": 1.0},
        {"epoch": 1, "loss": 0.8},
        {"epoch": 2, "loss": 0.7, "val_loss": 0.85},
        {"epoch": 0, "loss": 0.95, "val_loss": 1.1},  # the script ran again
        {"epoch": 1, "loss": 0.6, "val_loss": 0.7},
    ]
    first, second = _parse(KERAS_JSON, json.dumps(records))
    _assert_values(_by_name(first)["loss"].steps, [0, 1, 2])
    _assert_values(_by_name(first)["val_loss"].steps, [0, 2])
    _assert_values(_by_name(first)["val_loss"].values, [1.0, 0.85])
    _assert_values(_by_name(second)["loss"].values, [0.95, 0.6])


def test_records_resumed_from_a_middle_epoch_stay_one_run():
    records = [{"epoch": e, "loss": 1.0 / (e + 1)} for e in (0, 1, 2, 3, 2, 3, 4)]
    (run,) = _parse(KERAS_JSON, json.dumps(records))
    _assert_values(run.series[0].steps, [0, 1, 2, 3, 2, 3, 4])


def test_json_lines_with_a_truncated_last_line():
    lines = [json.dumps({"epoch": e, "loss": 1.0 - e / 10}) for e in range(4)]
    text = "\r\n".join(lines) + '\r\n{"epoch": 4, "lo'
    (run,) = _parse(KERAS_JSON, text, "metrics.jsonl")
    _assert_values(run.series[0].values, [1.0, 0.9, 0.8, 0.7])
    assert any("line 5" in w and "dropped" in w for w in run.warnings)


def test_json_lines_error_names_the_line_and_key():
    text = '{"epoch": 0, "loss": 1.0}\n{"epoch": 1, "loss": "abc"}\n{"epoch": 2, "loss": 0.5}\n'
    with pytest.raises(ParseError) as err:
        _parse(KERAS_JSON, text, "metrics.jsonl")
    assert err.value.line == 2
    assert str(err.value) == "metrics.jsonl: line 2: column 'loss': expected a number, got 'abc'"


def test_nested_by_split_is_flattened_into_names_normalization_reads():
    doc = {"train": {"loss": [0.5, 0.4]}, "val": {"loss": [0.6, 0.55], "acc": [0.7, 0.72]}}
    (run,) = _parse(KERAS_JSON, json.dumps(doc))
    names = {normalize_name(s.name).name: s for s in run.series}
    assert set(names) == {"loss", "val_loss", "val_accuracy"}
    _assert_values(names["val_loss"].values, [0.6, 0.55])


def test_custom_train_loss_dict():
    doc = {"train_loss": [0.5, 0.4, 0.3], "val_loss": [0.6, 0.5, 0.5], "lr": [0.1, 0.1, 0.01]}
    (run,) = _parse(KERAS_JSON, json.dumps(doc))
    assert {normalize_name(s.name).name for s in run.series} == {"loss", "val_loss", "lr"}


def test_unequal_lengths_are_kept_and_warned_about():
    doc = {"loss": [0.5, 0.4, 0.3, 0.2], "val_loss": [0.6, 0.5]}
    (run,) = _parse(KERAS_JSON, json.dumps(doc))
    assert _by_name(run)["val_loss"].values.size == 2
    assert any("validation_freq" in w for w in run.warnings)


def test_non_numeric_element_names_the_field_path():
    doc = {"history": {"loss": [0.5] * 20, "val_loss": [0.6] * 12 + ["abc"]}}
    with pytest.raises(ParseError) as err:
        _parse(KERAS_JSON, json.dumps(doc))
    assert err.value.field == "history.val_loss[12]"
    assert (
        str(err.value) == "history.json: field 'history.val_loss[12]': expected a number, got 'abc'"
    )


@pytest.mark.parametrize("value", ["true", "{}", "[1]"])
def test_other_non_numbers_in_a_series_are_errors(value):
    with pytest.raises(ParseError, match=r"loss\[1\]"):
        _parse(KERAS_JSON, f'{{"loss": [0.5, {value}]}}')


def test_json_syntax_error_names_line_and_column():
    text = '{\n  "loss": [0.5, 0.4],\n  "val_loss": [0.6 0.5]\n}'
    with pytest.raises(ParseError) as err:
        _parse(KERAS_JSON, text)
    assert err.value.line == 3
    assert str(err.value).startswith("history.json: line 3: invalid JSON:")
    assert "column 20" in str(err.value)


def test_nulls_are_dropped_with_a_warning_and_quoted_specials_read():
    (run,) = _parse(KERAS_JSON, '{"loss": [0.5, null, "NaN", 0.2]}')
    _assert_values(run.series[0].steps, [0, 2, 3])
    _assert_values(run.series[0].values, [0.5, float("nan"), 0.2])
    assert any("null" in w for w in run.warnings)


def test_integers_beyond_float_range_read_as_inf():
    # json.loads would refuse a 4400-digit integer (int max str digits); it is just infinite.
    (run,) = _parse(KERAS_JSON, '{"loss": [0.5, ' + "9" * 4400 + ", NaN]}")
    _assert_values(run.series[0].values, [0.5, float("inf"), float("nan")])


def test_string_lists_are_skipped_not_fatal():
    (run,) = _parse(KERAS_JSON, '{"loss": [0.5, 0.4], "notes": ["a", "b"], "model": "resnet"}')
    assert [s.name for s in run.series] == ["loss"]
    assert any("'notes'" in w for w in run.warnings)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"loss": []}', EmptyLogError),
        ('{"params": {"epochs": 3}}', EmptyLogError),
        ('"loss"', FormatError),
        ("[1, 2, 3]", FormatError),
        (b"\xff\xfe{", ParseError),
        ("[" * 100_000, ParseError),
    ],
)
def test_keras_bad_documents(text, error):
    with pytest.raises(error) as err:
        _parse(KERAS_JSON, text)
    assert err.value.source == "history.json"


def test_keras_point_limit():
    doc = {"loss": [0.5] * 4, "val_loss": [0.6] * 4}
    _parse(KERAS_JSON, json.dumps(doc), limits=IngestLimits(max_points=8))
    with pytest.raises(LimitExceededError):
        _parse(KERAS_JSON, json.dumps(doc), limits=IngestLimits(max_points=7))
    records = [{"epoch": e, "loss": 0.5} for e in range(10)]
    with pytest.raises(LimitExceededError):
        _parse(KERAS_JSON, json.dumps(records), limits=IngestLimits(max_points=9))


# --------------------------------------------------------------------------- TensorBoard JSON

TB_POINTS = [[1.7e9 + i, i, 1.0 / (i + 1)] for i in range(5)] + [[1.7e9 + 5, 5, float("nan")]]


def test_tensorboard_json_download():
    name = "run-20240101-120000_validation-tag-epoch_loss.json"
    (run,) = _parse(TB_JSON, json.dumps(TB_POINTS), name)
    (series,) = run.series
    assert run.label == "20240101-120000_validation"
    assert series.split_hint is Split.VALIDATION and series.granularity is Granularity.EPOCH
    assert normalize_name(series.name, split_hint=series.split_hint).name == "val_loss"
    _assert_values(series.wall_times, [p[0] for p in TB_POINTS])
    _assert_values(series.steps, [p[1] for p in TB_POINTS])
    _assert_values(series.values, [p[2] for p in TB_POINTS])


def test_tensorboard_json_step_tag_and_plain_name():
    (run,) = _parse(TB_JSON, json.dumps(TB_POINTS[:3]), "run-train-tag-batch_loss.json")
    assert run.series[0].granularity is Granularity.STEP
    assert run.series[0].split_hint is Split.TRAIN
    (run,) = _parse(TB_JSON, json.dumps(TB_POINTS[:3]), "loss.json")
    assert run.series[0].name == "loss" and run.warnings


@pytest.mark.parametrize(
    ("text", "error", "where"),
    [
        ('[[1.0, 0, 0.5], [2.0, 1, "x"]]', ParseError, "'[1][2]'"),
        ("[[1.0, 0, 0.5], [2.0, 1]]", ParseError, "'[1]'"),
        ("[[1.0, 0, 0.5], [2.0, NaN, 0.4]]", ParseError, "'[1][1]'"),
        ("[[1.0, 0, null]]", ParseError, "'[0][2]'"),
        ('{"loss": [1]}', FormatError, "expected a TensorBoard JSON download"),
        ("[]", EmptyLogError, "empty"),
    ],
)
def test_tensorboard_json_errors(text, error, where):
    with pytest.raises(error) as err:
        _parse(TB_JSON, text, "run-x-tag-loss.json")
    assert where in str(err.value) and str(err.value).startswith("run-x-tag-loss.json: ")


def test_tensorboard_json_point_limit():
    with pytest.raises(LimitExceededError):
        _parse(TB_JSON, json.dumps(TB_POINTS), limits=IngestLimits(max_points=5))


# --------------------------------------------------------------------------- Hugging Face


def test_hf_trainer_state():
    state = _trainer_state()
    text = json.dumps(state, indent=2, sort_keys=True) + "\n"
    (run,) = _parse(HF_TRAINER_STATE, text, "checkpoint-40/trainer_state.json")
    series = _by_name(run)
    assert set(series) == {"loss", "learning_rate", "grad_norm", "eval_loss", "eval_accuracy"}
    assert all(s.granularity is Granularity.STEP for s in run.series)
    train = [e for e in state["log_history"] if "loss" in e]
    evals = [e for e in state["log_history"] if "eval_loss" in e]
    _assert_values(series["loss"].steps, [e["step"] for e in train])
    _assert_values(series["loss"].values, [e["loss"] for e in train])
    _assert_values(series["eval_loss"].steps, [e["step"] for e in evals])
    _assert_values(series["eval_loss"].values, [e["eval_loss"] for e in evals])
    assert normalize_name("eval_loss").name == "val_loss"
    assert normalize_name("learning_rate").name == "lr"


def test_hf_errors_name_the_entry():
    state = _trainer_state()
    state["log_history"][2]["loss"] = "oops"
    with pytest.raises(ParseError) as err:
        _parse(HF_TRAINER_STATE, json.dumps(state), "trainer_state.json")
    assert str(err.value) == (
        "trainer_state.json: field 'log_history[2].loss': expected a number, got 'oops'"
    )
    del state["log_history"][2]["step"]
    with pytest.raises(ParseError, match=r"log_history\[2\]'"):
        _parse(HF_TRAINER_STATE, json.dumps(state), "trainer_state.json")


@pytest.mark.parametrize(
    ("doc", "error"),
    [
        ({"epoch": 1.0}, FormatError),
        ({"log_history": {}}, ParseError),
        ({"log_history": []}, EmptyLogError),
        ({"log_history": [{"epoch": 3.0, "step": 9, "train_runtime": 1.0}]}, EmptyLogError),
        ({"log_history": [5]}, ParseError),
    ],
)
def test_hf_bad_documents(doc, error):
    with pytest.raises(error):
        _parse(HF_TRAINER_STATE, json.dumps(doc), "trainer_state.json")


def test_hf_point_limit():
    text = json.dumps(_trainer_state())
    with pytest.raises(LimitExceededError):
        _parse(HF_TRAINER_STATE, text, limits=IngestLimits(max_points=10))


# --------------------------------------------------------------------------- sniffing


def _best(data: bytes, filename: str) -> tuple[str, float]:
    scores = {p.name: p.sniff(data[: 64 * 1024], filename) for p in PARSERS}
    best = max(scores, key=scores.get)
    return best, scores[best]


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (json.dumps(HISTORY).encode(), "history.json", "keras-history-json"),
        (
            json.dumps({"history": HISTORY, "epoch": [0, 1, 2, 3, 4]}).encode(),
            "",
            "keras-history-json",
        ),
        (json.dumps([{"epoch": 0, "loss": 0.5}]).encode(), "log.json", "keras-history-json"),
        (
            b'{"epoch": 0, "loss": 0.5}\n{"epoch": 1, "loss": 0.4}\n',
            "m.jsonl",
            "keras-history-json",
        ),
        (json.dumps(TB_POINTS).encode(), "run-a_train-tag-epoch_loss.json", "tensorboard-json"),
        (json.dumps(TB_POINTS).encode(), "", "tensorboard-json"),
        (
            json.dumps(_trainer_state(), indent=2, sort_keys=True).encode(),
            "trainer_state.json",
            "hf-trainer-state",
        ),
        (json.dumps(_trainer_state()).encode(), "state.json", "hf-trainer-state"),
    ],
)
def test_sniff_picks_the_right_json_format(data, filename, expected):
    name, score = _best(data, filename)
    assert name == expected and score >= 0.7


def test_sniff_of_a_large_history_sees_only_the_head():
    big = json.dumps({"loss": list(np.linspace(1, 0, 50_000)), "val_loss": [0.5] * 50_000})
    assert _best(big.encode()[: 64 * 1024], "h.json")[0] == "keras-history-json"


@pytest.mark.parametrize(
    "data",
    [
        b"epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.55\n",
        b"Wall time,Step,Value\n1700000000.0,0,0.5\n",
        bytes(range(256)) * 10,
        b'\x18\x00\x00\x00\x00\x00\x00\x00\xa3\x7fK"\t\x00\x00\x00\x00\x00\x00',
        b"Epoch 1/10\n32/32 [==============================] - 0s 2ms/step - loss: 0.5\n",
        b'{"name": "resnet", "layers": 50}',
        b"",
    ],
)
def test_sniff_is_near_zero_on_other_content(data):
    for parser in PARSERS:
        assert parser.sniff(data, "x.csv") < 0.2, parser.name


# --------------------------------------------------------------------------- robustness

SAMPLES = [
    json.dumps(HISTORY).encode(),
    json.dumps({"history": HISTORY, "epoch": list(range(5))}, indent=1).encode(),
    json.dumps([{"epoch": 0, "loss": 0.5, "val_loss": 0.6}, {"epoch": 1, "loss": 0.4}]).encode(),
    b'{"epoch": 0, "loss": 0.5}\n{"epoch": 1, "loss": NaN}\n',
    json.dumps(TB_POINTS).encode(),
    json.dumps(_trainer_state(), indent=2).encode(),
]


JSON_PIECES = [
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b",",
    b"9" * 400,
    b"NaN",
    b"-",
    b"1e999",
    b"null",
    b"true",
    b"\n",
    b"\xff",
]


def mutated():
    return mutations(SAMPLES, JSON_PIECES, max_repeat=50, max_delete=20)


def _only_input_errors(data: bytes) -> None:
    parse_or_input_error(
        PARSERS, data, "f.json", LIMITS, sniff_name="run-x_train-tag-epoch_loss.json"
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_json_raises_only_input_errors(data):
    _only_input_errors(data)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_raise_only_input_errors(data):
    _only_input_errors(data)


json_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.sampled_from(
                ["loss", "epoch", "step", "history", "log_history", "val", "eval_loss", "x"]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_shapes_raise_only_input_errors(value):
    _only_input_errors(json.dumps(value).encode())
