"""Reading a delimited table of numbers the way training scripts write them.

Shared by every CSV-like format (:mod:`analyzer.ingest.csv_logs`). It knows nothing about
epochs or metrics: it turns bytes into :class:`Section` objects (a header and numeric columns,
with the file line of every row) and applies the policies every CSV flavour shares:

Encoding
    A UTF-8 BOM is dropped. Bytes that are not valid UTF-8 are read as Latin-1 (Windows tools
    write ``cp1252``/``latin-1`` headers such as ``précision``) with a warning naming the first
    bad line; nothing is lost, and a stray byte inside a number still fails with the line and
    column, like any other malformed cell.
Line ends
    ``\\n``, ``\\r\\n``, and the doubled ``\\r\\r\\n`` that Python's ``csv`` module writes on
    Windows when the file was not opened with ``newline=''`` (Keras' ``CSVLogger`` does). Line
    numbers are those an editor shows; they assume no newline inside a quoted field.
Delimiter
    Given by the caller, else: the character after a leading ``epoch`` in the header (Keras'
    ``separator=`` can be anything); else whichever of tab, ``;``, ``,``, ``|`` occurs the same
    number of times in the first two lines; else runs of whitespace.
Header
    The first non-blank line is a header when none of its fields is a number. A later line is a
    header (a run appended to the file, or a header written twice) when none of its fields is a
    number and it repeats an earlier header or names an index column (``epoch``, ``step``...)
    or a loss, accuracy or learning rate; otherwise it is a malformed row.
Cells
    Numbers as Python prints them, quoted or padded with spaces, ``nan``/``NaN``, ``inf``,
    ``-inf``, ``Infinity``, and wrapped reprs a loop writes when it logs a tensor instead of a
    float: ``tensor(0.14)``, ``tensor(0.1400, device='cuda:0')``, ``tensor(0.1, grad_fn=<...>)``,
    ``array(0.14, dtype=float32)``, ``np.float32(0.14)``, ``tf.Tensor(0.14, shape=(), ...)``,
    even unquoted in a comma-separated file (they are unwrapped before fields are split).
    Empty cells and ``NA``/``N/A``/``null``/``None`` are *missing* (not NaN): whether that is
    normal (sparse Lightning rows) or worth a warning is the format's call. Anything else is a
    :class:`~analyzer.errors.ParseError` naming the line and the column.
Blank lines and rows whose cells are all empty are skipped silently.
A truncated last line
    When the file does not end with a newline (a run still writing it) and its last line has
    fewer fields than the header, or a cell that is not a number (``0.12e``), that line is
    dropped with a warning. A complete last line without a newline is kept.
A row with fewer fields than the header
    Reads the missing fields as empty cells; a row with more fields is a ParseError.

Speed: a small body of plain numbers with every cell filled (what Keras' ``CSVLogger`` writes)
is read with Python's ``float()`` (:func:`read_dense`): pandas' set-up costs more than parsing
a few hundred rows. Both round every number correctly (pandas parses with fast_float since 3.1;
older versions could be an ulp off on 17-digit numbers, and tests/ingest/test_fast_paths.py
would fail), so the floats are the same; the cases where pandas reads a number otherwise
(``-0`` in an integer column, integers beyond int64, numbers near the ends of the float range,
a leading ``+``) are left to pandas. Any other body goes through ``pandas.read_csv``'s C engine
once, with float columns parsed in C; only columns holding text (``nan``, ``tensor(...)``, a
repeated header) are converted again, vectorized. Only a file with a header line in the middle
or a row too long is split into lines in Python.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np
import pandas as pd

from analyzer.errors import ParseError
from analyzer.model import Metric, normalize_name
from analyzer.model.names import INDEX_COLUMNS

#: Cells that mean "no value here" rather than a number (compared lowercased).
MISSING_TOKENS = frozenset({"na", "n/a", "null", "none", "<na>", "#n/a"})
_NAN_TOKENS = frozenset({"nan", "+nan", "-nan"})
#: ``tensor(0.14, ...)`` and friends: the first argument is the number. Possessive quantifiers
#: keep the match linear on hostile input (no backtracking).
_WRAPPED = re.compile(
    rb"\b(?:tensor|array|tf\.Tensor|(?:np|numpy)\.float(?:16|32|64)|float)"
    rb"\(\s*+([^,()\s]++)(?:[^()]|\(\))*+\)"
)
_DELIMITER_CANDIDATES = ("\t", ";", ",", "|")
#: The delimiter meaning "runs of whitespace".
WHITESPACE = " "
_PANDAS_LINE = re.compile(r"line (\d+), saw (\d+)")
#: Bodies up to this size may take the plain-Python reader (a 250-epoch Keras log); pandas'
#: C engine (~0.4 ms of set-up, then several times less per cell) is faster from ~12 KiB.
DENSE_MAX_BYTES = 8 * 1024
#: The bytes a body read by :func:`read_dense` may hold besides its delimiter.
_NUMBER_BYTES = b"0123456789.-+eE\r\n"


@dataclass
class Section:
    """Rows under one header (the whole file, unless a header appears again mid-file)."""

    #: Raw column names, or ``[]`` when the file has no header.
    names: list[str]
    #: 1-based line of the header (None without one).
    header_line: int | None
    #: 1-based file line of every row.
    lines: np.ndarray
    #: One float64 array per column (NaN where missing).
    values: list[np.ndarray]
    #: True where a cell was missing (empty or an NA token).
    missing: list[np.ndarray]
    #: True where a cell was empty (a subset of ``missing``; NA tokens are written on purpose).
    blank: list[np.ndarray]

    @property
    def n_rows(self) -> int:
        return int(self.lines.size)


@dataclass
class Table:
    """A file read as a table: its sections in file order, and what was noticed on the way."""

    sections: list[Section]
    delimiter: str
    warnings: list[str] = field(default_factory=list)


def parse_cell(text: str) -> float | None:
    """One cell as a number, ``None`` when missing; ``ValueError`` when it is not a number."""
    cell = text.strip().strip("\"'").strip()
    if not cell or cell.lower() in MISSING_TOKENS:
        return None
    if "_" in cell:  # float() accepts "1_000"; pandas does not, so neither do we
        raise ValueError(cell)
    return float(cell)


def unwrap_reprs(data: bytes) -> bytes:
    """Replace ``tensor(0.14, device='cuda:0')`` and the like by ``0.14`` (see the docstring).

    Done on the bytes, before splitting fields, because a loop writing
    ``f"{epoch},{loss}"`` leaves the comma inside the repr unquoted.
    """
    return _WRAPPED.sub(rb"\1", data) if b"(" in data else data


def is_number(text: str) -> bool:
    """True when ``text`` is a number cell (missing cells are not numbers)."""
    try:
        return parse_cell(text) is not None
    except ValueError:
        return False


def split_fields(line: str, delimiter: str) -> list[str]:
    """The fields of one line, unquoted and stripped (a trailing empty field is dropped)."""
    if delimiter == WHITESPACE:
        fields = line.split()
    elif '"' in line:
        try:
            fields = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            fields = line.split(delimiter)
    else:
        fields = line.split(delimiter)
    fields = [f.strip().strip('"').strip() for f in fields]
    if len(fields) > 1 and not fields[-1]:
        fields.pop()
    return fields


def looks_like_header(fields: list[str]) -> bool:
    """No field is a number and at least one is not empty."""
    return any(fields) and not any(is_number(f) for f in fields)


def detect_delimiter(first: str, second: str | None) -> str:
    """See the module docstring (``first``/``second``: the first two non-blank lines)."""
    stripped = first.lstrip('"')
    if stripped[:5].lower() == "epoch" and len(stripped) > 5:
        after = stripped[5:].lstrip('"')[:1]
        if after and not (after.isalnum() or after == "_"):
            return WHITESPACE if after == " " else after
    for candidate in _DELIMITER_CANDIDATES:
        count = first.count(candidate)
        if count and (second is None or second.count(candidate) == count):
            return candidate
    for candidate in _DELIMITER_CANDIDATES:
        if candidate in first:
            return candidate
    return WHITESPACE


class _NeedsLines(Exception):
    """The fast whole-body read met a structure (a mid-file header, a long row) that needs
    the file split into lines."""


class _BadCell(Exception):
    """Row ``row`` (0-based in the body), column ``col`` is not a number."""

    def __init__(self, row: int, col: int, text: str) -> None:
        super().__init__(row, col, text)
        self.row, self.col, self.text = row, col, text


_NEWLINE = re.compile(rb"\r\n|\r|\n")


def read_table(
    data: bytes, source: str, *, delimiter: str | None = None, known_header: bool | None = None
) -> Table:
    """Read ``data`` (the bytes of ``source``) as a table; see the module docstring.

    ``known_header`` True/False overrides header detection for the first non-blank line.
    Raises :class:`ParseError` for malformed rows; returns no sections when there is no row.
    """
    data, encoding, warning = decode(data)
    notes = [f"{source}: {warning}"] if warning else []
    lines = _first_lines(data, encoding, 2)
    if not lines:
        return Table([], delimiter or ",", notes)
    first_no, first, first_start, first_after = lines[0]
    delimiter = delimiter or detect_delimiter(first, lines[1][1] if len(lines) > 1 else None)
    header = split_fields(first, delimiter)
    has_header = looks_like_header(header) if known_header is None else known_header
    names = header if has_header else []
    ncols = max(len(header), 1)

    end, tail_note = _complete_end(data, encoding, delimiter, ncols, source)
    if tail_note:
        notes.append(tail_note)
    start, start_line = (first_after, first_no + 1) if has_header else (first_start, first_no)
    try:
        section = None
        if 0 < end - start <= DENSE_MAX_BYTES:
            section = read_dense(data[start:end], delimiter, ncols)
        if section is None:
            section = _read_rows(
                _body(data, start, end), delimiter, ncols, encoding, source, strict=False
            )
        section.lines += start_line
        section.names, section.header_line = names, (first_no if has_header else None)
        sections = [section]
    except _BadCell as bad:
        raise _cell_error(bad, start_line, names, source) from None
    except _NeedsLines:
        body = data[:end].decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        sections = _read_by_lines(body.split("\n"), delimiter, names, first_no, ncols, source)
    return Table([s for s in sections if s.n_rows], delimiter, notes)


def _body(data: bytes, start: int, end: int) -> bytes | io.BytesIO:
    """``data[start:end]``, without copying a large file when it runs to the end."""
    if end < len(data) or start >= end:
        return data[start:end]
    stream = io.BytesIO(data)  # shares the bytes until written to
    stream.seek(start)
    return stream


def decode(data: bytes) -> tuple[bytes, str, str | None]:
    """``(data, encoding, warning)``: BOM dropped, doubled CRs undone, UTF-8 else Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    data = unwrap_reprs(data)
    first_newline = data.find(b"\n")
    if first_newline > 1 and data[first_newline - 2 : first_newline] == b"\r\r":
        data = data.replace(b"\r\r\n", b"\n")
    try:
        if not data.isascii():  # isascii() is a fast scan; decoding would copy
            data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return data, "latin-1", f"line {line}: not valid UTF-8; the file was read as Latin-1"
    return data, "utf-8", None


