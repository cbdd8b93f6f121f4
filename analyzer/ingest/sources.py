"""Turn whatever the caller handed to ``load`` into :class:`SourceFile` objects.

Accepted: a path to a file, a path to a directory (walked for logs), bytes with an optional
file name, a binary file object, or a list of those forming one run. Sizes are checked before
anything is read into memory, and gzip-compressed logs are decompressed with the same limit.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from analyzer.errors import EmptyLogError, InputError, LimitExceededError
from analyzer.ingest.base import IngestLimits, SourceFile

#: One input item: a path, raw bytes, a ``(name, bytes)`` pair, or a readable binary file.
SourceItem = str | os.PathLike | bytes | bytearray | memoryview | tuple | BinaryIO
Source = SourceItem | Sequence[SourceItem]

#: File names a directory walk picks up; everything else (checkpoints, hparams.yaml) is skipped.
LOG_SUFFIXES = (".csv", ".tsv", ".json", ".txt", ".log", ".out", ".gz")
_GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class ResolvedSources:
    """The files found, and whether they came from walking a directory (where unreadable or
    unrecognized files are skipped with a warning instead of failing the whole load)."""

    files: list[SourceFile]
    from_directory: bool
    root: str | None = None


def _maybe_gunzip(name: str, data: bytes, limits: IngestLimits) -> tuple[str, bytes]:
    if not data.startswith(_GZIP_MAGIC):
        return name, data
    out = io.BytesIO()
    decompressor = zlib.decompressobj(wbits=31)
    try:
        chunk = decompressor.decompress(data, limits.max_bytes + 1)
        out.write(chunk)
        if out.tell() > limits.max_bytes or decompressor.unconsumed_tail:
            raise LimitExceededError(
                f"decompresses to more than {limits.max_bytes:,} bytes "
                "(raise IngestLimits.max_bytes to accept it)",
                source=name,
            )
        if not decompressor.eof:
            raise InputError("gzip stream is truncated (the file was cut short)", source=name)
    except (zlib.error, EOFError, gzip.BadGzipFile) as exc:
        raise InputError(
            f"looks gzip-compressed but cannot be decompressed: {exc}", source=name
        ) from None
    stripped = name[:-3] if name.endswith(".gz") else name
    return stripped, out.getvalue()


def _read_path(path: Path, limits: IngestLimits, display: str) -> bytes:
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("no such file or directory", source=display) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=display) from None
    limits.check_bytes(size, display)
    try:
        with path.open("rb") as handle:
            return handle.read(limits.max_bytes + 1)
    except IsADirectoryError:
        raise InputError("is a directory", source=display) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=display) from None


def _file_from_path(path: Path, limits: IngestLimits, relative: str | None = None) -> SourceFile:
    display = str(path)
    data = _read_path(path, limits, display)
    limits.check_bytes(len(data), display)
    name, data = _maybe_gunzip(display, data, limits)
    if relative is None:
        # Keep the parent directory: a TensorBoard file inside ``validation/`` says its split.
        relative = str(Path(path.parent.name) / path.name) if path.parent.name else path.name
    return SourceFile(name=name, data=data, relative_path=relative)


def _is_log_name(name: str) -> bool:
    lowered = name.lower()
    return "tfevents" in lowered or lowered.endswith(LOG_SUFFIXES)


def _walk_directory(root: Path, limits: IngestLimits) -> list[SourceFile]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            if filename.startswith(".") or not _is_log_name(filename):
                continue
            found.append(Path(dirpath) / filename)
            if len(found) > limits.max_files:
                raise LimitExceededError(
                    f"directory holds more than {limits.max_files:,} log files "
                    "(raise IngestLimits.max_files, or name the run's files)",
                    source=str(root),
                )
    if not found:
        raise EmptyLogError(
            "directory holds no training logs (looked for TensorBoard event files and "
            f"{', '.join(LOG_SUFFIXES)} files)",
            source=str(root),
        )
    files, total = [], 0
    for path in found:
        item = _file_from_path(path, limits, relative=str(path.relative_to(root)))
        total += len(item.data)
        limits.check_bytes(total, str(root))
        files.append(item)
    return files


def _resolve_item(item: SourceItem, filename: str | None, limits: IngestLimits) -> SourceFile:
    if isinstance(item, (bytes, bytearray, memoryview)):
        data = bytes(item)
        name = filename or "<bytes>"
        limits.check_bytes(len(data), name)
        name, data = _maybe_gunzip(name, data, limits)
        return SourceFile(name=name, data=data, relative_path=filename)
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return _resolve_item(item[1], item[0], limits)
    if hasattr(item, "read"):
        name = filename or getattr(item, "name", None) or "<stream>"
        data = item.read(limits.max_bytes + 1)
        if isinstance(data, str):
            data = data.encode("utf-8")
        return _resolve_item(data, str(name), limits)
    if isinstance(item, (str, os.PathLike)):
        return _file_from_path(Path(item), limits)
    raise TypeError(f"cannot load a {type(item).__name__}; pass a path, bytes or a binary file")


def _is_single(source: Source) -> bool:
    """A list (or a tuple that is not a ``(name, bytes)`` pair) means several files of one run."""
    if isinstance(source, list):
        return False
    if isinstance(source, tuple):
        return len(source) == 2 and isinstance(source[0], str) and not isinstance(source[1], str)
    return True


def resolve(source: Source, *, filename: str | None, limits: IngestLimits) -> ResolvedSources:
    """Read every input into memory (within ``limits``) as :class:`SourceFile` objects."""
    if isinstance(source, (str, os.PathLike)) and Path(source).is_dir():
        return ResolvedSources(_walk_directory(Path(source), limits), True, str(source))
    items: Sequence[SourceItem] = [source] if _is_single(source) else list(source)
    if not items:
        raise EmptyLogError("no input files were given")
    if len(items) > limits.max_files:
        raise LimitExceededError(
            f"{len(items):,} files were given; the limit is {limits.max_files:,}"
        )
    files: list[SourceFile] = []
    total = 0
    for item in items:
        if isinstance(item, (str, os.PathLike)) and Path(item).is_dir():
            raise InputError(
                "is a directory; pass a directory on its own, not in a list of files",
                source=str(item),
            )
        file = _resolve_item(item, filename if len(files) == 0 else None, limits)
        total += len(file.data)
        limits.check_bytes(total, file.name)
        files.append(file)
    return ResolvedSources(files, False)
