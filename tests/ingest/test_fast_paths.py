"""The ingest fast paths against the straightforward ones they stand in for.

- ``csv_table.read_dense`` (Python's ``float()`` on a small table of plain numbers) must give
  the very same Table as pandas' C engine, bit for bit, and the same errors; where pandas
  reads a number otherwise (``-0`` in an integer column, integers beyond int64), it must
  leave the body to pandas.
- The console sniffers' cheap first checks must only say "no" where the full scan finds
  nothing.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from analyzer.errors import InputError
from analyzer.ingest import console, csv_sniff, csv_table
from analyzer.ingest.console import (
    _ANSI,
    _MAYBE_MARKER,
    _SEGMENT,
    KERAS_CONSOLE,
    TEXT_LOG,
    _text_lines,
    parse_text_line,
)
from analyzer.ingest.csv_table import read_dense, read_table

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DELIMITERS = st.sampled_from([",", ";", "\t", "|"])


def _outcome(data: bytes) -> object:
    """Everything read_table says about ``data``, with arrays as bytes (bit-identical)."""
    try:
        table = read_table(data, "x.csv")
    except InputError as exc:
        return type(exc).__name__, str(exc)
    return (
        table.delimiter,
        table.warnings,
        [
            (
                s.names,
                s.header_line,
                s.lines.tobytes(),
                [(v.dtype.str, v.tobytes()) for v in s.values],
                [m.tobytes() for m in s.missing],
                [b.tobytes() for b in s.blank],
            )
            for s in table.sections
        ],
    )


def _by_pandas(data: bytes) -> object:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_table, "DENSE_MAX_BYTES", -1)  # every body goes to pandas
        return _outcome(data)


def _body(rows: list[list[str]], delimiter: str, newline: str, last_newline: bool) -> str:
    return newline.join(delimiter.join(row) for row in rows) + (newline if last_newline else "")


# --------------------------------------------------------------------------- read_dense

DIGITS = "0123456789"


@st.composite
def plain_numbers(draw) -> str:
    """Numbers as loops print them, which read_dense must take: up to 8 integer digits, up to
    30 decimals, an exponent down to e-99 (no -0, nothing near the float range's ends)."""
    whole = draw(st.text(DIGITS, min_size=1, max_size=8))
    text = whole
    if draw(st.booleans()):
        text += "." + draw(st.text(DIGITS, max_size=30))
    if draw(st.booleans()):
        text += draw(st.sampled_from("eE")) + draw(st.sampled_from(["", "-", "+"]))
        text += str(draw(st.integers(0, 9))) if text[-1] != "-" else str(draw(st.integers(0, 99)))
    if draw(st.booleans()) and float(text) != 0:
        text = "-" + text
    return text


@st.composite
def dense_tables(draw) -> tuple[str, int]:
    ncols = draw(st.integers(1, 6))
    rows = draw(
        st.lists(st.lists(plain_numbers(), min_size=ncols, max_size=ncols), min_size=1, max_size=30)
    )
    delimiter = draw(DELIMITERS)
    text = _body(rows, delimiter, draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans()))
    return text, ncols


@SETTINGS
@given(dense_tables(), st.booleans())
def test_read_dense_takes_plain_tables_and_reads_them_as_pandas_does(table, header):
    text, ncols = table
    delimiter = next((d for d in ",;\t|" if d in text), ",")
    assert read_dense(text.encode(), delimiter, ncols) is not None
    names = delimiter.join(f"m{j}" for j in range(ncols)) + "\n" if header else ""
    data = (names + text).encode()
    assert _outcome(data) == _by_pandas(data)


#: Cells of every kind: numbers in every spelling float() and pandas know, and what they
#: disagree on or refuse.
ANY_CELL = st.one_of(
    plain_numbers(),
    st.from_regex(r"\A[-+]?[0-9]{0,25}\.?[0-9]{0,25}([eE][-+]?[0-9]{1,4})?\Z"),
    st.sampled_from(
        ["-0", "-00", "+0", "-0.0", "0", "+1.5", "1e+05", "3.", ".5", "-.5", "007", "", " 1",
         '"1"', "NA", "nan", "inf", "1_0", "1.2.3", "e5", "-", ".", "9223372036854775807",
         "9223372036854775808", "18446744073709551617", "123456789012345678901234567890",
         "1e400", "1e-400", "2.4703282292062328e-324", "1.7976931348623159e308",
         "1.00000000000000011102230246251565404236316680908203125", "9007199254740993"]
    ),
)  # fmt: skip