def _first_lines(data: bytes, encoding: str, count: int) -> list[tuple[int, str, int, int]]:
    """The first ``count`` non-blank lines: ``(number, text, start offset, offset after)``."""
    found: list[tuple[int, str, int, int]] = []
    position, number = 0, 0
    while position < len(data) and len(found) < count:
        number += 1
        match = _NEWLINE.search(data, position)
        stop, after = (match.start(), match.end()) if match else (len(data), len(data))
        line = data[position:stop].decode(encoding, errors="replace")
        if line.strip():
            found.append((number, line, position, after))
        position = after
    return found


def _complete_end(
    data: bytes, encoding: str, delimiter: str, ncols: int, source: str
) -> tuple[int, str | None]:
    """Where the complete rows end: before a truncated last line (see the module docstring)."""
    if data.endswith((b"\n", b"\r")):
        return len(data), None
    cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
    if cut == 0:
        return len(data), None  # a one-line file: nothing to compare the line with
    last = data[cut:].decode(encoding, errors="replace")
    fields = split_fields(last, delimiter)
    if not last.strip() or (len(fields) >= ncols and all(map(_cell_ok, fields))):
        return len(data), None
    line = len(_NEWLINE.findall(data, 0, cut)) + 1
    return cut, (
        f"{source}: line {line}: the last line is incomplete (the file may still be being "
        "written); it was dropped"
    )


