"""JSON-family training logs: Keras history JSON, TensorBoard UI JSON downloads and Hugging Face
``trainer_state.json``.

Reading: ``orjson`` first (about 3x faster than :mod:`json` on large histories). It rejects the
bare ``NaN``/``Infinity``/``-Infinity`` tokens that ``json.dump(history.history)`` writes for a
diverged run, so on any orjson error the text is parsed again with :mod:`json`, which accepts
them (kept as float nan/inf, they are evidence of divergence) and reports real syntax errors with
a line and column. A document followed by more documents is read as JSON Lines (one record per
line, as hand-written loops append them); a truncated last line is dropped with a warning.

What counts as a value: a JSON number, or a string ``float()`` reads (``"NaN"``, ``"0.5"``: some
writers quote special floats). ``null`` means "no value here" (pandas writes NaN as ``null``): the
point is dropped and a warning says how many were. Anything else inside a series is a
:class:`~analyzer.errors.ParseError` naming the field path, e.g. ``field 'history.val_loss[12]'``.

Keras history shapes (``KERAS_JSON``):

* ``{"loss": [...], "val_loss": [...], ...}``: list index i is epoch i (0-based, as Keras counts);
* wrapped ``{"history": {...}, "params": {...}, "epoch": [...]}``: an ``epoch`` list (top level
  or inside ``history``) gives the epoch numbers; a ``step``/``global_step``/``iteration`` list
  instead gives global steps (STEP granularity);
* nested dicts of lists, up to three levels, flattened with ``/`` (``{"train": {"loss": [...]},
  "val": {"loss": [...]}}`` gives ``train/loss`` and ``val/loss``, which name normalization reads
  as split + metric, as it reads TensorBoard's ``Loss/train``);
* records ``[{"epoch": 0, "loss": ..., "val_loss": ...}, ...]`` and the same as JSON Lines: the
  ``epoch`` key (else ``step``/``global_step``/...) is the index, else the record position; a
  counter that goes back to its first value starts a new run.

A list is a metric series when it holds at least one number; lists of only strings, objects or
nothing are skipped (with a warning when not empty). Series may have different lengths (element
i is still the i-th epoch of the index), but that usually means validation ran every few epochs
(``validation_freq``), which a history list cannot show, so it is warned about.

Cost: the orjson path reads ~9M points/s here; a file with NaN tokens goes through :mod:`json`
and costs about one ``json.loads`` more (~3x slower), which only diverged runs pay.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import PurePath
from typing import Any

import numpy as np
import orjson

from analyzer.errors import EmptyLogError, FormatError, ParseError
from analyzer.ingest.base import IngestLimits, RawRun, RawSeries, SourceFile
from analyzer.ingest.tb_download_names import parse_tensorboard_download_name
from analyzer.model import Granularity
from analyzer.model.names import INDEX_COLUMNS, WALL_TIME_COLUMNS

_BOM = b"\xef\xbb\xbf"
_NESTING_LEVELS = 3  # how deep dicts of lists are flattened (history -> split -> metric)
_EPOCH_KEYS = frozenset({"epoch", "epochs"})
_NOT_METRICS = INDEX_COLUMNS | WALL_TIME_COLUMNS


# --------------------------------------------------------------------------- reading JSON


@dataclass
class _JsonLines:
    """A JSON Lines document: one object per line, with its 1-based line number."""

    records: list[Any]
    lines: list[int]
    warnings: list[str] = field(default_factory=list)


def _load(source: SourceFile) -> Any:
    """The parsed document (or :class:`_JsonLines`), or a ParseError naming line and column."""
    data = source.data[len(_BOM) :] if source.data.startswith(_BOM) else source.data
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass  # NaN tokens, JSON Lines, huge exponents or a real error: json tells which.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"not UTF-8 text (invalid byte at offset {exc.start}); expected a JSON document",
            source=source.name,
        ) from None
    try:
        return _json_loads(text)
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            lines = _json_lines(text, source.name)
            if lines is not None:
                return lines
        raise ParseError(
            f"invalid JSON: {exc.msg} at column {exc.colno}", source=source.name, line=exc.lineno
        ) from None
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply", source=source.name) from None


def _json_loads(text: str) -> Any:
    # parse_constant=float keeps NaN, Infinity and -Infinity as float nan/inf; parse_int=float
    # because every value becomes a float anyway, and int() refuses integers of over 4300 digits.
    return json.loads(text, parse_constant=float, parse_int=float)


def _json_lines(text: str, name: str) -> _JsonLines | None:
    """Read one JSON object per line, or None when the first line is not an object on its own."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
    result = _JsonLines([], [])
    for i, (lineno, line) in enumerate(numbered):
        try:
            record = _json_loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            if i == 0:
                return None
            if i == len(numbered) - 1:
                result.warnings.append(
                    f"{name}: line {lineno}: the last line is not complete JSON (a truncated "
                    "write?); it was dropped"
                )
                break
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            raise ParseError(f"invalid JSON: {detail}", source=name, line=lineno) from None
        if not isinstance(record, dict):
            if i == 0:
                return None
            raise ParseError(
                f"expected one JSON object per line, got {_show(record)}", source=name, line=lineno
            )
        result.records.append(record)
        result.lines.append(lineno)
    return result