@st.composite
def any_tables(draw) -> bytes:
    ncols = draw(st.integers(1, 5))
    rows = draw(
        st.lists(
            st.lists(ANY_CELL, min_size=max(ncols - 1, 0), max_size=ncols + 1),
            min_size=1,
            max_size=12,
        )
    )
    if draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), [])  # a blank line
    delimiter = draw(DELIMITERS)
    header = [delimiter.join(f"m{j}" for j in range(ncols))] if draw(st.booleans()) else []
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [*header, *(delimiter.join(row) for row in rows)]
    return (newline.join(lines) + (newline if draw(st.booleans()) else "")).encode()


@SETTINGS
@given(any_tables())
def test_read_table_is_the_same_with_and_without_the_dense_reader(data):
    assert _outcome(data) == _by_pandas(data)


@SETTINGS
@given(st.lists(ANY_CELL, min_size=1, max_size=40))
def test_read_dense_floats_are_pandas_floats(cells):
    """One column of any number spellings: read_dense either declines or gives pandas'
    floats bit for bit (both round correctly; pandas' integer columns are checked too)."""
    cells = [c for c in cells if c.strip()]
    assume(cells)
    body = ("\n".join(cells) + "\n").encode()
    dense = read_dense(body, ",", 1)
    if dense is not None:
        data = b"value\n" + body
        assert _outcome(data) == _by_pandas(data)


@pytest.mark.parametrize(
    ("cells", "taken"),
    [
        (["0", "1", "2"], True),
        (["0.1", "1.00000000000000011102230246251565404236316680908203125"], True),
        (["0.6931471824645996", "0.30000001192092896"], True),  # float32 reprs, as Keras logs
        (["9007199254740993", "1"], True),  # 2**53 + 1: int64 in pandas, rounded the same
        (["1e+05", "3.", ".5", "-.5", "007"], True),
        (["-0", "1"], False),  # pandas: 0.0 in an integer column (float() says -0.0)
        (["9223372036854775808"], False),  # beyond int64: pandas keeps the text
        (["+1.5"], False),
        (["1e400"], False),
        (["4.9e-324", "1"], False),  # a subnormal: near the end of the float range
        (["1", ""], False),
        (["nan"], False),
    ],
)
def test_read_dense_declines_what_pandas_reads_otherwise(cells, taken):
    body = ("\n".join(cells) + "\n").encode()
    assert (read_dense(body, ",", 1) is not None) is taken
    data = b"value\n" + body
    assert _outcome(data) == _by_pandas(data)


def test_read_dense_refuses_ragged_rows_and_other_delimiters():
    assert read_dense(b"0,1\n2\n", ",", 2) is None
    assert read_dense(b"0,1,2\n", ",", 2) is None
    assert read_dense(b"0 1\n", " ", 2) is None
    assert read_dense(b"0.5,1\n2,3\r4,5\n", ",", 2) is None  # a lone CR ends a line in pandas
    section = read_dense(b"0,0.5\r\n1,0.25", ",", 2)
    assert section is not None
    assert section.lines.tolist() == [0, 1]
    assert [v.tolist() for v in section.values] == [[0.0, 1.0], [0.5, 0.25]]


def _head_infos(data: bytes) -> tuple[object, object]:
    """head_info of ``data`` with and without its dense shortcut (uncached)."""
    fast = csv_sniff._head_info.__wrapped__(data)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(csv_sniff, "plain_numbers", lambda *args: None)
        return fast, csv_sniff._head_info.__wrapped__(data)


@SETTINGS
@given(st.one_of(any_tables(), dense_tables().map(lambda table: table[0].encode())))
def test_sniff_head_info_is_the_same_with_and_without_the_dense_shortcut(data):
    fast, slow = _head_infos(data)
    assert fast == slow


def test_sniff_head_info_takes_the_shortcut_for_a_keras_file():
    data = b"epoch,loss,val_loss\n0,0.5,0.6\n1,0.4,0.55\n"
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        split = csv_sniff.split_fields
        patch.setattr(
            csv_sniff, "split_fields", lambda line, d: calls.append(line) or split(line, d)
        )
        info = csv_sniff._head_info.__wrapped__(data)
    assert calls == ["epoch,loss,val_loss"]  # the rows were not split cell by cell
    assert info == csv_sniff.HeadInfo(
        ["epoch", "loss", "val_loss"],
        [["0", "0.5", "0.6"], ["1", "0.4", "0.55"]],
        True,
        False,
        False,
    )
    assert _head_infos(data)[1] == info