def _cell_ok(text: str) -> bool:
    try:
        parse_cell(text)
    except ValueError:
        return False
    return True


def _read_rows(
    body: bytes | io.BytesIO,
    delimiter: str,
    ncols: int,
    encoding: str,
    source: str,
    *,
    strict: bool,
) -> Section:
    """Parse rows (no header among them) with pandas' C engine into a nameless Section whose
    ``lines`` count from 0 at the first line of ``body``.

    Raises :class:`_BadCell` for a cell that is not a number. A row with too many fields, or a
    row of text only (a header?), raises :class:`_NeedsLines` unless ``strict``; then the first
    is a ParseError and the second a bad cell.
    """
    if isinstance(body, bytes):
        if not body:
            return _section([], np.empty(0, np.int64), [np.empty(0)] * ncols, [], [], ncols)
        body = io.BytesIO(body)
    try:
        with warnings.catch_warnings():
            # A trailing delimiter ("0,0.5,") drops an empty field with a ParserWarning.
            warnings.simplefilter("ignore")
            frame = pd.read_csv(
                body,
                sep=r"\s+" if delimiter == WHITESPACE else delimiter,
                header=None,
                names=list(range(ncols)),
                index_col=False,
                engine="c",
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=False,
                encoding=encoding,
            )
    except pd.errors.ParserError as exc:
        match = _PANDAS_LINE.search(str(exc))
        if match and not strict:
            raise _NeedsLines from None
        if match:
            line, seen = int(match.group(1)) - 1, int(match.group(2))
            raise _TooLong(line, ncols, seen) from None
        raise ParseError(_pandas_detail(exc), source=source) from None
    except (ValueError, OverflowError, UnicodeDecodeError, MemoryError) as exc:
        raise ParseError(_pandas_detail(exc), source=source) from None

    converted = [_convert(frame[j]) for j in range(ncols)]
    values = [c[0] for c in converted]
    missing = [c[1] for c in converted]
    blank = [c[2] for c in converted]
    bad = [c[3] for c in converted]
    if any(x.any() for x in bad):
        any_bad = np.logical_or.reduce(bad)
        text_only = np.logical_and.reduce([x | m for x, m in zip(bad, missing, strict=True)])
        if not strict and (text_only & any_bad).any():
            raise _NeedsLines
        row = int(np.argmax(any_bad))
        col = next(j for j, x in enumerate(bad) if x[row])
        raise _BadCell(row, col, str(frame[col].iloc[row]).strip())
    return _section([], np.arange(len(frame), dtype=np.int64), values, missing, blank, ncols)


