"""The explicit list of formats ``load`` knows, in the order ties are broken.

Adding a format means writing a parser module and naming its parsers here; nothing is
discovered by import side effects.
"""

from __future__ import annotations

from analyzer.errors import FormatError
from analyzer.ingest import console, csv_logs, json_logs, tfevents
from analyzer.ingest.base import Parser

PARSERS: tuple[Parser, ...] = (
    *tfevents.PARSERS,
    *json_logs.PARSERS,
    *csv_logs.PARSERS,
    *console.PARSERS,
)


def format_names() -> tuple[str, ...]:
    """Every name ``load(format=...)`` accepts."""
    return tuple(p.name for p in PARSERS)


def parser_named(name: str) -> Parser:
    """The parser called ``name``, or a :class:`FormatError` listing the valid names."""
    for parser in PARSERS:
        if parser.name == name:
            return parser
    raise FormatError(f"unknown format {name!r}; expected one of: {', '.join(format_names())}")
