"""Console text: what the terminal showed while a model trained.

Two formats:

* ``KERAS_CONSOLE``: the output of Keras ``model.fit`` (TF2 ``verbose=1`` progress bars,
  ``verbose=2`` one-liners, TF1's ``- 0s - loss: ...`` and the Keras 3 ``━━━`` bars).
* ``TEXT_LOG``: hand-written training loops that print a line per epoch or step.

Both read the bytes as UTF-8 (undecodable bytes replaced: terminals capture junk), drop ANSI
escape sequences, and treat ``\\r`` and runs of ``\\b`` as the terminal does: the progress bar
rewrote the line. Every scanned piece of text is cut to :data:`MAX_SCAN` characters first and
every regex has bounded repetitions, so hostile input cannot make a scan slow.

Keras console rules. ``Epoch 3/100`` alone on a line starts epoch 2 (0-based, like the CSV and
TensorBoard logs of the same run). The progress updates that follow are candidates; an update is
*complete* when its batch counter is full (``32/32``) or when it is a TF1 ``verbose=2`` line. The
epoch's values are the complete update with the most metrics, the earliest of equals: the final
update adds the ``val_*`` metrics to the last batch's, and an ``evaluate`` run printed after the
epoch has fewer metrics, so neither the bare last batch nor a later evaluation wins. Without a
known total (``32/Unknown``), the last update counts. An epoch without any usable update is
skipped with a warning. ``Epoch 1/...`` (or any number not above the run's first) after a
header of the same run starts a new run.

Text-log grammar (:func:`parse_text_line`). A line is a sequence of tokens: numbers (a unit glued
to them, ``12.3s`` or ``81%``, is ignored), words, ``:``/``=``, ``/`` and other punctuation.
A *marker* is one of the words ``epoch``, ``step``/``global_step``/``iter``/``iteration`` or
``batch`` followed by a number (``Epoch 3``, ``Epoch [3/200]``, ``[epoch 3]``, ``Step 100:``).
A *pair* is one or two words followed by a number, with or without ``:``/``=``
(``Loss: 0.59``, ``val_loss=0.61``, ``train loss 0.59``); the words join with ``_``
(``Val Loss`` -> ``Val_Loss``, normalized later). Punctuation other than ``[``, ``(``, ``#``
ends a name; a number after ``/`` is a total, not a value; a few small words (``with``,
``of``, ``took``...) start a name afresh, so ``with val loss 0.5`` names ``val_loss``.

A log line has a marker and at least one pair; a line with only a marker (``Epoch 3/200``)
gives its marker to the pair-only lines after it. Step markers win over epoch (a global
counter); a line with ``epoch`` and ``batch`` but no step is a within-epoch report and is
skipped. Epoch numbers are taken as 1-based (``Epoch 1/200`` is epoch 0) unless the file prints
an epoch 0. Repeated values of a metric at the same index (a tqdm bar's updates) keep the last.
A counter that goes back to (or below) its first value starts a new run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from analyzer.errors import EmptyLogError, FormatError
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.model import Granularity
from analyzer.model.names import INDEX_COLUMNS, WALL_TIME_COLUMNS

#: Characters of one line (or one progress update) that are scanned; the rest is ignored.
MAX_SCAN = 4096

_ANSI = re.compile(r"\x1b\[[0-9;?]{0,32}[ -/]{0,4}[@-~]|\x1b")
_SEGMENT = re.compile(r"\r|\x08+")
_NUMBER = r"[-+]?(?:\d{1,40}(?:\.\d{0,40})?|\.\d{1,40})(?:[eE][-+]?\d{1,4})?|[-+]?(?:nan|inf)\b"


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, text) of each physical line, ANSI codes removed, CRLF handled."""
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.endswith("\r"):
            line = line[:-1]
        if "\x1b" in line:
            line = _ANSI.sub("", line)
        yield lineno, line


def _as_float(text: str) -> float:
    return float(text.lower())