# --------------------------------------------------------------------------- values


def _show(value: Any) -> str:
    """A short description of a JSON value for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _is_value(value: Any) -> bool:
    """A JSON number (not a boolean)."""
    return type(value) is float or type(value) is int


class _Values:
    """Converts JSON values to floats, naming the field path of anything that is not one."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.nulls = 0

    def number(self, value: Any, where: str, *, line: int | None = None) -> float | None:
        """The float value, None for ``null``, or a ParseError at ``where``."""
        if type(value) is float:
            return value
        if type(value) is int:  # orjson's integers fit 64 bits; json's fallback gives floats
            return float(value)
        if value is None:
            self.nulls += 1
            return None
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise ParseError(
            f"expected a number, got {_show(value)}", source=self.source, field=where, line=line
        )

    def array(self, values: list[Any], where: str) -> tuple[np.ndarray, np.ndarray]:
        """(positions, values) of the non-null elements of a JSON list."""
        if set(map(type, values)) <= {float, int}:
            return np.arange(len(values), dtype=np.float64), np.array(values, np.float64)
        positions, floats = [], []
        for i, item in enumerate(values):
            number = self.number(item, f"{where}[{i}]")
            if number is not None:
                positions.append(i)
                floats.append(number)
        return np.array(positions, np.float64), np.array(floats, np.float64)

    def null_warning(self) -> list[str]:
        if not self.nulls:
            return []
        return [f"{self.source}: {self.nulls} null value(s) read as 'no value here' and dropped"]


def _holds_number(values: list[Any]) -> bool:
    """Whether a JSON list is a metric series: at least one element is a number."""
    return any(_is_value(v) or (isinstance(v, str) and _is_float_text(v)) for v in values)


def _is_float_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _lower(key: str) -> str:
    return key.strip().lower()


# --------------------------------------------------------------------------- Keras history


def _flatten(obj: dict[str, Any], name: str, path: str, depth: int) -> Iterator[tuple]:
    """(name, JSON path, list) for every list in nested dicts, names joined with '/'."""
    for key, value in obj.items():
        child_name = f"{name}/{key}" if name else key
        child_path = f"{path}.{key}" if path else key
        if isinstance(value, list):
            yield child_name, child_path, value
        elif isinstance(value, dict) and depth < _NESTING_LEVELS:
            yield from _flatten(value, child_name, child_path, depth + 1)


def _index_list(obj: dict[str, Any], path: str) -> tuple[str, str, list[Any]] | None:
    """(key, JSON path, list) of the epoch list (preferred) or step list of a dict, if any."""
    found = [k for k, v in obj.items() if isinstance(v, list) and _lower(k) in INDEX_COLUMNS]
    found.sort(key=lambda k: _lower(k) not in _EPOCH_KEYS)
    if not found:
        return None
    return found[0], f"{path}.{found[0]}" if path else found[0], obj[found[0]]


