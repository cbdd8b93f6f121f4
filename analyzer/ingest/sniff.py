"""Which format is this? Content first, the file name only as a hint.

Every parser scores the first 64 KiB; the best score wins. A sniffer that raises is a bug in
that sniffer, and must not stop the others from answering, so it counts as "no".
"""

from __future__ import annotations

import logging

from analyzer.errors import EmptyLogError, FormatError
from analyzer.ingest.base import Parser, SourceFile

HEAD_BYTES = 64 * 1024
#: Below this score no parser is confident enough to try.
MIN_CONFIDENCE = 0.2

_log = logging.getLogger(__name__)


def _preview(data: bytes) -> str:
    text = data[:40].decode("utf-8", errors="replace")
    return repr(text) + ("..." if len(data) > 40 else "")


def scores(source: SourceFile, parsers: tuple[Parser, ...]) -> list[tuple[float, Parser]]:
    """Each parser's confidence, best first (ties keep registry order)."""
    head = source.data[:HEAD_BYTES]
    filename = source.relative_path or source.name
    ranked = []
    for order, parser in enumerate(parsers):
        try:
            score = float(parser.sniff(head, filename))
        except Exception:  # a sniffer bug must not hide the other formats
            _log.exception("sniffer %s failed on %s", parser.name, source.name)
            score = 0.0
        ranked.append((score, -order, parser))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(score, parser) for score, _, parser in ranked]


def detect(source: SourceFile, parsers: tuple[Parser, ...]) -> Parser:
    """The most likely parser for ``source``, or a :class:`FormatError` saying what we saw."""
    if not source.data or source.data.isspace():  # strip() would copy the whole file
        raise EmptyLogError("file is empty", source=source.name)
    best_score, best = scores(source, parsers)[0]
    if best_score < MIN_CONFIDENCE:
        names = ", ".join(p.name for p in parsers)
        raise FormatError(
            f"not a training log in any format we read (starts with {_preview(source.data)}); "
            f"expected one of: {names}",
            source=source.name,
        )
    return best