# --------------------------------------------------------------------------- console sniffers

TEXT_PIECES = st.sampled_from(
    ["epoch", "Epoch", "EPOCH", "step", "global_step", "iter", "Iteration", "batch", "eta",
     "loss", "val_loss", "x" * 64, "3", "12", "0.5", "\u0663", ":", "=", "[", "(", "#", "/",
     ",", "-", ".", " ", "\t", "\r", "\n", "\x0b", "\xa0", "\x08", "\u2028", "ſtep", "ıter"]
)  # fmt: skip


@SETTINGS
@given(st.lists(TEXT_PIECES, max_size=30).map("".join))
def test_marker_precheck_only_rejects_text_without_markers(text):
    """No candidate in the lowercased text means no line of it has a marker, so the text-log
    sniffer's full scan would have found no log line."""
    if _MAYBE_MARKER.search(text.lower()) is None:
        assert not any(parse_text_line(line).markers for line in _text_lines(text))


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            ["Epoch", "Epoch ", "1/3", "\n", "\r", "\x08", " ", "32/32", "[====]", "- 0s",
             "- loss", ": ", "0.5", "loss", "val_", "━", "Unknown", "- 1s - "]
        ),
        max_size=25,
    ).map("".join)
)  # fmt: skip
def test_keras_console_precheck_only_rejects_text_the_patterns_miss(text):
    if "Epoch " not in text and "loss: " not in text:
        assert KERAS_CONSOLE.sniff(text.encode(), "fit.log") == 0.0
        scanned = _SEGMENT.sub("\n", _ANSI.sub("", text))
        assert not KERAS_CONSOLE._SNIFF_HEADER.search(scanned)
        assert not KERAS_CONSOLE._SNIFF_PROGRESS.search(scanned)


@pytest.mark.parametrize("word", sorted(console._MARKERS))
def test_marker_precheck_knows_every_marker_word(word):
    line = f"{word.upper()} [3/10] loss: 0.5"
    assert parse_text_line(line).markers
    assert _MAYBE_MARKER.search(line.lower())
    assert TEXT_LOG.sniff(line.encode(), "train.log") > 0


def test_prechecks_let_real_logs_through():
    assert _MAYBE_MARKER.search("epoch [3/10] loss: 0.5".lower())
    assert _MAYBE_MARKER.search("Iteration #12: loss=0.5".lower())
    assert re.search(_MAYBE_MARKER, "global_step=100 loss 0.4")
    assert KERAS_CONSOLE.sniff(b"Epoch 1/2\n32/32 [====] - 0s - loss: 0.5\n", "x") > 0.9
    assert np.isclose(KERAS_CONSOLE.sniff(b"\x1b[1mEpo\x1b[0mch 1/2\nEpoch 2/2\n", "x"), 0.3)


def _keras_sniff_scanning_all(head: bytes) -> float:
    """KerasConsoleParser.sniff without its precheck: both patterns on the whole text."""
    text = _SEGMENT.sub("\n", _ANSI.sub("", head.decode("utf-8", errors="replace")))
    headers = len(KERAS_CONSOLE._SNIFF_HEADER.findall(text))
    progress = KERAS_CONSOLE._SNIFF_PROGRESS.search(text) is not None
    if headers and progress:
        return 0.95
    if progress:
        return 0.4
    return 0.3 if headers >= 2 else 0.0