def _split_runs(index: np.ndarray) -> list[slice]:
    """Slices of ``index`` (in file order) between restarts: a counter that goes back to (or
    below) the first value of the current run after having moved past it."""
    runs, start = [], 0
    for i in range(1, index.size):
        if index[i] < index[i - 1] and index[i] <= index[start]:
            runs.append(slice(start, i))
            start = i
    runs.append(slice(start, index.size))
    return runs


class KerasJsonParser:
    """Keras ``history.history`` dumped as JSON, its wrapped forms and per-epoch records."""

    name = "keras-history-json"
    description = "Keras history JSON (dict of metric lists, wrapped history, or per-epoch records)"

    _METRIC_LIST = re.compile(r'"[^"\\\n]{1,100}"\s{0,20}:\s{0,20}\[\s{0,20}[-\d.NI]')
    _RECORDS = re.compile(r'\[\s{0,20}\{\s{0,20}"[^"\\\n]{1,100}"\s{0,20}:\s{0,20}[-\d.NI]')
    _JSONL = re.compile(
        r'\{\s{0,20}"[^"\\\n]{1,100}"\s{0,20}:\s{0,20}[-\d.NI][^\n]{0,2000}\}\s*\n\s*\{'
    )
    _LOSS_KEY = re.compile(r'"(?:val_|train_|training_|validation_)?loss"\s{0,20}:')

    def sniff(self, head: bytes, filename: str) -> float:
        text = _head_text(head)
        if not text or text[0] not in "[{" or '"log_history"' in text:
            return 0.0
        score = 0.0
        if text[0] == "{":
            if re.match(r'\{\s{0,20}"history"\s{0,20}:\s{0,20}[\[{]', text):
                score = 0.9
            elif self._JSONL.match(text):
                score = 0.75
            elif self._METRIC_LIST.search(text):
                score = 0.8
        elif self._RECORDS.match(text):
            score = 0.7
        if score and self._LOSS_KEY.search(text):
            score += 0.05
        if score and filename.lower().endswith((".json", ".jsonl")):
            score += 0.03
        return min(score, 0.95)

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        doc = _load(source)
        if isinstance(doc, _JsonLines):
            runs = _records(doc.records, source, limits, "", doc.lines)
            runs[-1].warnings.extend(doc.warnings)
            return runs
        index_entry = None
        if isinstance(doc, dict) and isinstance(doc.get("history"), dict | list):
            index_entry = _index_list(doc, "")
            doc, path = doc["history"], "history"
        else:
            path = ""
        if isinstance(doc, list):
            if doc and all(isinstance(r, dict) for r in doc):
                return _records(doc, source, limits, path, None)
            raise FormatError(
                "expected a Keras history: an object of metric lists or a list of per-epoch "
                f"objects; got a list of {_show(doc[0]) if doc else 'nothing'}",
                source=source.name,
            )
        if not isinstance(doc, dict):
            raise FormatError(
                f"expected a Keras history: an object of metric lists; got {_show(doc)}",
                source=source.name,
            )
        index_entry = _index_list(doc, path) or index_entry
        return [_history_dict(doc, source, limits, path, index_entry)]