class _Runs:
    """Collects points per run; a restart closes the current run and opens a new one."""

    def __init__(self, source: str, limits: IngestLimits) -> None:
        self.source = source
        self.limits = limits
        self.runs: list[dict[tuple[str, Granularity], tuple[list[float], list[float]]]] = [{}]
        self.total = 0

    def restart(self) -> None:
        if self.runs[-1]:
            self.runs.append({})

    def add(self, name: str, granularity: Granularity, index: float, value: float) -> None:
        steps, values = self.runs[-1].setdefault((name, granularity), ([], []))
        if steps and steps[-1] == index:
            values[-1] = value  # a repeated report of the same point: the last one holds
            return
        steps.append(index)
        values.append(value)
        self.total += 1
        if self.total > self.limits.max_points:
            self.limits.check_points(self.total, self.source)

    def build(self, epoch_offset: float = 0.0) -> list[RawRun]:
        result = []
        for run in self.runs:
            series = []
            for (name, granularity), (steps, values) in run.items():
                shift = epoch_offset if granularity is Granularity.EPOCH else 0.0
                series.append(
                    RawSeries(
                        name,
                        np.array(steps, np.float64) - shift,
                        np.array(values, np.float64),
                        granularity,
                        source=self.source,
                    )
                )
            if series:
                result.append(RawRun(series))
        return result


# --------------------------------------------------------------------------- Keras fit output

_HEADER = re.compile(r"\s{0,40}Epoch (\d{1,9})/(\d{1,9})\s{0,40}")
_PROGRESS = re.compile(r"\s{0,40}(\d{1,12})/(\d{1,12}|Unknown)(?=\s|$)")
_TF1_VERBOSE2 = re.compile(r"\s{0,40}- \d{1,9}s - ")
_PAIR = re.compile(r"- ([A-Za-z_][\w./]{0,99}): (" + _NUMBER + r")(?=\s|$)", re.IGNORECASE)
_NOT_METRICS = frozenset({"eta"})


@dataclass
class _Epoch:
    """The progress updates seen since an ``Epoch n/N`` header."""

    number: int
    line: int
    best: dict[str, float] | None = None
    unknown_total: dict[str, float] | None = None
    updates: int = 0

    def offer(self, pairs: dict[str, float], complete: bool) -> None:
        self.updates += 1
        if complete:
            if self.best is None or len(pairs) > len(self.best):
                self.best = pairs
        else:
            self.unknown_total = pairs

    def values(self) -> dict[str, float] | None:
        return self.best if self.best is not None else self.unknown_total


def _progress(segment: str) -> tuple[dict[str, float], bool | None] | None:
    """(metrics, complete) of a progress update; complete is None for a partial batch count."""
    match = _PROGRESS.match(segment)
    if match:
        done, total = match.groups()
        state = None if total == "Unknown" else (done == total or None)
        if state is None and total != "Unknown":
            return {}, None  # a partial update: only the final one of an epoch counts
    elif _TF1_VERBOSE2.match(segment):
        state = True
    else:
        return None
    pairs = {
        m[1]: _as_float(m[2]) for m in _PAIR.finditer(segment) if m[1].lower() not in _NOT_METRICS
    }
    return pairs, state