def _sniffs(head: bytes) -> tuple[tuple[float, float], tuple[float, float]]:
    """(fast, straightforward) scores of the Keras console and the text-log sniffers."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(console, "_MAYBE_MARKER", re.compile(""))  # every text goes to the scan
        text_log = TEXT_LOG.sniff(head, "train.log")
    fast = (KERAS_CONSOLE.sniff(head, "train.log"), TEXT_LOG.sniff(head, "train.log"))
    return fast, (_keras_sniff_scanning_all(head), text_log)


#: Console output as frameworks and loops print it: progress bars rewritten with ``\r`` and
#: backspaces, ANSI colours (also inside the words the prechecks look for), unusual spacing,
#: text that is not English, and lines the sniffers must keep rejecting.
CONSOLE_LOGS = [
    "Epoch 1/3\n32/32 [==============================] - 1s 3ms/step - loss: 0.5 - val_loss: 0.6\n",
    "Epoch 1/2\n\b\b\b\b\r 1/32 [>....] - ETA: 3s - loss: 0.9"
    "\b\b\b\b\r32/32 [=====] - 0s - loss: 0.5\n",
    "Epoch 1/2\n - 0s - loss: 0.5 - val_loss: 0.6\nEpoch 2/2\n - 0s - loss: 0.4 - val_loss: 0.5\n",
    "\x1b[1mEpoch 1/2\x1b[0m\n\r\x1b[1m32/32\x1b[0m \x1b[32m━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m "
    "\x1b[1m1s\x1b[0m 4ms/step - loss: 0.5\n",
    "\x1b[1mEpo\x1b[0mch 1/2\n\x1b[1mEpo\x1b[0mch 2/2\n",  # ANSI codes split every header
    "32/32 \x1b[32m━━━━━━━━━━\x1b[0m - 1s - \x1b[1mloss\x1b[0m: 0.5\n",  # ... and "loss: "
    "32/32 [==============================] - 0s - loss: 0.5\n",  # progress, no header
    "  Epoch 1/3  \n\t 8/8 [====] - 0s - val_loss: 0.7\r\n",
    "Epoch  1/3\nEpoch\t2/3\nEpoch\xa03/3\n",  # not Keras' spacing: no header
    "ep\x1b[0moch 3 loss 0.5\nep\x1b[0moch 4 loss 0.4\n",  # ANSI inside a text-log marker
    "\x1b[32mstep\x1b[0m 100: loss=0.45\n",
    "Epoch [1][50/100]\tlr: 1.000e-02, loss: 0.5\n",
    "| epoch 001 | loss 4.5 | ppl 22.6\n| epoch 002 | loss 4.1 | ppl 17.1\n",
    "iter: 19  total_loss: 2.1  lr: 0.001\n",
    "Iteration #12: loss=0.5\nITERATION #13: loss=0.4\n",
    "Epoch 0:  50%|█████     | 5/10 [00:00<00:00, 12.34it/s, loss=0.5, v_num=0]\r"
    "Epoch 0: 100%|██████████| 10/10 [00:01<00:00, 9.87it/s, loss=0.4, v_num=0]\n",
    "global_step\u2003=\u00a0٣ loss 0.4\n",
    "Época 3 — pérdida: 0.5\nエポック 3: 損失=0.5\n第 3 轮 epoch: loss=0.5\n",
    "ſtep 3 loss 0.5\nıter 4 loss 0.4\n",
    "epoch3 loss 0.5\nstep -3 loss 0.5\nbatch\u200b3 loss 0.5\n",
]


@pytest.mark.parametrize("text", CONSOLE_LOGS)
def test_console_prechecks_give_the_scores_of_the_full_scans(text):
    fast, straightforward = _sniffs(text.encode())
    assert fast == straightforward


def test_console_logs_cover_both_answers_of_both_sniffers():
    """The list above holds logs each sniffer recognises and logs it rejects."""
    scores = [_sniffs(text.encode())[1] for text in CONSOLE_LOGS]
    for sniffer in (0, 1):
        assert any(s[sniffer] > 0 for s in scores) and any(s[sniffer] == 0 for s in scores)


CONSOLE_PIECES = st.sampled_from(
    ["Epoch 1/3", "Epoch", "Epo", "ch", " 1/3", "\x1b[1m", "\x1b[0m", "\x1b", "32/32", " [====]",
     " ━━━━", " - 0s - ", " - 1s 3ms/step", " - loss: ", "loss: ", "val_loss", ": ", "0.5",
     "epoch", "step", "global_step", "Iteration", "batch", "ep", "och", "=", "[", "(", "#",
     " ", "\t", "\xa0", "\n", "\r", "\x08", "\u0663", "Época", "шаг", "ſtep", "|██▌ |"]
)  # fmt: skip


@SETTINGS
@given(st.lists(CONSOLE_PIECES, max_size=30).map("".join))
def test_console_prechecks_give_the_scores_of_the_full_scans_on_any_text(text):
    fast, straightforward = _sniffs(text.encode())
    assert fast == straightforward