def _history_dict(
    doc: dict[str, Any],
    source: SourceFile,
    limits: IngestLimits,
    path: str,
    index_entry: tuple[str, str, list[Any]] | None,
) -> RawRun:
    """One run from a dict of metric lists (list index = epoch unless an index list says)."""
    values = _Values(source.name)
    warnings: list[str] = []
    index = None
    granularity = Granularity.EPOCH
    if index_entry is not None:
        key, index_path, raw_index = index_entry
        positions, index = values.array(raw_index, index_path)
        if positions.size != len(raw_index):
            raise ParseError("the index list holds null", source=source.name, field=index_path)
        if _lower(key) not in _EPOCH_KEYS:
            granularity = Granularity.STEP
    candidates = [
        (name, where, lst)
        for name, where, lst in _flatten(doc, "", path, 1)
        if _lower(name.rsplit("/", 1)[-1]) not in _NOT_METRICS
    ]
    limits.check_points(sum(len(lst) for _, _, lst in candidates), source.name)
    series, lengths, skipped = [], {}, []
    for name, where, lst in candidates:
        if not _holds_number(lst):
            if lst:
                skipped.append(where)
            continue
        positions, floats = values.array(lst, where)
        lengths[name] = len(lst)
        steps = positions
        if index is not None:
            if len(lst) <= index.size:
                steps = index[positions.astype(np.intp)]
            else:
                warnings.append(
                    f"{source.name}: field '{where}' has {len(lst)} values but the index list "
                    f"has only {index.size}; its points were numbered by position instead"
                )
        series.append(RawSeries(name, steps, floats, granularity, source=source.name))
    if skipped:
        warnings.append(
            f"{source.name}: skipped lists holding no numbers: "
            + ", ".join(f"'{w}'" for w in skipped[:5])
            + (" ..." if len(skipped) > 5 else "")
        )
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{n}: {k}" for n, k in list(lengths.items())[:6])
        warnings.append(
            f"{source.name}: the series have different lengths ({shown}); each list is read as "
            "consecutive epochs from 0, so if validation ran only every few epochs "
            "(validation_freq) its epochs are wrong"
        )
    _require_points(series, source.name, "no metric list holds a number")
    return RawRun(series, warnings=warnings + values.null_warning())


def _records(
    records: list[Any],
    source: SourceFile,
    limits: IngestLimits,
    path: str,
    lines: list[int] | None,
) -> list[RawRun]:
    """Runs from per-epoch (or per-step) objects, split where the counter restarts."""
    values = _Values(source.name)

    def where(i: int, key: str | None = None) -> tuple[str | None, int | None]:
        """(field path, line) of record i: a JSON path, or the line for JSON Lines."""
        if lines is not None:
            return key, lines[i]
        base = f"{path}[{i}]"
        return (f"{base}.{key}" if key is not None else base), None

    for i, record in enumerate(records):
        if not isinstance(record, dict):
            spot, line = where(i)
            raise ParseError(
                f"expected an object, got {_show(record)}",
                source=source.name,
                field=spot,
                line=line,
            )
    keys = dict.fromkeys(k for r in records for k in r)
    index_key = next((k for k in keys if _lower(k) in _EPOCH_KEYS), None) or next(
        (k for k in keys if _lower(k) in INDEX_COLUMNS), None
    )
    metric_keys = [
        k
        for k in keys
        if _lower(k) not in _NOT_METRICS and any(_holds_number([r[k]]) for r in records if k in r)
    ]
    if not metric_keys:
        raise EmptyLogError("no record holds a numeric metric", source=source.name)

    index = np.empty(len(records), np.float64)
    columns: dict[str, tuple[list[int], list[float]]] = {k: ([], []) for k in metric_keys}
    total = 0
    for i, record in enumerate(records):
        if index_key is None:
            index[i] = i
        else:
            spot, line = where(i, index_key)
            if index_key not in record:
                raise ParseError(
                    f"missing the index key '{index_key}' that other records have",
                    source=source.name,
                    field=spot,
                    line=line,
                )
            number = values.number(record[index_key], spot, line=line)
            if number is None or not np.isfinite(number):
                raise ParseError(
                    f"expected a finite {index_key} number, got {_show(record[index_key])}",
                    source=source.name,
                    field=spot,
                    line=line,
                )
            index[i] = number
        for key in metric_keys:
            if key in record:
                spot, line = where(i, key)
                number = values.number(record[key], spot, line=line)
                if number is not None:
                    columns[key][0].append(i)
                    columns[key][1].append(number)
                    total += 1
        if total > limits.max_points:
            limits.check_points(total, source.name)

    is_epoch = index_key is None or _lower(index_key) in _EPOCH_KEYS
    granularity = Granularity.EPOCH if is_epoch else Granularity.STEP
    arrays = {k: (np.array(r, np.intp), np.array(v, np.float64)) for k, (r, v) in columns.items()}
    runs = []
    for run in _split_runs(index):
        series = []
        for key, (rows, floats) in arrays.items():
            lo, hi = np.searchsorted(rows, [run.start, run.stop])
            if hi > lo:
                series.append(
                    RawSeries(
                        key, index[rows[lo:hi]], floats[lo:hi], granularity, source=source.name
                    )
                )
        if series:
            runs.append(RawRun(series))
    if not runs:
        raise EmptyLogError("no record holds a number", source=source.name)
    runs[-1].warnings.extend(values.null_warning())
    return runs