class KerasConsoleParser:
    """The text Keras ``model.fit`` prints (see the module docstring for the rules)."""

    name = "keras-console"
    description = "Keras model.fit console output (verbose=1 or 2, TF2 and Keras 3)"

    _SNIFF_HEADER = re.compile(r"(?m)^[ \t]{0,40}Epoch \d{1,9}/\d{1,9}[ \t]{0,40}$")
    _SNIFF_PROGRESS = re.compile(
        r"(?m)^[ \t]{0,40}(?:\d{1,12}/(?:\d{1,12}|Unknown) {1,4}(?:\[[=>.]|━|- \d)|- \d{1,9}s - )"
        r"[^\n]{0,400}?- (?:val_)?loss: "
    )

    def sniff(self, head: bytes, filename: str) -> float:
        text = _decode(head)
        if "Epoch " not in text and "loss: " not in text and "\x1b" not in text:
            return 0.0  # fast no: both patterns need these literals (ANSI codes could split them)
        text = _SEGMENT.sub("\n", _ANSI.sub("", text))
        headers = len(self._SNIFF_HEADER.findall(text))
        progress = self._SNIFF_PROGRESS.search(text) is not None
        if headers and progress:
            return 0.95
        if progress:
            return 0.4
        return 0.3 if headers >= 2 else 0.0

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        runs = _Runs(source.name, limits)
        skipped: list[str] = []
        epoch: _Epoch | None = None
        first_epoch: int | None = None
        saw_header = False

        def close(epoch: _Epoch | None) -> None:
            if epoch is None:
                return
            values = epoch.values()
            if not values:
                skipped.append(f"epoch {epoch.number + 1} (line {epoch.line})")
                return
            for name, value in values.items():
                runs.add(name, Granularity.EPOCH, float(epoch.number), value)

        for lineno, line in _lines(_decode(source.data)):
            for segment in _SEGMENT.split(line):
                segment = segment[:MAX_SCAN]
                header = _HEADER.fullmatch(segment)
                if header:
                    saw_header = True
                    close(epoch)
                    number = int(header[1]) - 1
                    if first_epoch is not None and number <= first_epoch:
                        runs.restart()
                        first_epoch = None
                    if first_epoch is None:
                        first_epoch = number
                    epoch = _Epoch(number, lineno)
                    continue
                if epoch is None:
                    continue
                update = _progress(segment)
                if update is not None and update[0]:
                    epoch.offer(update[0], complete=update[1] is True)
        close(epoch)

        if not saw_header:
            raise FormatError(
                "no 'Epoch 1/10' header line; expected the console output of Keras model.fit",
                source=source.name,
            )
        result = runs.build()
        if not result:
            raise EmptyLogError(
                "no epoch has a complete progress line with metrics; expected e.g. "
                "'32/32 [====] - 0s 2ms/step - loss: 0.41 - val_loss: 0.52'",
                source=source.name,
            )
        if skipped:
            shown = ", ".join(skipped[:5]) + (
                f" and {len(skipped) - 5} more" if len(skipped) > 5 else ""
            )
            result[-1].warnings.append(
                f"{source.name}: skipped {len(skipped)} epoch(s) without a complete progress "
                f"line (interrupted?): {shown}"
            )
        return result


# --------------------------------------------------------------------------- simple text logs

_TOKEN = re.compile(
    r"(?P<num>" + _NUMBER + r")(?P<unit>[A-Za-z%]{0,8})"
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]{0,63})"
    r"|(?P<sep>[:=])"
    r"|(?P<slash>/)"
    r"|(?P<open>[\[(#])"
    r"|(?P<other>[^\sA-Za-z0-9_])",
    re.IGNORECASE,
)
_MARKERS = {
    "epoch": "epoch",
    "step": "step",
    "global_step": "step",
    "iter": "step",
    "iteration": "step",
    "batch": "batch",
}
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "for",
        "from",
        "in",
        "is",
        "of",
        "on",
        "the",
        "to",
        "took",
        "was",
        "with",
    ]
)
_IGNORED_NAMES = INDEX_COLUMNS | WALL_TIME_COLUMNS | {"v_num"}
_MAX_NAME_WORDS = 2
_QUICK_MARKER = re.compile(r"epoch|step|iter|batch", re.IGNORECASE)
#: What every marker needs: one of the :data:`_MARKERS` words, then only ``:``, ``=``, ``[``,
#: ``(``, ``#`` or blanks before a digit, on one line. A text without it has no log line (a
#: cheap first check, run on the lowercased text: ten times faster than re.IGNORECASE).
_MAYBE_MARKER = re.compile("(?:" + "|".join(_MARKERS) + r")(?:[:=\[(#]|[^\S\n])*\d")


@dataclass
class TextLine:
    """What one line of a text log says: its markers and ``name value`` pairs in order."""

    markers: dict[str, int] = field(default_factory=dict)
    pairs: list[tuple[str, float]] = field(default_factory=list)


def parse_text_line(line: str) -> TextLine:
    """Tokenize one line (its first :data:`MAX_SCAN` characters) by the grammar above."""
    result = TextLine()
    words: list[str] = []
    after_slash = False
    for token in _TOKEN.finditer(line[:MAX_SCAN]):
        kind = token.lastgroup
        if kind == "num" or kind == "unit":
            if after_slash:
                after_slash = False
                words = []
                continue
            lowered = words[-1].lower() if words else ""
            if lowered in _MARKERS and token["num"].isdigit():
                result.markers.setdefault(_MARKERS[lowered], int(token["num"]))
            elif words:
                name = "_".join(words)
                if name.lower() not in _IGNORED_NAMES and all(n != name for n, _ in result.pairs):
                    result.pairs.append((name, _as_float(token["num"])))
            words = []
        elif kind == "word":
            after_slash = False
            word = token["word"]
            words = [] if word.lower() in _STOP_WORDS else [*words, word][-_MAX_NAME_WORDS:]
        elif kind == "sep":
            pass
        elif kind == "slash":
            after_slash = True
        elif kind == "open":
            if not (words and words[-1].lower() in _MARKERS):
                words = []
        else:
            after_slash = False
            words = []
    return result