def plain_numbers(body: bytes, delimiter: str, ncols: int) -> np.ndarray | None:
    """Every cell of ``body`` as a float, row by row, when each of its lines (``\\n`` or
    ``\\r\\n`` ends) holds ``ncols`` plain numbers (``-1.5e-3``); else None. Cheap for the
    common dense table, so the readers and the sniffers try it first."""
    if delimiter not in _DELIMITER_CANDIDATES:
        return None
    if body.translate(None, _NUMBER_BYTES + delimiter.encode()):
        return None  # letters, quotes, blanks, other delimiters
    text = body.decode("ascii")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return None
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()
    # map() over C functions: no Python frame per line or cell (a third faster).
    if not lines or set(map(str.count, lines, repeat(delimiter))) != {ncols - 1}:
        return None  # blank lines, empty or missing cells
    cells = delimiter.join(lines).split(delimiter)
    try:
        return np.fromiter(map(float, cells), np.float64, len(cells))
    except ValueError:
        return None  # "1.2.3", "e5", ""


def read_dense(body: bytes, delimiter: str, ncols: int) -> Section | None:
    """``body`` (rows only, at most :data:`DENSE_MAX_BYTES`) as the nameless Section
    :func:`_read_rows` makes, when it is :func:`plain_numbers` that pandas reads as float()
    does; else None (see the module docstring: pandas reads it then)."""
    flat = plain_numbers(body, delimiter, ncols)
    if flat is None:
        return None
    if b"+" in body and body.count(b"+") != body.count(b"e+") + body.count(b"E+"):
        return None  # a leading "+": pandas' fast_float path refuses it, its legacy parser reads it
    magnitude = np.abs(flat)
    # pandas reads "-0" in an integer column as 0.0 and integers beyond int64 as text, and
    # hands numbers near the ends of the float range to a parser that may round otherwise.
    plain = (magnitude < 2.0**63) & ((magnitude > 1e-300) | ((flat == 0) & ~np.signbit(flat)))
    if not plain.all():
        return None
    rows = flat.size // ncols
    columns = flat.reshape(rows, ncols).T.copy()
    return _section([], np.arange(rows, dtype=np.int64), list(columns), [], [], ncols)