def _require_points(series: list[RawSeries], source: str, detail: str) -> None:
    if not any(s.values.size for s in series):
        raise EmptyLogError(detail, source=source)


# --------------------------------------------------------------------------- TensorBoard JSON


class TensorBoardJsonParser:
    """The JSON TensorBoard's scalar dashboard downloads: ``[[wall_time, step, value], ...]``.

    The file holds one tag of one run; run, split and tag come from the file name
    (``run-<run>_validation-tag-epoch_loss.json``). ``epoch_*`` tags (what the Keras callback
    writes) are per epoch, anything else per step.
    """

    name = "tensorboard-json"
    description = "TensorBoard scalar download as JSON ([[wall_time, step, value], ...])"

    _TRIPLE = re.compile(
        r"\[\s{0,20}\[\s{0,20}(?:[-+\d.eE]{1,40}|NaN|-?Infinity)\s{0,20},"
        r"\s{0,20}(?:[-+\d.eE]{1,40})\s{0,20},\s{0,20}(?:[-+\d.eE]{1,40}|NaN|-?Infinity)\s{0,20}\]"
    )

    def sniff(self, head: bytes, filename: str) -> float:
        text = _head_text(head)
        if not text.startswith("[") or not self._TRIPLE.match(text):
            return 0.0
        return 0.95 if parse_tensorboard_download_name(filename).run is not None else 0.9

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        doc = _load(source)
        expected = "expected a TensorBoard JSON download: a list of [wall_time, step, value]"
        if not isinstance(doc, list):
            got = "JSON Lines" if isinstance(doc, _JsonLines) else _show(doc)
            raise FormatError(f"{expected}; got {got}", source=source.name)
        if not doc:
            raise EmptyLogError("the list of points is empty", source=source.name)
        limits.check_points(len(doc), source.name)
        rows = self._rows(doc, source.name)
        finite = np.isfinite(rows[:, 1])
        if not finite.all():
            bad = int(np.argmin(finite))
            raise ParseError(
                f"expected a finite step, got {rows[bad, 1]!r}",
                source=source.name,
                field=f"[{bad}][1]",
            )
        run, split, tag = parse_tensorboard_download_name(source.name)
        warnings = []
        if run is None:
            warnings.append(
                f"{source.name}: the file name is not a TensorBoard download name "
                f"(run-<run>-tag-<tag>.json); the metric was named after the file, {tag!r}"
            )
        granularity = Granularity.EPOCH if tag.lower().startswith("epoch") else Granularity.STEP
        series = RawSeries(
            tag,
            rows[:, 1].copy(),
            rows[:, 2].copy(),
            granularity,
            wall_times=rows[:, 0].copy(),
            split_hint=split,
            source=source.name,
        )
        return [RawRun([series], label=run, warnings=warnings)]

    @staticmethod
    def _rows(doc: list[Any], name: str) -> np.ndarray:
        """An (n, 3) float array, or a ParseError naming the first bad point."""
        shapes_ok = all(type(r) is list and len(r) == 3 for r in doc)
        if shapes_ok and set(map(type, chain.from_iterable(doc))) <= {float, int}:
            flat = np.fromiter(chain.from_iterable(doc), np.float64, count=3 * len(doc))
            return flat.reshape(len(doc), 3)
        values = _Values(name)
        rows = np.empty((len(doc), 3), np.float64)
        for i, row in enumerate(doc):
            if type(row) is not list or len(row) != 3:
                raise ParseError(
                    f"expected [wall_time, step, value], got {_show(row)}"
                    + (f" of {len(row)} elements" if isinstance(row, list) else ""),
                    source=name,
                    field=f"[{i}]",
                )
            for j, item in enumerate(row):
                number = values.number(item, f"[{i}][{j}]")
                if number is None:
                    raise ParseError(
                        "expected a number, got null", source=name, field=f"[{i}][{j}]"
                    )
                rows[i, j] = number
        return rows


