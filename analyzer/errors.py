"""The one error hierarchy every layer raises.

Everything a user can cause (a bad file, an input that is too big, an unknown format) is an
:class:`InputError`: its message names the source, the place in it (line, field or record) and
what was expected, so the CLI and the service can show it as is, without a traceback.
Anything else escaping the analyzer is a bug.

    AnalyzerError
    └── InputError
        ├── FormatError        bytes that are no known log format, or the wrong one was forced
        ├── ParseError         a known format with a malformed line, field or record
        ├── EmptyLogError      a well-formed input with no usable series in it
        └── LimitExceededError the input is larger than the configured limits
"""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class of every error the analyzer raises on purpose."""


class InputError(AnalyzerError):
    """Something about the input that the user can fix.

    ``source`` is the file name (or ``<bytes>``/``<stdin>``), ``location`` the place within
    it (``line 7``, ``record 12``, ``field 'val_loss'``), ``detail`` what is wrong and what was
    expected.
    The string form is ``source: location: detail``, leaving out the parts that are unknown.
    """

    #: A stable, machine-readable reason (used as ``ErrorInfo.reason`` by the service).
    reason = "INVALID_INPUT"

    def __init__(
        self,
        detail: str,
        *,
        source: str | None = None,
        line: int | None = None,
        record: int | None = None,
        field: str | None = None,
    ) -> None:
        self.detail = detail
        self.source = source
        self.line = line
        self.record = record
        self.field = field
        super().__init__(self._render())

    @property
    def location(self) -> str | None:
        """``line 7``, ``record 3`` or ``None``, followed by the field when known."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.record is not None:
            parts.append(f"record {self.record}")
        if self.field is not None:
            parts.append(
                f"column '{self.field}'" if self.line is not None else f"field '{self.field}'"
            )
        return ": ".join(parts) if parts else None

    def _render(self) -> str:
        parts = [p for p in (self.source, self.location, self.detail) if p]
        return ": ".join(parts)

    def with_source(self, source: str) -> InputError:
        """Return the same error attributed to ``source`` when no source was set yet."""
        if self.source is not None:
            return self
        clone = type(self).__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.source = source
        Exception.__init__(clone, clone._render())
        return clone


class FormatError(InputError):
    """The input is in no format we know, or not in the format that was asked for."""

    reason = "UNKNOWN_FORMAT"


class ParseError(InputError):
    """A known format with a malformed line, field or record."""

    reason = "MALFORMED_INPUT"


class EmptyLogError(InputError):
    """A well-formed input that holds no usable series (only headers, no numbers)."""

    reason = "EMPTY_LOG"


class LimitExceededError(InputError):
    """The input exceeds a configured limit (bytes, points, files)."""

    reason = "LIMIT_EXCEEDED"
