"""A cheap look at the head of a file as a table, shared by the CSV sniffers.

Sniffing must never raise, so :func:`head_info` answers None for anything it cannot read.
The result is cached: the four CSV sniffers look at the same head in a row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from analyzer.ingest.csv_table import (
    MISSING_TOKENS,
    decode,
    detect_delimiter,
    is_number,
    looks_like_header,
    plain_numbers,
    split_fields,
)


@dataclass(frozen=True)
class HeadInfo:
    """What the first lines of a file look like as a table."""

    header: list[str]
    rows: list[list[str]]
    #: Most rows (at least one) are numbers or missing cells, no wider than the header.
    numeric: bool
    #: Some row has empty cells.
    sparse: bool
    #: Some row has an NA token (Keras writes ``NA`` for missing keys).
    na_tokens: bool


_SNIFF_LINES = 200


def head_info(head: bytes) -> HeadInfo | None:
    """What the first 64 KiB look like as a table; None when they are not one."""
    try:
        return _head_info(head)
    except Exception:  # sniffing must never raise; an unreadable head is "not this format"
        return None


@lru_cache(maxsize=16)
def _head_info(head: bytes) -> HeadInfo | None:
    data, encoding, _ = decode(head)
    text = data.decode(encoding, errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if len(head) >= 64 * 1024 and len(lines) > 1:
        lines.pop()  # cut off by the 64 KiB head: not a whole line
    lines = [line for line in lines[: _SNIFF_LINES * 4] if line.strip()][:_SNIFF_LINES]
    if not lines:
        return None
    delimiter = detect_delimiter(lines[0], lines[1] if len(lines) > 1 else None)
    first = split_fields(lines[0], delimiter)
    header = first if looks_like_header(first) else []
    width = len(header) if header else len(first)
    body = lines[1 if header else 0 :]
    if plain_numbers("\n".join(body).encode(), delimiter, width) is not None:
        # Every row is ``width`` plain numbers (a Keras CSVLogger file): nothing to look at.
        rows = [line.split(delimiter) for line in body]
        return HeadInfo(header, rows, numeric=True, sparse=False, na_tokens=False)
    rows = [split_fields(line, delimiter) for line in body]
    # The last line may be a row still being written; a malformed row or two is for parse()
    # to report with its line, so the format is still recognised when most rows are numbers.
    whole = rows[:-1] if len(rows) > 1 else rows
    good = [
        len(row) <= width and all(not cell or is_number(cell) or _is_missing(cell) for cell in row)
        for row in whole
    ]
    numeric = any(good) and 2 * sum(good) >= len(good)
    sparse = any(len(row) < width or "" in row for row in whole)
    na_tokens = any(_is_missing(cell) and cell for row in rows for cell in row)
    return HeadInfo(header, rows, numeric, sparse, na_tokens)


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in MISSING_TOKENS