def _index_of(markers: dict[str, int]) -> tuple[str, int] | None:
    """(kind, number) of the counter a line is indexed by, or None for a within-epoch report."""
    if "step" in markers:
        return "step", markers["step"]
    if "epoch" in markers:
        return None if "batch" in markers else ("epoch", markers["epoch"])
    if "batch" in markers:
        return "batch", markers["batch"]
    return None


def _text_lines(text: str) -> Iterator[str]:
    """Lines of text, each ``\\r`` rewrite (a tqdm bar's update) as a line of its own."""
    for _, line in _lines(text):
        if "\r" in line or "\x08" in line:
            yield from _SEGMENT.split(line)
        else:
            yield line


def _log_lines(lines: Iterator[str]) -> Iterator[tuple[tuple[str, int] | None, list]]:
    """(index, pairs) of every log line; index None is a skipped within-epoch batch report.

    A marker-only line (``Epoch 3/200``) carries its index to the pair-only lines after it.
    """
    carried: tuple[str, int] | None = None
    for line in lines:
        if carried is None and not _QUICK_MARKER.search(line[:MAX_SCAN]):
            continue
        parsed = parse_text_line(line)
        if parsed.markers:
            index = _index_of(parsed.markers)
            carried = index if not parsed.pairs else None
            if index is None:
                yield None, []
            elif parsed.pairs:
                yield index, parsed.pairs
        elif carried is not None and parsed.pairs:
            yield carried, parsed.pairs


class TextLogParser:
    """Lines a hand-written loop prints (see the module docstring for the grammar)."""

    name = "text-log"
    description = "Plain-text epoch/step lines ('Epoch 3/200 | Loss: 0.5894', 'step 100 loss=0.4')"

    def sniff(self, head: bytes, filename: str) -> float:
        text = _decode(head[:16384]).lstrip("\ufeff \t\r\n")
        if text[:1] == "{" or text[:2] in ("[{", "[["):
            return 0.0  # JSON, which names its numbers the same way
        if "\x1b" not in text and not _MAYBE_MARKER.search(text.lower()):
            return 0.0  # no marker, so no log line (ANSI codes, removed per line, could hide one)
        matched = sum(index is not None for index, _ in _log_lines(_text_lines(text)))
        if matched == 0:
            return 0.0
        bonus = 0.05 if filename.lower().endswith((".log", ".txt", ".out")) else 0.0
        return min(0.85, 0.45 + 0.07 * min(matched, 5) + bonus)

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        runs = _Runs(source.name, limits)
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        min_epoch: int | None = None
        within_epoch = 0
        for index, pairs in _log_lines(_text_lines(_decode(source.data))):
            if index is None:
                within_epoch += 1
                continue
            kind, number = index
            if kind in last and number < last[kind] and number <= first[kind]:
                runs.restart()
                first.clear()
                last.clear()
            first.setdefault(kind, number)
            last[kind] = number
            if kind == "epoch":
                min_epoch = number if min_epoch is None else min(min_epoch, number)
            granularity = Granularity.EPOCH if kind == "epoch" else Granularity.STEP
            for name, value in pairs:
                runs.add(name, granularity, float(number), value)

        result = runs.build(epoch_offset=0.0 if min_epoch == 0 else 1.0)
        if not result:
            raise EmptyLogError(
                "no line looked like an epoch or step log; expected e.g. "
                "'Epoch 3/200 | Loss: 0.5894' or 'step 100: loss=0.45'",
                source=source.name,
            )
        if within_epoch:
            result[-1].warnings.append(
                f"{source.name}: skipped {within_epoch} line(s) reporting a batch within an "
                "epoch (only per-epoch or per-step lines are read)"
            )
        return result


KERAS_CONSOLE = KerasConsoleParser()
TEXT_LOG = TextLogParser()

PARSERS = (KERAS_CONSOLE, TEXT_LOG)