def _section(
    names: list[str],
    lines: np.ndarray,
    values: list[np.ndarray],
    missing: list[np.ndarray],
    blank: list[np.ndarray],
    ncols: int,
) -> Section:
    """A Section without the rows whose cells are all missing (blank lines)."""
    if not missing:
        flags = np.zeros(lines.size, dtype=bool)
        return Section(names, None, lines, values, [flags] * ncols, [flags] * ncols)
    keep = ~np.logical_and.reduce(missing)
    if not keep.all():
        lines = lines[keep]
        values = [v[keep] for v in values]
        missing = [m[keep] for m in missing]
        blank = [b[keep] for b in blank]
    return Section(names, None, lines, values, missing, blank)


class _TooLong(Exception):
    """Row ``row`` (0-based in the body) has ``seen`` fields where ``expected`` were."""

    def __init__(self, row: int, expected: int, seen: int) -> None:
        super().__init__(row, expected, seen)
        self.row, self.expected, self.seen = row, expected, seen


def _convert(column: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(values, missing, blank, bad)`` of one parsed column."""
    if column.dtype.kind in "iuf":
        values = column.to_numpy(dtype=np.float64)
        missing = np.isnan(values)  # only empty cells become NaN here ("nan" stays text)
        return values, missing, missing, np.zeros(values.size, dtype=bool)
    empty = column.isna().to_numpy(dtype=bool)
    text = column.astype(object).where(~empty, "").astype(str).str.strip().str.strip("\"'")
    lower = text.str.strip().str.lower()
    blank = (lower == "").to_numpy(dtype=bool)
    missing = blank | lower.isin(MISSING_TOKENS).to_numpy(dtype=bool)
    # "_" is refused because pandas would read "1_000" as 1000 through Python's float().
    refused = missing | text.str.contains("_", regex=False).to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.mask(refused, "x"), errors="coerce")
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan, copy=True)
    bad = np.isnan(values) & ~missing & ~lower.isin(_NAN_TOKENS).to_numpy(dtype=bool)
    values[missing] = np.nan
    return values, missing, blank, bad


def _read_by_lines(
    lines: list[str], delimiter: str, names: list[str], first_no: int, ncols: int, source: str
) -> list[Section]:
    """The slow path: split at mid-file headers, then read each stretch with pandas.

    ``lines[i]`` is file line ``i + 1``; the first non-blank line is ``first_no``.
    """
    headers = [names] if names else []
    sections: list[Section] = []
    header_line = first_no if names else None
    start = first_no if names else first_no - 1  # index of the first row line
    for index in range(start, len(lines) + 1):
        fields = None
        if index < len(lines):
            head = lines[index].lstrip(" \t\"'")[:1]
            if not (head.isalpha() or head == "_"):
                continue
            fields = split_fields(lines[index], delimiter)
            if not _is_mid_header(fields, headers):
                continue
        body = "\n".join(lines[start:index]).encode("utf-8")
        try:
            section = _read_rows(body, delimiter, ncols, "utf-8", source, strict=True)
        except _BadCell as bad:
            raise _cell_error(bad, start + 1, names, source) from None
        except _TooLong as long:
            expected = f"{long.expected} fields" + (" (as in the header)" if names else "")
            raise ParseError(
                f"expected {expected}, found {long.seen}", source=source, line=start + 1 + long.row
            ) from None
        section.lines += start + 1
        section.names, section.header_line = names, header_line
        sections.append(section)
        if fields is not None:
            headers.append(fields)
            names, header_line, ncols, start = fields, index + 1, max(len(fields), 1), index + 1
    return sections


def _is_mid_header(fields: list[str], headers: list[list[str]]) -> bool:
    if not looks_like_header(fields):
        return False
    if fields in headers:
        return True
    return any(
        name.lower() in INDEX_COLUMNS or normalize_name(name).metric is not Metric.OTHER
        for name in fields
    )


def _cell_error(bad: _BadCell, first_line: int, names: list[str], source: str) -> ParseError:
    line = first_line + bad.row
    detail = f"{bad.text[:60]!r} is not a number"
    if bad.col < len(names) and names[bad.col]:
        return ParseError(detail, source=source, line=line, field=names[bad.col])
    return ParseError(f"column {bad.col + 1}: {detail}", source=source, line=line)


def _pandas_detail(exc: BaseException) -> str:
    message = str(exc).replace("Error tokenizing data. C error: ", "").strip()
    return f"not a readable table ({message[:200]})"