# --------------------------------------------------------------------------- Hugging Face


def _hf_skipped(key: str) -> bool:
    """Bookkeeping keys of ``log_history``: the axis, throughput, runtime and FLOP counts."""
    return key in ("step", "epoch", "total_flos", "num_input_tokens_seen") or key.endswith(
        ("_runtime", "_per_second")
    )


class HfTrainerStateParser:
    """Hugging Face ``Trainer``'s ``trainer_state.json`` (saved with every checkpoint).

    Every ``log_history`` entry becomes points at its global ``step`` (STEP granularity): training
    entries give ``loss``, ``learning_rate``, ``grad_norm``; evaluation entries ``eval_loss`` and
    the other ``eval_*`` metrics (sparse: one point per evaluation). The final summary entry
    (``train_runtime``, ``total_flos``, the run-average ``train_loss``) and throughput/runtime keys
    are skipped. The fractional ``epoch`` of each entry is not kept as a series: the Trainer
    advances it linearly with the step (``epoch = step * state.epoch / state.global_step``), so it
    adds nothing a renderer cannot recompute, and a series named ``epoch`` would read as a metric.
    """

    name = "hf-trainer-state"
    description = "Hugging Face Trainer trainer_state.json (log_history by global step)"

    def sniff(self, head: bytes, filename: str) -> float:
        text = _head_text(head)
        if not text.startswith("{") or not re.search(r'"log_history"\s{0,20}:\s{0,20}\[', text):
            return 0.0
        return 0.98 if PurePath(filename).name == "trainer_state.json" else 0.95

    def parse(self, source: SourceFile, limits: IngestLimits) -> list[RawRun]:
        doc = _load(source)
        if not isinstance(doc, dict) or "log_history" not in doc:
            got = "JSON Lines" if isinstance(doc, _JsonLines) else _show(doc)
            raise FormatError(
                "expected a Hugging Face trainer_state.json: an object with a 'log_history' "
                f"list; got {got}",
                source=source.name,
            )
        history = doc["log_history"]
        if not isinstance(history, list):
            raise ParseError(
                f"expected a list of log entries, got {_show(history)}",
                source=source.name,
                field="log_history",
            )
        values = _Values(source.name)
        columns: dict[str, tuple[list[float], list[float]]] = {}
        total = 0
        for i, entry in enumerate(history):
            where = f"log_history[{i}]"
            if not isinstance(entry, dict):
                raise ParseError(
                    f"expected an object, got {_show(entry)}", source=source.name, field=where
                )
            if "train_runtime" in entry or "total_flos" in entry:
                continue  # the end-of-training summary
            if "step" not in entry:
                raise ParseError("missing 'step'", source=source.name, field=where)
            step = values.number(entry["step"], f"{where}.step")
            if step is None or not np.isfinite(step):
                raise ParseError(
                    f"expected a finite step, got {_show(entry['step'])}",
                    source=source.name,
                    field=f"{where}.step",
                )
            for key, raw in entry.items():
                if _hf_skipped(key) or isinstance(raw, list | dict):
                    continue
                number = values.number(raw, f"{where}.{key}")
                if number is not None:
                    steps, floats = columns.setdefault(key, ([], []))
                    steps.append(step)
                    floats.append(number)
                    total += 1
            if total > limits.max_points:
                limits.check_points(total, source.name)
        if not columns:
            raise EmptyLogError(
                "log_history holds no loss or metric entries (was logging disabled?)",
                source=source.name,
            )
        series = [
            RawSeries(
                key,
                np.array(s, np.float64),
                np.array(v, np.float64),
                Granularity.STEP,
                source=source.name,
            )
            for key, (s, v) in columns.items()
        ]
        return [RawRun(series, warnings=values.null_warning())]


def _head_text(head: bytes) -> str:
    """The first 16 KiB of the head as text without BOM and leading whitespace (never raises)."""
    return head[:16384].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")


KERAS_JSON = KerasJsonParser()
TB_JSON = TensorBoardJsonParser()
HF_TRAINER_STATE = HfTrainerStateParser()

PARSERS = (HF_TRAINER_STATE, TB_JSON, KERAS_JSON)
